import Config
import FeedModel
import Foundation
import StoreLocation
import TestSupport
import Testing

/// `store`, `store_password` and `instance`: the PostgreSQL store several instances share.
@Suite("store, store_password and instance")
struct StoreConfigTests {
    @Test("a good URL with a password file loads; the password is read from the file, and printing masks it")
    func goodURL() async throws {
        try await withTemporaryDirectory { directory in
            _ = try directory.write("s3cret\n", to: "db-password")
            let configuration = try loadConfiguration(
                [
                    "feedd.toml": """
                    store = "postgres://feedd@db.example.org:6432/feeds?sslmode=verify-full"
                    store_password = { file = "db-password" }
                    instance = "node-1"

                    """
                ], in: directory)
            #expect(configuration.store == "postgres://feedd@db.example.org:6432/feeds?sslmode=verify-full")
            #expect(configuration.storePassword == .file(directory.path + "/db-password"))
            #expect(configuration.instance == "node-1")
            let database = try #require(configuration.database)
            let settings = try database.settings(environment: ["PGPASSWORD": "not-this-one"])
            #expect(settings.user == "feedd")
            #expect(settings.host == "db.example.org")
            #expect(settings.port == 6432)
            #expect(settings.database == "feeds")
            #expect(settings.tlsMode == .verifyFull)
            #expect(settings.password == "s3cret")
            #expect(settings.passwordSource == .secret)
        }
        try await withTemporaryDirectory { directory in
            let withPassword = try loadConfiguration(
                ["feedd.toml": "store = \"postgres://feedd:hunter2@db/feeds\"\n"], in: directory)
            let printed = ConfigRenderer.toml(withPassword)
            #expect(printed.contains("store = \"postgres://feedd:***@db/feeds\"\n"), "\(printed)")
            #expect(!printed.contains("hunter2"))
            #expect(withPassword.database?.description == "postgres://feedd:***@db/feeds")
        }
    }

    @Test("without store the file store stays, and instance has no value (the daemon names it)")
    func defaults() async throws {
        try await withTemporaryDirectory { directory in
            let configuration = try loadConfiguration(["feedd.toml": "interval = \"30m\"\n"], in: directory)
            #expect(configuration.store == nil)
            #expect(configuration.database == nil)
            #expect(configuration.instance == nil)
        }
    }

