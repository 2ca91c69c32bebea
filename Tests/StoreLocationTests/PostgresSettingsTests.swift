import StoreLocation
import Testing

@Suite struct PostgresSettingsTests {
    @Test("a full URL gives user, password, host, port, database and TLS mode")
    func fullURL() throws {
        let settings = try PostgresSettings(
            url: "postgres://feedd:s%40cret@db.example.org:6432/feeds?sslmode=verify-full")
        #expect(settings.user == "feedd")
        #expect(settings.password == "s@cret")
        #expect(settings.passwordSource == .url)
        #expect(settings.host == "db.example.org")
        #expect(settings.port == 6432)
        #expect(settings.database == "feeds")
        #expect(settings.tlsMode == .verifyFull)
        #expect(settings.displayURL == "postgres://feedd:***@db.example.org:6432/feeds?sslmode=verify-full")
    }

    @Test("the port defaults to 5432, sslmode to prefer; postgresql:// and IPv6 hosts are taken")
    func defaults() throws {
        let settings = try PostgresSettings(url: "postgresql://feedd@[::1]/feeds")
        #expect(settings.port == 5432)
        #expect(settings.host == "::1")
        #expect(settings.tlsMode == .prefer)
        #expect(settings.password == nil)
        #expect(settings.passwordSource == nil)
    }

    @Test(
        "a bad URL names the part at fault",
        arguments: [
            ("http://feedd@db/feeds", "scheme"),
            ("db.example.org/feeds", "scheme"),
            ("postgres://db.example.org/feeds", "user"),
            ("postgres://@db/feeds", "user"),
            ("postgres://feedd@/feeds", "host"),
            ("postgres://feedd@db:99999/feeds", "port"),
            ("postgres://feedd@db:54x/feeds", "port"),
            ("postgres://feedd@db", "database"),
            ("postgres://feedd@db/", "database"),
            ("postgres://feedd@db/feeds?sslmode=always", "sslmode"),
            ("postgres://feedd@db/feeds?ssl=true", "query"),
            ("postgres://feedd@a,b/feeds", "host"),
        ])
    func badURL(url: String, part: String) throws {
        let error = try #require(throws: StoreURLError.self) { try PostgresSettings(url: url) }
        guard case .badURL(_, let found, _) = error else {
            Issue.record("expected badURL, got \(error)")
            return
        }
        #expect(found == part)
        #expect(error.description.contains("bad \(part)"))
    }

    @Test("a bad URL's message masks its password")
    func badURLMasked() throws {
        let error = try #require(throws: StoreURLError.self) {
            try PostgresSettings(url: "postgres://feedd:hunter2@db:0/feeds")
        }
        #expect(!error.description.contains("hunter2"))
        #expect(error.description.contains("postgres://feedd:***@db:0/feeds"))
    }

    @Test("the password comes from the URL, else the caller's secret, else PGPASSWORD")
    func passwordSources() throws {
        let environment = ["PGPASSWORD": "from-env"]
        let fromURL = try PostgresSettings(url: "postgres://u:from-url@db/d", environment: environment)
        #expect(fromURL.password == "from-url")
        #expect(fromURL.passwordSource == .url)
        let fromSecret = try PostgresSettings(url: "postgres://u@db/d", secret: "from-secret", environment: environment)
        #expect(fromSecret.password == "from-secret")
        #expect(fromSecret.passwordSource == .secret)
        let fromEnvironment = try PostgresSettings(url: "postgres://u@db/d", environment: environment)
        #expect(fromEnvironment.password == "from-env")
        #expect(fromEnvironment.passwordSource == .environment)
        #expect(fromEnvironment.displayURL == "postgres://***@db/d")
    }

    @Test("a password in the URL and a secret at once is refused, masked")
    func passwordTwice() throws {
        let error = try #require(throws: StoreURLError.self) {
            try PostgresSettings(url: "postgres://u:one@db/d", secret: "two")
        }
        #expect(
            error.description
                == "store URL postgres://u:***@db/d carries a password and store_password gives another; keep one")
        #expect(error.part == "password")
        let named = try #require(throws: StoreURLError.self) {
            try PostgresSettings(url: "postgres://u:one@db/d", secret: "two", secretSource: "--password-file")
        }
        #expect(
            named.description
                == "store URL postgres://u:***@db/d carries a password and --password-file gives another; keep one")
    }
}

@Suite struct PostgresSettingsDisplayTests {
    @Test("the settings interpolate as the masked URL, never with the password")
    func interpolation() throws {
        let settings = try PostgresSettings(url: "postgres://feedd:hunter2@db/feeds", environment: [:])
        #expect("\(settings)" == "postgres://feedd:***@db/feeds")
        #expect(String(reflecting: settings) == "postgres://feedd:***@db/feeds")
        let error = try #require(throws: StoreURLError.self) {
            try PostgresSettings(url: "postgres://feedd:hunter2@db:x/feeds")
        }
        #expect(error.part == "port")
        #expect(error.reason == "bad port: \"x\" is not a port number (1-65535)")
    }
}
