import Foundation
import TestSupport
import Testing

/// `feedd check` as users run it: the built binary as a child process.
@Suite("feedd check")
struct CheckCommandTests {
    private static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test("the example configuration is valid and prints resolved, with absolute paths")
    func example() async throws {
        let result = try await ProcessRunner.run(
            ParseCommandTests.binary, arguments: ["check", "--config", "config/feedd.toml"],
            environment: ["PATH": "/usr/bin:/bin"], currentDirectory: Self.repositoryRoot)
        #expect(result.status == 0, "\(result.stderrText)")
        let root = Self.repositoryRoot.path
        #expect(result.stdoutText.contains("state_dir = \"\(root)/state\"\n"))
        #expect(result.stdoutText.contains("url = \"file://\(root)/config/examples/feedd-news.xml\"\n"))
        #expect(result.stdoutText.contains("[[feed]]  # config/feeds.d/example.toml:5\n"))
        #expect(result.stdoutText.contains("name = \"feedd-tips\"\n"))
        #expect(result.stderrText.isEmpty)
    }

    @Test("a listen address that cannot be bound as written is a problem of the configuration")
    func badListen() async throws {
        try await withTemporaryDirectory { directory in
            func check(_ listen: String) async throws -> ProcessResult {
                try directory.write(
                    "state_dir = \"state\"\nlisten = \"\(listen)\"\n[[feed]]\nname = \"a\"\nurl = \"file:///a.xml\"\n",
                    to: "feedd.toml")
                return try await ProcessRunner.run(
                    ParseCommandTests.binary, arguments: ["check", "--config", directory.path + "/feedd.toml"])
            }
            for (listen, reason) in [
                ("8086", "expected host:port, such as 127.0.0.1:8086"),
                ("127.0.0.1:99999", "the port must be a number from 0 to 65535"),
                ("example.org:80", "the host must be an IPv4 address, [an IPv6 address], localhost or empty"),
            ] {
                let result = try await check(listen)
                #expect(result.status == 78, "\(result.stderrText)")
                #expect(
                    result.stderrText.contains("feedd.toml:2: listen: \(reason), got \"\(listen)\""),
                    "\(result.stderrText)")
            }
            for listen in ["[::1]:0", "localhost:8086"] {
                let result = try await check(listen)
                #expect(result.status == 0, "\(listen): \(result.stderrText)")
            }
            // Every IPv4 address: not without a token, which then guards every request.
            let open = try await check(":8086")
            #expect(open.status == 78)
            #expect(
                open.stderrText.contains("feedd.toml:2: listen: \":8086\" is not a loopback address"),
                "\(open.stderrText)")
        }
    }

    @Test("a bad configuration lists every problem on standard error and exits with 78; secrets stay hidden")
    func badConfiguration() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(
                """
                intervl = "30m"
                concurrency = "many"

                [[hook]]
                name = "chat"
                type = "webhook"
                url = "https://chat.example/hook"
                headers = { Authorization = "Bearer hunter2" }
                command = ["x"]

                [[feed]]
                name = "news"
                url = "https://example.org/feed"
                hooks = ["caht"]
                """, to: "feedd.toml")
            let result = try await ProcessRunner.run(
                ParseCommandTests.binary, arguments: ["check"],
                environment: ["FEEDD_CONFIG": directory.path + "/feedd.toml", "FEEDD_STATE_DIR": "/tmp/x"])
            #expect(result.status == 78)
            #expect(result.stdoutText.isEmpty)
            let file = directory.path + "/feedd.toml"
            #expect(
                result.stderrText == """
                    \(file):1: intervl: unknown key `intervl`; did you mean `interval`?
                    \(file):2: concurrency: expected an integer, got "many"
                    \(file):9: hook[0].command: `command` is a key of exec hooks, not of webhook hooks
                    \(file):14: feed[0].hooks[0]: no hook named `caht`; did you mean `chat`?
                    feedd: \(file): 4 problems

                    """)
            #expect(!result.stderrText.contains("hunter2"))

            try directory.write(
                """
                [[hook]]
                name = "chat"
                type = "webhook"
                url = "https://chat.example/hook"
                headers = { Authorization = "Bearer hunter2" }
                """, to: "feedd.toml")
            let good = try await ProcessRunner.run(
                ParseCommandTests.binary, arguments: ["check", "--config", file, "--state-dir", "/tmp/cli"],
                environment: ["FEEDD_STATE_DIR": "/tmp/env"])
            #expect(good.status == 0)
            #expect(good.stdoutText.contains("state_dir = \"/tmp/cli\"\n"))
            #expect(good.stdoutText.contains("headers = { Authorization = \"********\" }"))
            #expect(!good.stdoutText.contains("hunter2"))
            let quiet = try await ProcessRunner.run(
                ParseCommandTests.binary, arguments: ["check", "--quiet", "--config", file])
            #expect(quiet.status == 0 && quiet.stdoutText.isEmpty)
        }
    }

    @Test("--help reads like a man page: precedence, default path, exit status")
    func help() async throws {
        let result = try await ProcessRunner.run(ParseCommandTests.binary, arguments: ["check", "--help"])
        #expect(result.status == 0)
        #expect(result.stdoutText.contains("EXIT STATUS"))
        #expect(result.stdoutText.contains("78  the configuration has problems"))
        #expect(result.stdoutText.contains("$FEEDD_CONFIG"))
        let top = try await ProcessRunner.run(ParseCommandTests.binary, arguments: ["--help"])
        #expect(top.stdoutText.contains("78  the configuration has problems"))
        #expect(top.stdoutText.contains("check"))
    }
}
