import FeedModel
import Foundation
import Store
import TestSupport
import Testing

/// Every command finds the state directory the same way: `--state-dir`, then `$FEEDD_STATE_DIR`, then the
/// configuration file's `state_dir`, then `$STATE_DIRECTORY`, then `/var/lib/feedd`. Each test makes
/// stores that differ in their one feed's name, so `feedd feeds` shows which one a command opened.
@Suite("feedd: where the state directory is")
struct StateLocationTests {
    /// A store at `directory/name` holding one feed named `name`.
    @discardableResult
    private func store(_ name: String, in directory: TemporaryDirectory) throws -> String {
        let path = directory.path + "/" + name
        let store = try FileStore.open(directory: path)
        try store.recordFetch(
            feed: name, state: FeedFetchState(lastSuccess: Timestamp(secondsSince1970: 1_800_000_000)))
        try store.close()
        return path
    }

    /// `feedd ARGUMENTS` in `directory` (or `currentDirectory`) with only `environment` (and PATH) set.
    private func run(
        _ arguments: [String], environment: [String: String] = [:], in directory: TemporaryDirectory,
        currentDirectory: String? = nil
    ) async throws -> ProcessResult {
        var whole = ["PATH": "/usr/bin:/bin"]
        for (key, value) in environment { whole[key] = value }
        return try await ProcessRunner.run(
            ParseCommandTests.binary, arguments: arguments, environment: whole,
            currentDirectory: URL(fileURLWithPath: currentDirectory ?? directory.path))
    }

    /// The feed names `feedd feeds` listed (nil when it failed).
    private func feeds(_ result: ProcessResult) -> [String]? {
        guard result.status == 0 else { return nil }
        return result.stdoutText.split(separator: "\n").dropFirst().map { String($0.split(separator: "\t")[0]) }
    }

    @Test("--state-dir wins over FEEDD_STATE_DIR, the file's state_dir and STATE_DIRECTORY")
    func stateDirOption() async throws {
        try await withTemporaryDirectory { directory in
            let option = try store("option", in: directory)
            for name in ["env", "file", "systemd"] { try store(name, in: directory) }
            let config = try directory.write("state_dir = \"file\"\n", to: "feedd.toml")
            let environment = [
                "FEEDD_STATE_DIR": directory.path + "/env", "FEEDD_CONFIG": config.path,
                "STATE_DIRECTORY": directory.path + "/systemd",
            ]
            let result = try await run(["feeds", "--state-dir", option], environment: environment, in: directory)
            #expect(feeds(result) == ["option"], "\(result.stderrText)")
            // Relative to the current directory, and read without any configuration file.
            let relative = try await run(["feeds", "--state-dir", "option"], in: directory)
            #expect(feeds(relative) == ["option"], "\(relative.stderrText)")
        }
    }

    @Test("FEEDD_STATE_DIR wins over the file's state_dir and STATE_DIRECTORY; no file is needed")
    func stateDirEnvironment() async throws {
        try await withTemporaryDirectory { directory in
            for name in ["env", "file", "systemd"] { try store(name, in: directory) }
            let config = try directory.write("state_dir = \"file\"\n", to: "feedd.toml")
            let result = try await run(
                ["feeds", "--config", config.path],
                environment: [
                    "FEEDD_STATE_DIR": directory.path + "/env", "STATE_DIRECTORY": directory.path + "/systemd",
                ],
                in: directory)
            #expect(feeds(result) == ["env"], "\(result.stderrText)")
            let alone = try await run(["feeds"], environment: ["FEEDD_STATE_DIR": "env"], in: directory)
            #expect(feeds(alone) == ["env"], "\(alone.stderrText)")
        }
    }

    @Test("the configuration file's state_dir, relative to the file, from --config, FEEDD_CONFIG or ./config")
    func configurationFile() async throws {
        try await withTemporaryDirectory { directory in
            for name in ["file", "systemd"] { try store(name, in: directory) }
            // A problem elsewhere in the file does not keep the read commands from the store.
            let config = try directory.write(
                "state_dir = \"../file\"\nnot_an_option = 1\n", to: "config/feedd.toml")
            try FileManager.default.createDirectory(
                atPath: directory.path + "/elsewhere", withIntermediateDirectories: true)
            let systemd = ["STATE_DIRECTORY": directory.path + "/systemd"]
            let elsewhere = directory.path + "/elsewhere"

            let option = try await run(
                ["feeds", "--config", config.path], environment: systemd, in: directory, currentDirectory: elsewhere)
            #expect(feeds(option) == ["file"], "\(option.stderrText)")
            var environment = systemd
            environment["FEEDD_CONFIG"] = config.path
            let variable = try await run(
                ["feeds"], environment: environment, in: directory, currentDirectory: elsewhere)
            #expect(feeds(variable) == ["file"], "\(variable.stderrText)")
            // ./config/feedd.toml when /etc/feedd/feedd.toml does not exist.
            if !FileManager.default.fileExists(atPath: "/etc/feedd/feedd.toml") {
                let byDefault = try await run(["feeds"], environment: systemd, in: directory)
                #expect(feeds(byDefault) == ["file"], "\(byDefault.stderrText)")
            }
        }
    }