    @Test(
        "a bad URL is reported at the line of store, naming the part at fault",
        arguments: [
            ("http://feedd@db/feeds", "scheme"),
            ("postgres://db.example.org/feeds", "user"),
            ("postgres://feedd@/feeds", "host"),
            ("postgres://feedd@db:99999/feeds", "port"),
            ("postgres://feedd@db", "database"),
            ("postgres://feedd@db/feeds?sslmode=always", "sslmode"),
            ("postgres://feedd@db/feeds?ssl=true", "query"),
            ("postgres://feedd@a,b/feeds", "host"),
        ])
    func badURL(url: String, part: String) async throws {
        let found = try await problems(["feedd.toml": "interval = \"30m\"\nstore = \"\(url)\"\n"])
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.hasPrefix("feedd.toml:2: store: bad \(part): ") == true, "\(found)")
        // A user name alone is masked too (URLCredentials: such a name is often a token).
        #expect(found.first?.hasSuffix("in \"\(URLCredentials.masked(url))\"") == true, "\(found)")
    }

    @Test("a bad URL's password is masked in the problem; a store that is not a string is refused")
    func badURLMasked() async throws {
        let found = try await problems(["feedd.toml": "store = \"postgres://feedd:hunter2@db:0/feeds\"\n"])
        #expect(
            found == [
                "feedd.toml:1: store: bad port: \"0\" is not a port number (1-65535), in \"postgres://feedd:***@db:0/feeds\""
            ])
        let number = try await problems(["feedd.toml": "store = 5432\n"])
        #expect(number.first?.hasPrefix("feedd.toml:1: store: expected a URL string") == true, "\(number)")
    }

    @Test("a password written in the file is refused, and never shown")
    func inlinePasswordRefused() async throws {
        let found = try await problems([
            "feedd.toml": "store = \"postgres://feedd@db/feeds\"\nstore_password = \"hunter2\"\n"
        ])
        #expect(found.count == 1, "\(found)")
        #expect(
            found.first?.hasPrefix("feedd.toml:2: store_password: the password is not written in the configuration")
                == true, "\(found)")
        #expect(found.first?.contains("hunter2") == false)
    }

    @Test("a password in the URL and store_password at once is refused at store_password")
    func passwordTwice() async throws {
        let found = try await problems([
            "feedd.toml": "store = \"postgres://feedd:hunter2@db/feeds\"\nstore_password = { env = \"DB_PASSWORD\" }\n"
        ])
        #expect(found.count == 1, "\(found)")
        #expect(
            found.first?.hasPrefix("feedd.toml:2: store_password: the store URL (line 1) carries a password already")
                == true, "\(found)")
        #expect(found.first?.contains("hunter2") == false)
        let alone = try await problems(["feedd.toml": "store_password = { env = \"DB_PASSWORD\" }\n"])
        #expect(
            alone == [
                "feedd.toml:1: store_password: store_password is set but store is not (the file store in state_dir "
                    + "needs no password)"
            ])
    }

    @Test("store_password from the environment; a variable that is not set is named, never a value")
    func environmentSecret() async throws {
        try await withTemporaryDirectory { directory in
            let configuration = try loadConfiguration(
                ["feedd.toml": "store = \"postgres://feedd@db/feeds\"\nstore_password = { env = \"DB_PASSWORD\" }\n"],
                in: directory)
            let database = try #require(configuration.database)
            let settings = try database.settings(environment: ["DB_PASSWORD": "from-env", "PGPASSWORD": "other"])
            #expect(settings.password == "from-env")
            #expect(settings.passwordSource == .secret)
            let error = try #require(throws: DatabaseSettingError.self) {
                try database.settings(environment: ["PGPASSWORD": "other"])
            }
            #expect(
                error.description
                    == "store_password: cannot read secret { env = \"DB_PASSWORD\" }: the variable is not set")
        }
    }

    @Test("store_password from a file that is missing: feedd check says so at store_password; reading it fails")
    func missingPasswordFile() async throws {
        try await withTemporaryDirectory { directory in
            _ = try directory.write(
                "store = \"postgres://feedd@db/feeds\"\nstore_password = { file = \"db-password\" }\n", to: "feedd.toml"
            )
            var loader = ConfigLoader(environment: [:], currentDirectory: directory.path)
            loader.checksOutputPaths = true
            let error = try #require(throws: ConfigErrors.self) { try loader.load(path: "feedd.toml") }
            #expect(
                error.problems.map(\.description) == [
                    "feedd.toml:2: store_password: cannot read the file: \(directory.path)/db-password"
                ])
            loader.checksOutputPaths = false
            let database = try #require(try loader.load(path: "feedd.toml").database)
            #expect(throws: DatabaseSettingError.self) { try database.settings(environment: [:]) }
        }
    }

    @Test("without the URL's password or store_password, PGPASSWORD is used, as libpq; without it, none")
    func pgpasswordFallback() throws {
        let bare = DatabaseSetting(url: "postgres://feedd@db/feeds")
        let fromEnvironment = try bare.settings(environment: ["PGPASSWORD": "pg-env"])
        #expect(fromEnvironment.password == "pg-env")
        #expect(fromEnvironment.passwordSource == .environment)
        let none = try bare.settings(environment: [:])
        #expect(none.password == nil)
        #expect(none.passwordSource == nil)
        let fromURL = try DatabaseSetting(url: "postgres://feedd:in-url@db/feeds").settings(environment: [
            "PGPASSWORD": "pg-env"
        ])
        #expect(fromURL.password == "in-url")
        #expect(fromURL.passwordSource == .url)
    }

    @Test(
        "instance must be non-empty, printable and at most 64 characters",
        arguments: [
            ("\"\"", "must not be empty"),
            ("\"\(String(repeating: "n", count: 65))\"", "must be at most 64 characters, got 65"),
            ("\"a\\tb\"", "must be printable: U+0009 is not"),
            ("\"a\\u200Bb\"", "must be printable: U+200B is not"),
            ("\" node\"", "must not begin or end with a space"),
            ("7", "expected a string, got 7"),
        ])
    func badInstance(value: String, message: String) async throws {
        let found = try await problems(["feedd.toml": "interval = \"30m\"\ninstance = \(value)\n"])
        #expect(found == ["feedd.toml:2: instance: \(message)"])
    }

    @Test("good instance names load as written")
    func goodInstance() async throws {
        for name in ["node-1", "Zürich 2", String(repeating: "n", count: 64)] {
            try await withTemporaryDirectory { directory in
                let configuration = try loadConfiguration(["feedd.toml": "instance = \"\(name)\"\n"], in: directory)
                #expect(configuration.instance == name)
            }
        }
    }

    @Test("the store commands read store and store_password alone: other problems do not hide the database")
    func databaseSettingAlone() async throws {
        try await withTemporaryDirectory { directory in
            _ = try directory.write(
                "intervl = 5\nstore = \"postgres://feedd@db/feeds\"\nstore_password = { env = \"DB\" }\n",
                to: "feedd.toml")
            let loader = ConfigLoader(environment: [:], currentDirectory: directory.path)
            let (database, line) = try #require(try loader.databaseSetting(path: "feedd.toml"))
            #expect(database == DatabaseSetting(url: "postgres://feedd@db/feeds", password: .env("DB")))
            #expect(line == 2)
            _ = try directory.write("state_dir = \"state\"\n", to: "files.toml")
            #expect(try loader.databaseSetting(path: "files.toml") == nil)
            _ = try directory.write("\n\nstore = \"postgres://feedd@db:http/feeds\"\n", to: "bad.toml")
            let error = try #require(throws: ConfigErrors.self) { try loader.databaseSetting(path: "bad.toml") }
            #expect(error.problems.map(\.description).first?.hasPrefix("bad.toml:3: store: bad port: ") == true)
        }
    }
}
