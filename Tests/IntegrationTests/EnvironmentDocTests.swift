import Foundation
import Testing

/// The README names every environment variable feedd reads.
@Suite("feedd environment variables in the README")
struct EnvironmentDocTests {
    /// The repository: this file is Tests/IntegrationTests/EnvironmentDocTests.swift.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("every variable read in Sources (Environment.value, OS.environment, environment[…], getenv) is in the README")
    func named() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let sources = Self.root.appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        var names = Set<String>()
        let pattern =
            #/(?:Environment\.value|OS\.environment|getenv)\("([A-Z][A-Z0-9_]+)"\)|environment\["([A-Z][A-Z0-9_]+)"\]/#
        for case let file as URL in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: pattern) {
                if let name = match.output.1 ?? match.output.2 { names.insert(String(name)) }
            }
        }
        // The configuration's own list, and systemd's notify variables (read by name in Daemon).
        for name in ["FEEDD_LOG_LEVEL", "FEEDD_LOG_FORMAT", "FEEDD_LISTEN", "NOTIFY_SOCKET", "WATCHDOG_USEC"] {
            names.insert(name)
        }
        #expect(names.count >= 8, "\(names.sorted())")
        for name in names.sorted() {
            #expect(readme.contains("`\(name)`"), "README.md does not name \(name)")
        }
    }
}
