import FeedModel
import Logging
import PostgresStore
import StoreLocation
import TestSupport
import Testing

/// Starts one throwaway PostgreSQL server for the suite it is attached to (and the suites nested in it),
/// and stops and deletes it when they end, pass or fail.
struct PostgresServerTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await PostgresServer.withServer { server in
            try await TestDatabase.$server.withValue(server) { try await function() }
        }
    }
}

extension Trait where Self == PostgresServerTrait {
    /// One throwaway PostgreSQL server for the suite (`TestDatabase.withStores` makes a database per test).
    static var postgresServer: Self { Self() }
}

/// The PostgreSQL tests: one server for all of them (nested suites in other files), a database per test.
@Suite(.postgresServer) struct PostgresTests {}

/// A fresh database on the suite's server, and stores (instances) using it.
struct TestDatabase {
    @TaskLocal static var server: PostgresServer?

    let server: PostgresServer
    let name: String

    var url: String { server.url(database: name) }

    /// Settings for this database with the server's password given as the caller's secret.
    func settings() throws -> PostgresSettings {
        try PostgresSettings(url: url, secret: server.password)
    }

    /// A store of this database named `instance` (not running: see `withRunning`).
    func store(_ instance: String, settings: PostgresSettings? = nil) throws -> PostgresStore {
        try PostgresStore(settings: settings ?? self.settings(), instance: instance, logger: quietLogger)
    }

    /// The first column of the first row of `sql`, as psql prints it.
    func value(_ sql: String) async throws -> String {
        try await server.psql(sql, database: name)
    }

    /// `SELECT count(*)` of `sql`'s rows.
    func count(_ from: String) async throws -> Int {
        Int(try await value("SELECT count(*) FROM \(from)")) ?? -1
    }

    /// Runs `body` with a fresh database and running stores named `instances`, migrated unless `migrate`
    /// is false.
    static func withStores<Result: Sendable>(
        _ instances: [String] = ["a"], migrate: Bool = true,
        _ body: @Sendable (TestDatabase, [PostgresStore]) async throws -> Result
    ) async throws -> Result {
        let server = try #require(TestDatabase.server, "the suite needs the .postgresServer trait")
        let database = TestDatabase(server: server, name: try await server.createDatabase())
        let stores = try instances.map { try database.store($0) }
        return try await withRunning(stores) {
            if migrate, let first = stores.first { try await first.migrate() }
            return try await body(database, stores)
        }
    }
}

/// Runs `body` while the stores' connection pools run; stops them afterwards.
func withRunning<Result: Sendable>(
    _ stores: [PostgresStore], _ body: @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for store in stores { group.addTask { await store.run() } }
        defer { group.cancelAll() }
        return try await body()
    }
}

let quietLogger = Logger(label: "feedd.test.postgres") { _ in SwiftLogNoOpLogHandler() }

/// A fixed time for the tests (2027-01-15), and times after it.
let start = Timestamp(secondsSince1970: 1_800_000_000)

func at(_ seconds: Int64) -> Timestamp { Timestamp(secondsSince1970: start.secondsSince1970 + seconds) }

func item(_ key: String, title: String? = nil) -> FeedItem {
    FeedItem(key: key, title: title ?? "Item \(key)", link: "https://example.org/\(key)")
}
