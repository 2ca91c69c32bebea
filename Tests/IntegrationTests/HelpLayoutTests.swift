import Foundation
import TestSupport
import Testing

/// Every `--help` page read at 80 columns: the same EXIT STATUS table, examples whole.
@Suite("feedd --help layout")
struct HelpLayoutTests {
    static let commands: [[String]] = [
        [], ["run"], ["poll"], ["check"], ["parse"], ["add"], ["remove"], ["import-opml"], ["export-opml"],
        ["items"], ["feeds"], ["held"], ["held", "release"], ["held", "drop"], ["deliveries"],
        ["deliveries", "list"], ["deliveries", "retry"], ["deliveries", "replay"], ["store"], ["store", "check"],
        ["store", "compact"], ["store", "copy"],
    ]

    /// The lines of one section of a help page: from its title to the next blank line.
    static func section(_ title: String, in text: String) -> [Substring] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: Substring(title)) else { return [] }
        return Array(lines[(start + 1)...].prefix { !$0.isEmpty })
    }

    @Test("every command's EXIT STATUS is one table: status, then text wrapped under itself", arguments: commands)
    func exitStatus(_ command: [String]) async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = "80"
        let result = try await ProcessRunner.run(
            ParseCommandTests.binary, arguments: command + ["--help"], environment: environment)
        #expect(result.status == 0)
        let rows = Self.section("EXIT STATUS", in: result.stdoutText)
        #expect(rows.first?.hasPrefix("  0   ") == true, "\(command): \(rows)")
        for row in rows {
            #expect(row.count <= 78, "\(command): \(row)")
            #expect(
                row.wholeMatch(of: #/  [0-9] {3}\S.*|  [0-9]{2} {2}\S.*|      \S.*/#) != nil, "\(command): \(row)")
        }
        // Examples are whole commands, one a line, never broken by wrapping.
        for example in Self.section("EXAMPLES", in: result.stdoutText) {
            #expect(example.wholeMatch(of: #/  \S.*/#) != nil && example.count <= 80, "\(command): \(example)")
        }
    }
}
