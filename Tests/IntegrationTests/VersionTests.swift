import Foundation
import TestSupport
import Testing

/// `feedd --version` as users run it.
@Suite("feedd --version")
struct VersionTests {
    @Test("names the version, the commit built from, and the libcurl and libxml2 in use")
    func version() async throws {
        let result = try await ProcessRunner.run(ParseCommandTests.binary, arguments: ["--version"])
        #expect(result.status == 0, "\(result.stderrText)")
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        try #require(lines.count == 4, "\(result.stdoutText)")
        #expect(lines[0].wholeMatch(of: /feedd \d+\.\d+\.\d+/) != nil, "\(lines[0])")
        // The commit given at build time (scripts/test sets FEEDD_GIT_COMMIT from git, as scripts/install
        // does), else "unknown"; SwiftPM builds the tests with the same environment.
        #expect(lines[1].wholeMatch(of: /commit ([0-9a-f]{40}(-dirty)?|unknown)/) != nil, "\(lines[1])")
        if let commit = ProcessInfo.processInfo.environment["FEEDD_GIT_COMMIT"], !commit.isEmpty {
            #expect(lines[1] == "commit \(commit)")
        }
        // The libraries loaded at run time, as the system's curl-config and xml2-config know them.
        #expect(lines[2].wholeMatch(of: /libcurl \d+\.\d+\.\d+( \(.+\))?/) != nil, "\(lines[2])")
        #expect(lines[3].wholeMatch(of: /libxml2 \d+\.\d+\.\d+/) != nil, "\(lines[3])")
        for (tool, line) in [("/usr/bin/curl-config", lines[2]), ("/usr/bin/xml2-config", lines[3])]
        where FileManager.default.isExecutableFile(atPath: tool) {
            let installed = try await ProcessRunner.run(URL(fileURLWithPath: tool), arguments: ["--version"])
            let number = try #require(installed.stdoutText.firstMatch(of: /\d+\.\d+\.\d+/)).output
            #expect(line.contains(" \(number)"), "\(line) vs \(tool): \(installed.stdoutText)")
        }
    }
}
