public import FeedModel
import Foundation
public import Logging
import PostgresNIO
public import Store
public import StoreLocation
import Synchronization

/// The PostgreSQL store (docs/store.md "PostgreSQL"): several feedd instances share one database, and
/// PostgreSQL's transactions and row locks do the coordination. Feeds and deliveries are leased (`FOR UPDATE
/// SKIP LOCKED`, an owner and an expiry), a poll's result is one transaction that also ends the feed's lease,
/// and `(feed, key)` is unique. It serves `FeedStore` with the file store's semantics (flood guard, retention,
/// remembered keys, the outbox), so the daemon and the commands use either alike.
///
/// The store owns a connection pool (postgres-nio's `PostgresClient`), which works only while `run()`
/// runs in a task of its own (a `Service` in the daemon's group, a child task in tests); `close()` ends
/// `run()`. Times come from the caller (`now:`), as in the file store, so leases follow the instances'
/// clocks: keep them in step (NTP) to well under the lease time.
public final class PostgresStore: Sendable {
    public let settings: PostgresSettings
    /// This instance's name: the owner recorded on every lease it takes.
    public let instance: String
    /// Flood guard, retention and key memory, as for the file store (`segmentSize`, `readOnly` and
    /// `fileSystem` do not apply).
    public let options: StoreOptions
    /// How long an operation waits for a pooled connection before it checks, with a connection of its own,
    /// whether the database can be reached at all; when it cannot, the operation fails with
    /// `StoreError.unavailable` instead of waiting for the pool's own give-up (a minute).
    public let connectionWait: Duration
    /// How long a transaction on a pooled connection may wait for the database's answers before its
    /// connection is closed and it fails with `StoreError.unavailable` (`transaction`); far longer than any
    /// of the daemon's operations takes.
    public let operationLimit: Duration
    let client: PostgresClient
    let logger: Logger
    /// Ends `run()`; set by `close()`, after which every operation fails.
    private let closing: Mutex<(closed: Bool, waiter: CheckedContinuation<Void, Never>?)> = Mutex((false, nil))

    public init(
        settings: PostgresSettings, instance: String, options: StoreOptions = StoreOptions(),
        connectionWait: Duration = .seconds(10), operationLimit: Duration = .seconds(30), logger: Logger
    ) throws(PostgresStoreError) {
        self.settings = settings
        self.instance = instance
        self.options = options
        self.connectionWait = connectionWait
        self.operationLimit = operationLimit
        self.logger = logger
        client = PostgresClient(configuration: try settings.clientConfiguration(), backgroundLogger: logger)
    }

