public import FeedModel
import Foundation
public import Logging
import PostgresNIO
public import StoreLocation

/// The PostgreSQL store (in progress, docs/store.md "PostgreSQL"): several feedd instances share one
/// database, and PostgreSQL's transactions and row locks do the coordination. Feeds and deliveries are
/// leased (`FOR UPDATE SKIP LOCKED`, an owner and an expiry), a poll's result is one transaction that also
/// ends the feed's lease, and `(feed, key)` is unique.
///
/// The store owns a connection pool (postgres-nio's `PostgresClient`), which works only while `run()`
/// runs in a task of its own (a `Service` in the daemon's group, a child task in tests). Times come from
/// the caller (`now:`), as in the file store, so leases follow the instances' clocks: keep them in step
/// (NTP) to well under the lease time.
public final class PostgresStore: Sendable {
    public let settings: PostgresSettings
    /// This instance's name: the owner recorded on every lease it takes.
    public let instance: String
    let client: PostgresClient
    let logger: Logger

    public init(settings: PostgresSettings, instance: String, logger: Logger) throws(PostgresStoreError) {
        self.settings = settings
        self.instance = instance
        self.logger = logger
        client = PostgresClient(configuration: try settings.clientConfiguration(), backgroundLogger: logger)
    }

    /// Runs the connection pool until the task is cancelled; no query runs without it.
    public func run() async {
        await client.run()
    }

    /// Brings the database's schema to this build's version (docs/store.md): creates the tables in an empty
    /// database, applies the steps a database lacks, and refuses a schema newer than this build knows.
    /// One transaction under `pg_advisory_xact_lock`, so instances starting at once migrate once; running it
    /// again changes nothing. Returns the versions before and after.
    ///
    /// It runs on a connection of its own, not the pool's, so that a database that cannot be used (down,
    /// wrong password, unknown database, no TLS where required) fails here at once with the server's
    /// reason: call it at start-up.
    @discardableResult
    public func migrate() async throws(PostgresStoreError) -> (from: Int, to: Int) {
        let url = settings.displayURL
        let configuration = try settings.connectionConfiguration()
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        } catch {
            throw wrap(error, operation: "connecting")
        }
        let outcome: Result<(from: Int, to: Int), PostgresStoreError>
        do {
            outcome = .success(try await migrate(on: connection, url: url))
        } catch {
            outcome = .failure(error)
        }
        try? await connection.close()
        return try outcome.get()
    }

    private func migrate(
        on connection: PostgresConnection, url: String
    ) async throws(PostgresStoreError) -> (from: Int, to: Int) {
        try await transaction("migrating the schema", on: connection) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Schema.lockKey))", logger: self.logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_version (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied timestamptz NOT NULL DEFAULT now()
                )
                """, logger: self.logger)
            var current = 0
            let rows = try await connection.query(
                "SELECT coalesce(max(version), 0)::bigint FROM schema_version", logger: self.logger)
            for try await version in rows.decode(Int64.self) { current = Int(version) }
            guard current <= Schema.latest else {
                throw PostgresStoreError.newerSchema(url: url, found: current, known: Schema.latest)
            }
            for migration in Schema.migrations where migration.version > current {
                do {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                    }
                    try await connection.query(
                        "INSERT INTO schema_version (version, name) VALUES (\(migration.version), \(migration.name))",
                        logger: self.logger)
                } catch {
                    throw PostgresStoreError.migration(
                        url: url, version: migration.version, name: migration.name,
                        reason: PostgresStoreError.reason(error))
                }
            }
            return (current, Schema.latest)
        }
    }

    /// Records this instance as running (`instances`: its configuration's digest, first and last seen).
    public func registerInstance(configDigest: String, now: Timestamp) async throws(PostgresStoreError) {
        let time = now.date
        try await transaction("registering instance \"\(instance)\"") { connection in
            try await connection.query(
                """
                INSERT INTO instances (name, config_digest, started, last_seen)
                VALUES (\(self.instance), \(configDigest), \(time), \(time))
                ON CONFLICT (name) DO UPDATE SET config_digest = EXCLUDED.config_digest, last_seen = EXCLUDED.last_seen
                """, logger: self.logger)
        }
    }

    /// Runs `body` in one transaction on one pooled connection: committed when it returns, rolled back
    /// when it throws. Errors come out as `PostgresStoreError`, naming `operation`.
    @discardableResult
    func transaction<Result: Sendable>(
        _ operation: String, on connection: PostgresConnection? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws(PostgresStoreError) -> Result {
        func run(_ connection: PostgresConnection, _ isolation: isolated (any Actor)?) async throws -> Result {
            try await connection.query("BEGIN", logger: logger)
            do {
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
        do {
            if let connection { return try await run(connection, isolation) }
            return try await client.withConnection(isolation: isolation) { connection in
                try await run(connection, isolation)
            }
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw wrap(error, operation: operation)
        }
    }

    /// A postgres-nio error as ours: authentication and unknown databases are connection problems (they
    /// name the URL and where the password came from), the rest a failed operation.
    func wrap(_ error: any Error, operation: String) -> PostgresStoreError {
        let reason = PostgresStoreError.reason(error)
        guard let error = error as? PSQLError else { return .query(operation: operation, reason: reason) }
        let state = error.serverInfo?[.sqlState] ?? ""
        if state.hasPrefix("28") {
            let source = settings.passwordSource.map { "password from \($0.rawValue)" } ?? "no password given"
            return .connection(url: settings.displayURL, reason: "\(reason) (user \"\(settings.user)\", \(source))")
        }
        if state == "3D000" || error.serverInfo == nil {
            return .connection(url: settings.displayURL, reason: reason)
        }
        return .query(operation: operation, reason: reason)
    }
}

extension Timestamp {
    /// The same second as a `Date`, for postgres-nio's `timestamptz` coding.
    var date: Date { Date(timeIntervalSince1970: TimeInterval(secondsSince1970)) }

    init(_ date: Date) {
        self.init(secondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down)))
    }
}