    @Test("STATE_DIRECTORY (its first entry) when the file sets no state_dir")
    func systemdStateDirectory() async throws {
        try await withTemporaryDirectory { directory in
            try store("systemd", in: directory)
            let config = try directory.write("interval = \"1h\"\n", to: "feedd.toml")
            let result = try await run(
                ["items", "--config", config.path, "--json"],
                environment: ["STATE_DIRECTORY": directory.path + "/systemd:" + directory.path + "/other"],
                in: directory)
            #expect(result.status == 0, "\(result.stderrText)")
            let listed = try await run(
                ["feeds", "--config", config.path], environment: ["STATE_DIRECTORY": directory.path + "/systemd"],
                in: directory)
            #expect(feeds(listed) == ["systemd"], "\(listed.stderrText)")
        }
    }

    @Test("with nothing set: /var/lib/feedd; a missing store says where feedd looked and how to point it")
    func builtInDefault() async throws {
        try await withTemporaryDirectory { directory in
            let result = try await run(["items"], in: directory)
            if FileManager.default.fileExists(atPath: "/var/lib/feedd")
                || FileManager.default.fileExists(
                    atPath: "/etc/feedd/feedd.toml")
            {
                return  // This machine has feedd installed: the default is taken, not missing.
            }
            #expect(result.status == 74)
            let text = result.stderrText
            #expect(text.hasPrefix("feedd: no feedd state directory at /var/lib/feedd\n"), "\(text)")
            for step in [
                "--state-dir: not given", "FEEDD_STATE_DIR: not set", "--config: not given; FEEDD_CONFIG: not set",
                "configuration file /etc/feedd/feedd.toml: does not exist",
                "configuration file config/feedd.toml (in \(directory.path)): does not exist",
                "STATE_DIRECTORY (set by systemd's StateDirectory=): not set",
                "the built-in default /var/lib/feedd: used",
            ] {
                #expect(text.contains("  \(step)\n"), "\(step) not in \(text)")
            }
            for hint in ["--state-dir DIR", "FEEDD_STATE_DIR=DIR", "--config FILE", "FEEDD_CONFIG=FILE"] {
                #expect(text.contains(hint), "\(hint) not in \(text)")
            }
        }
    }

    @Test("a missing store named by the file: the message names the file and line")
    func missingFromFile() async throws {
        try await withTemporaryDirectory { directory in
            let config = try directory.write("# feeds\nstate_dir = \"gone\"\n", to: "feedd.toml")
            let result = try await run(["deliveries", "retry", "--config", config.path], in: directory)
            #expect(result.status == 74)
            #expect(result.stderrText.hasPrefix("feedd: no feedd state directory at \(directory.path)/gone\n"))
            #expect(
                result.stderrText.contains(
                    "  configuration file \(config.path) (--config): state_dir at \(config.path):2: used\n"),
                "\(result.stderrText)")
        }
    }

    @Test("a file that cannot be parsed is reported with file:line, unless --state-dir makes it moot")
    func brokenFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = try store("option", in: directory)
            let config = try directory.write("state_dir = \"x\"\n[[feed\n", to: "feedd.toml")
            let broken = try await run(["held", "--config", config.path], in: directory)
            #expect(broken.status == 78)
            #expect(broken.stderrText.contains("\(config.path):2"), "\(broken.stderrText)")
            #expect(broken.stderrText.contains("--state-dir"), "\(broken.stderrText)")
            let moot = try await run(["feeds", "--config", config.path, "--state-dir", path], in: directory)
            #expect(feeds(moot) == ["option"], "\(moot.stderrText)")
            let missing = try await run(["feeds", "--config", directory.path + "/none.toml"], in: directory)
            #expect(missing.status == 78)
            #expect(missing.stderrText.contains("none.toml: no such file"), "\(missing.stderrText)")
        }
    }

    @Test("poll and the read commands agree: what poll stored, items finds through the same file")
    func pollThenItems() async throws {
        try await withTemporaryDirectory { directory in
            _ = try directory.write(ParseCommandTests.feed, to: "feed.xml")
            let config = try directory.write(
                """
                state_dir = "store"
                notify_existing = true

                [[feed]]
                name = "example"
                url = "../feed.xml"
                """, to: "etc/feedd.toml")
            let systemd = ["STATE_DIRECTORY": directory.path + "/systemd"]
            let poll = try await run(["poll", "--once", "--config", config.path], environment: systemd, in: directory)
            #expect(poll.status == 0, "\(poll.stderrText)")
            #expect(FileManager.default.fileExists(atPath: directory.path + "/etc/store"))
            try FileManager.default.createDirectory(
                atPath: directory.path + "/elsewhere", withIntermediateDirectories: true)
            var environment = systemd
            environment["FEEDD_CONFIG"] = config.path
            let items = try await run(
                ["items"], environment: environment, in: directory, currentDirectory: directory.path + "/elsewhere")
            #expect(items.status == 0, "\(items.stderrText)")
            #expect(items.stdoutText.contains("\texample\tFirst\t"), "\(items.stdoutText)")
        }
    }
}