    /// Runs the connection pool until the task is cancelled or the store is closed; no query runs without it.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.client.run() }
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let resumeNow = self.closing.withLock { state in
                            if state.closed || Task.isCancelled { return true }
                            state.waiter = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    self.closing.withLock { state in
                        let waiter = state.waiter
                        state.waiter = nil
                        return waiter
                    }?.resume()
                }
            }
            // Either child ending (closed, or the pool stopped) ends the other.
            await group.next()
            group.cancelAll()
        }
    }

    /// Ends `run()` (the pool closes its connections); later operations fail with `StoreError.closed`.
    public func shutDown() {
        closing.withLock { state in
            state.closed = true
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }?.resume()
    }

    var isClosed: Bool { closing.withLock { $0.closed } }

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

    /// Runs `body` in one transaction on one connection (the pool's, or `connection`): committed when it
    /// returns, rolled back when it throws. Errors come out as `PostgresStoreError`, naming `operation`.
    ///
    /// No caller waits for ever on a database that went away (`watch`): every `connectionWait`, a connection
    /// of its own checks whether the database can be reached; when it cannot, the operation fails with
    /// `connection` (the pool goes on trying in the background, and a later operation finds it back). A
    /// transaction that has its pooled connection fails the same way, its connection closed, when the
    /// database is gone or its answers take longer than `limit` (default `operationLimit`): a query sent as
    /// the server shuts down can otherwise wait for an answer that never comes (seen with postgres-nio when a
    /// server stopped under load), holding its caller and a daemon's shutdown for ever. The caller is
    /// answered then even when the stuck query does not end on the close, and at once when it is cancelled.
    @discardableResult
    func transaction<Result: Sendable>(
        _ operation: String, on connection: PostgresConnection? = nil, limit: Duration? = nil,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws(PostgresStoreError) -> Result {
        let logger = logger
        @Sendable func run(_ connection: PostgresConnection) async throws -> Result {
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
        if isClosed { throw .closed(url: settings.displayURL) }
        do {
            if let connection { return try await run(connection) }
            let outcome = Outcome<Result>()
            let work = Task {
                do {
                    outcome.finish(
                        .success(
                            try await self.client.withConnection { connection in
                                outcome.leased(connection)
                                return try await run(connection)
                            }))
                } catch {
                    outcome.finish(.failure(error))
                }
            }
            let watch = Task {
                do {
                    try await self.watch(outcome, limit: limit ?? self.operationLimit, operation: operation)
                } catch {
                    outcome.finish(.failure(error))
                }
            }
            defer { watch.cancel() }
            return try await withTaskCancellationHandler {
                try await outcome.value()
            } onCancel: {
                // Answered at once: a query that does not end on the cancel must not hold a shutdown. The
                // transaction's fate is then unknown to the caller, as when a connection drops during COMMIT.
                work.cancel()
                outcome.finish(.failure(CancellationError()))
            }
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw wrap(error, operation: operation)
        }
    }

    /// Watches a pooled transaction (`transaction`) until it ends. Every `connectionWait` it checks, with a
    /// connection of its own, whether the database can be reached at all; when it cannot, the transaction
    /// fails with `connection` at once (closing its pooled connection when it has one: a query sent as the
    /// server went away may never be answered). With the database reachable, a transaction waiting for a
    /// pooled connection goes on waiting (the pool is only busy), and one that has a connection fails, its
    /// connection closed, after `limit`.
    private func watch<Result>(_ outcome: Outcome<Result>, limit: Duration, operation: String) async throws {
        var answering = Duration.zero
        while !outcome.isFinished {
            try await Task.sleep(for: connectionWait)
            if outcome.isFinished { return }
            if outcome.isLeased { answering += connectionWait }
            if answering >= limit {
                await outcome.closeConnection()
                throw PostgresStoreError.connection(
                    url: settings.displayURL,
                    reason: "no answer to \(operation) within \(limit.components.seconds) s; the connection was closed")
            }
            let probe: PostgresConnection
            do {
                probe = try await PostgresConnection.connect(
                    configuration: try settings.connectionConfiguration(), id: 1, logger: logger)
            } catch {
                if Task.isCancelled || outcome.isFinished { return }
                await outcome.closeConnection()
                throw wrap(error, operation: "connecting")
            }
            try? await probe.close()
        }
    }

    /// A postgres-nio error as ours: authentication, an unknown database, a connection that cannot be made
    /// or was lost, a server shutting down, and the pool giving up are connection problems (they name the
    /// URL, and for authentication the user and where the password came from); the rest a failed operation.
    func wrap(_ error: any Error, operation: String) -> PostgresStoreError {
        let reason = PostgresStoreError.reason(error)
        // postgres-nio's pool gave up connecting (`ConnectionPoolError`, a type it does not export).
        if String(reflecting: type(of: error)).hasSuffix("ConnectionPoolError") {
            return .connection(url: settings.displayURL, reason: "no connection could be made (\(reason))")
        }
        guard let error = error as? PSQLError else { return .query(operation: operation, reason: reason) }
        let state = error.serverInfo?[.sqlState] ?? ""
        if state.hasPrefix("28") {
            let source = settings.passwordSource.map { "password from \($0.rawValue)" } ?? "no password given"
            return .connection(url: settings.displayURL, reason: "\(reason) (user \"\(settings.user)\", \(source))")
        }
        // 3D000 unknown database, 08 connection exceptions, 57P0x shutdown / crash, 53300 too many connections.
        if state == "3D000" || state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300"
            || error.serverInfo == nil
        {
            return .connection(url: settings.displayURL, reason: reason)
        }
        return .query(operation: operation, reason: reason)
    }
}

/// The end of a pooled transaction (`transaction`): the first result or error given wins and answers the
/// one waiter; the connection it was given, for the watch to close.
private final class Outcome<Value: Sendable>: Sendable {
    private struct State {
        var result: Result<Value, any Error>?
        var waiter: CheckedContinuation<Value, any Error>?
        var connection: PostgresConnection?
        var isLeased = false
    }

    private let state = Mutex(State())

    func leased(_ connection: PostgresConnection) {
        state.withLock {
            $0.connection = connection
            $0.isLeased = true
        }
    }

    var isLeased: Bool { state.withLock { $0.isLeased } }
    var isFinished: Bool { state.withLock { $0.result != nil } }

    /// Closes the pooled connection given (if any): its queries fail, and the pool drops it.
    func closeConnection() async {
        guard let connection = state.withLock({ $0.connection }) else { return }
        try? await connection.close()
    }

    func finish(_ result: Result<Value, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Value, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    func value() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<Value, any Error>? in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}

extension Timestamp {
    /// The same second as a `Date`, for postgres-nio's `timestamptz` coding.
    var date: Date { Date(timeIntervalSince1970: TimeInterval(secondsSince1970)) }

    init(_ date: Date) {
        self.init(secondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down)))
    }
}
