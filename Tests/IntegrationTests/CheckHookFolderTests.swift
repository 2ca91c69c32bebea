import Foundation
import TestSupport
import Testing

/// `feedd check` looks at the folders hooks write into, and resolves their paths against the file's folder.
@Suite("feedd check: hook folders")
struct CheckHookFolderTests {
    private func check(_ text: String, in directory: TemporaryDirectory) async throws -> ProcessResult {
        try directory.write(text, to: "conf/feedd.toml")
        return try await ProcessRunner.run(
            ParseCommandTests.binary, arguments: ["check", "--config", directory.path + "/conf/feedd.toml"],
            environment: ["PATH": "/usr/bin:/bin"])
    }

    @Test("a hook folder that cannot be made is a problem at its key, with file and line; exit 78")
    func foldersThatCannotBeMade() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write("a file where a folder should be", to: "blocker")
            let root = directory.path
            let result = try await check(
                """
                state_dir = "../state"

                [[hook]]
                name = "archive"
                type = "jsonl"
                path = "../blocker/sub/items.jsonl"

                [[hook]]
                name = "flat"
                type = "jsonl"
                path = "../blocker/items.jsonl"

                [[hook]]
                name = "mail"
                type = "maildir"
                from = "feedd@localhost"
                to = ["me@localhost"]
                path = "\(root)/blocker/Maildir"

                [[hook]]
                name = "print"
                type = "exec"
                command = ["true"]
                working_directory = "missing"
                """, in: directory)
            #expect(result.status == 78)
            let file = root + "/conf/feedd.toml"
            #expect(
                result.stderrText == """
                    \(file):6: hook[0].path: the folder \(root)/blocker/sub cannot be made: \(root)/blocker is a file, not a folder
                    \(file):11: hook[1].path: \(root)/blocker is a file, not a folder
                    \(file):18: hook[2].path: the folder \(root)/blocker/Maildir cannot be made: \(root)/blocker is a file, not a folder
                    \(file):24: hook[3].working_directory: the folder \(root)/conf/missing does not exist
                    feedd: \(file): 4 problems

                    """)
        }
    }

    @Test("relative hook paths resolve against the file's folder; missing folders that can be made are fine")
    func relativePaths() async throws {
        try await withTemporaryDirectory { directory in
            let result = try await check(
                """
                state_dir = "state"

                [[hook]]
                name = "archive"
                type = "jsonl"
                path = "../out/2026/items.jsonl"

                [[hook]]
                name = "mail"
                type = "maildir"
                from = "feedd@localhost"
                to = ["me@localhost"]
                path = "Maildir/.feeds"
                """, in: directory)
            #expect(result.status == 0, "\(result.stderrText)")
            let root = directory.path
            #expect(result.stdoutText.contains("state_dir = \"\(root)/conf/state\"\n"), "\(result.stdoutText)")
            #expect(result.stdoutText.contains("path = \"\(root)/out/2026/items.jsonl\"\n"), "\(result.stdoutText)")
            #expect(result.stdoutText.contains("path = \"\(root)/conf/Maildir/.feeds\"\n"), "\(result.stdoutText)")
            // check makes nothing.
            #expect(!FileManager.default.fileExists(atPath: root + "/out"))
        }
    }

    @Test("a folder that is not writable cannot be made (as a user: root may write anywhere)")
    func notWritable() async throws {
        try await withTemporaryDirectory { directory in
            let locked = directory.path + "/locked"
            try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked)
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked) }
            let result = try await check(
                "[[hook]]\nname = \"archive\"\ntype = \"jsonl\"\npath = \"\(locked)/sub/items.jsonl\"\n", in: directory)
            if getuid() == 0 {
                #expect(result.status == 0, "\(result.stderrText)")
            } else {
                #expect(result.status == 78)
                #expect(
                    result.stderrText.contains(
                        "feedd.toml:4: hook[0].path: the folder \(locked)/sub does not exist and cannot be made: \(locked) is not writable"
                    ), "\(result.stderrText)")
            }
        }
    }
}
