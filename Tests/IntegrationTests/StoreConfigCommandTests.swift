import FeedModel
import Foundation
import Store
import TestSupport
import Testing

/// `store`, `store_password` and `instance` as users meet them: `feedd check`, the store commands and
/// the daemon's start, through the built binary.
@Suite("feedd: the configured store")
struct StoreConfigCommandTests {
    /// `feedd ARGUMENTS` with only `environment` (and PATH) set.
    private func feedd(_ arguments: [String], environment: [String: String] = [:]) async throws -> ProcessResult {
        var whole = ["PATH": "/usr/bin:/bin"]
        for (key, value) in environment { whole[key] = value }
        return try await ProcessRunner.run(ParseCommandTests.binary, arguments: arguments, environment: whole)
    }

    @Test("feedd check prints the store masked, with where its password comes from, never the password")
    func checkPrintsStore() async throws {
        try await withTemporaryDirectory { directory in
            let file = directory.path + "/feedd.toml"
            try directory.write(
                "state_dir = \"state\"\nstore = \"postgres://feedd:hunter2@db.example.org/feeds?sslmode=verify-full\"\n"
                    + "instance = \"node-1\"\n", to: "feedd.toml")
            let fromURL = try await feedd(["check", "--config", file])
            #expect(fromURL.status == 0, "\(fromURL.stderrText)")
            #expect(
                fromURL.stdoutText.contains(
                    "store = \"postgres://feedd:***@db.example.org/feeds?sslmode=verify-full\"\n"
                        + "# the store's password: from the URL\n"), "\(fromURL.stdoutText)")
            #expect(fromURL.stdoutText.contains("instance = \"node-1\"\n"))
            #expect(!fromURL.stdoutText.contains("hunter2") && !fromURL.stderrText.contains("hunter2"))

            try directory.write(
                "store = \"postgres://feedd@db/feeds\"\nstore_password = { env = \"FEEDD_DB_PASSWORD\" }\n",
                to: "feedd.toml")
            let fromSecret = try await feedd(["check", "--config", file])
            #expect(fromSecret.status == 0, "\(fromSecret.stderrText)")
            #expect(
                fromSecret.stdoutText.contains(
                    "store_password = { env = \"FEEDD_DB_PASSWORD\" }\n"), "\(fromSecret.stdoutText)")
            #expect(
                fromSecret.stdoutText.contains(
                    "# the store's password: from store_password { env = \"FEEDD_DB_PASSWORD\" }\n"))

            try directory.write("store = \"postgres://feedd@db/feeds\"\n", to: "feedd.toml")
            let fromEnvironment = try await feedd(["check", "--config", file], environment: ["PGPASSWORD": "pw"])
            #expect(fromEnvironment.stdoutText.contains("# the store's password: from $PGPASSWORD\n"))
            let none = try await feedd(["check", "--config", file])
            #expect(none.stdoutText.contains("# the store's password: from none"), "\(none.stdoutText)")
            // Without store, nothing of it is printed.
            try directory.write("state_dir = \"state\"\n", to: "feedd.toml")
            let files = try await feedd(["check", "--config", file])
            #expect(files.status == 0)
            #expect(!files.stdoutText.contains("store"), "\(files.stdoutText)")
        }
    }

    @Test("feedd check lists every problem of store, store_password and instance with file:line and exits 78")
    func checkReportsProblems() async throws {
        try await withTemporaryDirectory { directory in
            let file = directory.path + "/feedd.toml"
            try directory.write(
                """
                state_dir = "state"
                store = "postgres://feedd:hunter2@db:5432/feeds?sslmode=verify"
                store_password = "swordfish"
                instance = "\(String(repeating: "x", count: 65))"

                """, to: "feedd.toml")
            let result = try await feedd(["check", "--config", file])
            #expect(result.status == 78)
            #expect(result.stdoutText.isEmpty)
            let lines = result.stderrText.split(separator: "\n").map(String.init)
            #expect(lines.count == 4, "\(result.stderrText)")
            #expect(
                lines.first
                    == "\(file):2: store: bad sslmode: \"verify\" is not one of disable, prefer, require, verify-ca, "
                    + "verify-full, in \"postgres://feedd:***@db:5432/feeds?sslmode=verify\"")
            #expect(
                lines.dropFirst().first?.hasPrefix("\(file):3: store_password: the password is not written") == true)
            #expect(lines.dropFirst(2).first == "\(file):4: instance: must be at most 64 characters, got 65")
            #expect(lines.last == "feedd: \(file): 3 problems")
            #expect(!result.stderrText.contains("hunter2") && !result.stderrText.contains("swordfish"))

            try directory.write(
                "store = \"postgres://feedd:hunter2@db/feeds\"\nstore_password = { file = \"db-password\" }\n",
                to: "feedd.toml")
            let twice = try await feedd(["check", "--config", file])
            #expect(twice.status == 78)
            #expect(
                twice.stderrText.contains(
                    "\(file):2: store_password: the store URL (line 1) carries a password already"),
                "\(twice.stderrText)")
            #expect(twice.stderrText.contains("\(file):2: store_password: cannot read the file: "))
        }
    }

    @Test(
        "the store commands open the configured database (exit 75 while it cannot be reached), or --state-dir's file store"
    )
    func storeCommandsFollowTheConfiguration() async throws {
        try await withTemporaryDirectory { directory in
            let stateDirectory = directory.path + "/state"
            let store = try FileStore.open(directory: stateDirectory)
            try store.recordFetch(
                feed: "kept", state: FeedFetchState(lastSuccess: Timestamp(secondsSince1970: 1_800_000_000)))
            try store.close()
            let file = directory.path + "/feedd.toml"
            try directory.write(
                "state_dir = \"state\"\nintervl = 3\nstore = \"postgres://feedd:hunter2@127.0.0.1:1/feeds\"\n",
                to: "feedd.toml")
            for arguments in [["feeds"], ["items"], ["held"], ["deliveries"], ["store", "check"]] {
                let result = try await feedd(arguments + ["--config", file])
                #expect(result.status == 75, "\(arguments): \(result.stderrText)")
                #expect(
                    result.stderrText.hasPrefix(
                        "feedd: cannot use the database postgres://feedd:***@127.0.0.1:1/feeds: "),
                    "\(arguments): \(result.stderrText)")
            }
            // --state-dir opens that file store, reading no configuration.
            let files = try await feedd(["feeds", "--config", file, "--state-dir", stateDirectory])
            #expect(files.status == 0, "\(files.stderrText)")
            #expect(files.stdoutText.contains("kept\t"), "\(files.stdoutText)")
            #expect(!files.stdoutText.contains("INSTANCE"))
            let filesJSON = try await feedd(["feeds", "--json", "--config", file, "--state-dir", stateDirectory])
            #expect(filesJSON.status == 0, "\(filesJSON.stderrText)")
            #expect(filesJSON.stdoutText.hasPrefix("{\"name\":\"kept\","), "\(filesJSON.stdoutText)")
            #expect(
                filesJSON.stdoutText.split(separator: "\n").count == 1 && !filesJSON.stdoutText.contains("instance"))

            // A bad URL stops them with the line and the part, as check says it.
            try directory.write("state_dir = \"state\"\nstore = \"postgres://feedd@db:http/feeds\"\n", to: "feedd.toml")
            let bad = try await feedd(["items", "--config", file])
            #expect(bad.status == 78)
            #expect(
                bad.stderrText.hasPrefix("\(file):2: store: bad port: \"http\" is not a port number"),
                "\(bad.stderrText)")

            // A password that cannot be read is named when a command opens the database.
            try directory.write(
                "store = \"postgres://feedd@db/feeds\"\nstore_password = { env = \"FEEDD_DB_PASSWORD\" }\n",
                to: "feedd.toml")
            let unreadable = try await feedd(["feeds", "--config", file])
            #expect(unreadable.status == 78)
            #expect(
                unreadable.stderrText
                    == "feedd: store_password: cannot read secret { env = \"FEEDD_DB_PASSWORD\" }: the variable is "
                    + "not set\n")
        }
    }

    @Test(
        "store copy refuses a password both in the URL and in --password-file, naming both, before touching the store")
    func copyPasswordTwice() async throws {
        try await withTemporaryDirectory { directory in
            // The state directory does not exist: the URL is refused before the store is looked for.
            let state = directory.path + "/state"
            let passwordFile = try directory.write("two\n", to: "password")
            let result = try await feedd([
                "store", "copy", "--to", "postgres://feedd:hunter2@127.0.0.1:1/feeds", "--password-file",
                passwordFile.path, "--state-dir", state,
            ])
            #expect(result.status == 64, "\(result.stderrText)")
            #expect(
                result.stderrText
                    == "feedd: store URL postgres://feedd:***@127.0.0.1:1/feeds carries a password and --password-file "
                    + "gives another; keep one\n")
            #expect(!result.stderrText.contains("hunter2") && !result.stderrText.contains("two"))
            #expect(!FileManager.default.fileExists(atPath: state))
        }
    }

    @Test("the daemon does not start when the database's password cannot be read, nor while it cannot be reached")
    func daemonNeedsThePassword() async throws {
        try await withTemporaryDirectory { directory in
            let file = directory.path + "/feedd.toml"
            try directory.write(
                "state_dir = \"state\"\nstore = \"postgres://feedd@127.0.0.1:1/feeds\"\n"
                    + "store_password = { env = \"FEEDD_DB_PASSWORD\" }\n", to: "feedd.toml")
            let result = try await feedd(["poll", "--once", "--config", file])
            #expect(result.status == 78, "\(result.stderrText)")
            #expect(
                result.stderrText.contains(
                    "store_password: cannot read secret { env = \"FEEDD_DB_PASSWORD\" }: the variable is not set"),
                "\(result.stderrText)")
            // With the password, the daemon tries the database (nothing listens there) and says so; it never
            // falls back to the file store in state_dir.
            let refused = try await feedd(
                ["poll", "--once", "--config", file], environment: ["FEEDD_DB_PASSWORD": "pw"])
            #expect(refused.status == 75, "\(refused.stderrText)")
            #expect(
                refused.stderrText.contains("cannot use the database postgres://")
                    && refused.stderrText.contains(
                        "@127.0.0.1:1/feeds: ")
                    && !refused.stderrText.contains("pw"),
                "\(refused.stderrText)")
            #expect(!FileManager.default.fileExists(atPath: directory.path + "/state"))
        }
    }

    @Test("the --help of every store command says it reads the configured store")
    func help() async throws {
        for command in [["items"], ["feeds"], ["held"], ["deliveries", "list"], ["store", "check"]] {
            let result = try await feedd(command + ["--help"], environment: ["COLUMNS": "200"])
            #expect(result.status == 0)
            let text = result.stdoutText.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(
                text.contains("PostgreSQL database of the configuration's `store`")
                    || text.contains("With `store = \"postgres://…\"` in the configuration"), "\(command)")
        }
    }
}
