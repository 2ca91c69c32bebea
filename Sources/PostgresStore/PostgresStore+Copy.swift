import FeedModel
import Foundation
import PostgresNIO
public import Store
import StoreLocation

/// `feedd store copy` (docs/store.md "Moving a store"): everything the database holds as a `StoreCopy`, and
/// a `StoreCopy` written into an empty database in one transaction; and the schema check of the commands
/// that only read.
extension PostgresStore {
    /// How long one transaction of `store copy` may wait for the database (`transaction`'s limit): a whole
    /// store moves in one, far beyond the daemon's `operationLimit`.
    static let copyLimit: Duration = .seconds(6 * 3600)

    /// The database's schema version: 0 when it holds no feedd schema (no `schema_version` table). Runs on
    /// a connection of its own, as `migrate()`, so a database that cannot be used fails at once with the
    /// server's reason (`connection`). Writes nothing.
    public func schemaVersion() async throws(PostgresStoreError) -> Int {
        let configuration = try settings.connectionConfiguration()
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger)
        } catch {
            throw wrap(error, operation: "connecting")
        }
        let logger = logger
        let outcome: Result<Int, PostgresStoreError>
        do {
            outcome = .success(
                try await transaction("reading the schema version", on: connection) { connection in
                    let exists = try await connection.query(
                        "SELECT to_regclass('schema_version') IS NOT NULL", logger: logger)
                    var found = false
                    for try await value in exists.decode(Bool.self) { found = value }
                    guard found else { return 0 }
                    let rows = try await connection.query(
                        "SELECT coalesce(max(version), 0)::bigint FROM schema_version", logger: logger)
                    var version = 0
                    for try await value in rows.decode(Int64.self) { version = Int(value) }
                    return version
                })
        } catch {
            outcome = .failure(error)
        }
        try? await connection.close()
        return try outcome.get()
    }

    /// The schema version this build reads and writes.
    public static var schemaVersionKnown: Int { Schema.latest }

    /// What the database holds, counted as `StoreCopy.counts` counts (delivered rows are history, not
    /// counted).
    public func counts() async throws(PostgresStoreError) -> StoreCounts {
        try await transaction("counting what the database holds") { connection in
            let rows = try await connection.query(
                """
                SELECT (SELECT count(*) FROM feeds), (SELECT count(*) FROM items WHERE body IS NOT NULL),
                    (SELECT count(*) FROM items WHERE body IS NULL),
                    (SELECT count(*) FROM deliveries WHERE status = 'pending'),
                    (SELECT count(*) FROM deliveries WHERE status = 'held'),
                    (SELECT count(*) FROM deliveries WHERE status = 'dead')
                """, logger: self.logger)
            var counts = StoreCounts()
            for try await row in rows.decode((Int64, Int64, Int64, Int64, Int64, Int64).self) {
                counts.feeds = Int(row.0)
                counts.items = Int(row.1)
                counts.rememberedKeys = Int(row.2)
                counts.pending = Int(row.3)
                counts.held = Int(row.4)
                counts.dead = Int(row.5)
            }
            return counts
        }
    }

    /// Everything the database holds (`StoreCopy`), in one transaction (a consistent view): every feed
    /// (removed ones too) with its fetch state and polls, kept items in the order they were stored,
    /// remembered keys (their text, or the `hash:` form they were copied in with), and the deliveries not
    /// yet delivered with their ids, attempts, next attempt and last error. Leases are not copied.
    public func exportCopy() async throws(PostgresStoreError) -> StoreCopy {
        try await transaction("reading everything for a copy", limit: Self.copyLimit) { connection in
            try await connection.query(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: self.logger)
            var feeds: [StoreCopy.Feed] = []
            var index: [Int64: Int] = [:]
            let feedRows = try await connection.query(
                """
                SELECT id, name, url, etag, last_modified, next_due, consecutive_failures, last_error, last_error_at,
                    last_success, title, polls
                FROM feeds ORDER BY id
                """, logger: self.logger)
            for try await row in feedRows.decode(
                (Int64, String, String?, String?, String?, Date?, Int32, String?, Date?, Date?, String?, Int64).self)
            {
                let state = FeedFetchState(
                    url: row.2, etag: row.3, lastModified: row.4, nextDue: row.5.map(Timestamp.init),
                    consecutiveFailures: Int(row.6), lastError: row.7, lastErrorAt: row.8.map(Timestamp.init),
                    lastSuccess: row.9.map(Timestamp.init), title: row.10)
                index[row.0] = feeds.count
                feeds.append(StoreCopy.Feed(name: row.1, polls: Int(row.11), state: state, items: [], remembered: []))
            }
            let itemRows = try await connection.query(
                """
                SELECT feed_id, key, first_seen, changed, body::text, content_hash, link_hash, title_hash,
                    last_seen_poll, last_seen
                FROM items ORDER BY feed_id, first_seen, seq
                """, logger: self.logger)
            for try await row in itemRows.decode(
                (Int64, String, Date, Date?, String?, Int64?, Int32?, Int32?, Int64?, Date?).self)
            {
                guard let feed = index[row.0] else { continue }
                if let body = row.4 {
                    feeds[feed].items.append(
                        StoreCopy.Item(
                            key: row.1, firstSeen: Timestamp(row.2), updated: row.3.map(Timestamp.init),
                            body: Array(body.utf8), content: UInt64(bitPattern: row.5 ?? 0),
                            link: UInt32(bitPattern: row.6 ?? 0), title: UInt32(bitPattern: row.7 ?? 0)))
                } else {
                    feeds[feed].remembered.append(
                        StoreCopy.RememberedKey(
                            text: row.1, lastSeenPoll: Int(row.8 ?? 0), lastSeen: Timestamp(row.9 ?? row.2)))
                }
            }
            var deliveries: [Delivery] = []
            let deliveryRows = try await connection.query(
                """
                SELECT d.id, d.hook, f.name, d.item_key, d.event, d.status, d.attempts, d.retry_at, d.created,
                    d.last_error
                FROM deliveries AS d JOIN feeds AS f ON f.id = d.feed_id
                WHERE d.status <> 'delivered' ORDER BY d.id
                """, logger: self.logger)
            for try await row in deliveryRows.decode(
                (Int64, String, String, String, String, String, Int32, Date, Date, String?).self)
            {
                let status: Delivery.Status = row.5 == "held" ? .held : row.5 == "dead" ? .dead : .pending
                deliveries.append(
                    Delivery(
                        id: UInt64(row.0), hook: row.1, feed: row.2, itemKey: row.3,
                        event: row.4 == "updated" ? .updated : .new, status: status, attempt: Int(row.6),
                        nextAttempt: Timestamp(row.7), created: Timestamp(row.8), lastError: row.9))
            }
            let next = try await connection.query(
                "SELECT coalesce(max(id), 0)::bigint FROM deliveries", logger: self.logger)
            var nextID: UInt64 = 1
            for try await value in next.decode(Int64.self) { nextID = UInt64(value) + 1 }
            return StoreCopy(feeds: feeds, deliveries: deliveries, nextDeliveryID: nextID)
        }
    }

    /// Writes `copy` into the database in one transaction, after `migrate()`: refused (nothing written)
    /// when the database already holds feeds or items (`StoreError.notEmpty`, as `database`). Feeds keep
    /// their fetch state and polls, items their times, bodies and fingerprints, remembered keys their `hash:`
    /// form, deliveries their ids (the id sequence continues above the copy's next id), attempts, next
    /// attempt and last error. A feed's configured URL is its URL in `configuredURLs` (by name: what the
    /// configuration says, so that the daemon's first `adopt` finds it unchanged and keeps the due time),
    /// else the fetch state's URL (where a permanent redirect may have led), else the name.
    public func importCopy(
        _ copy: StoreCopy, configuredURLs: [String: String] = [:]
    ) async throws(PostgresStoreError) {
        let logger = logger
        let url = settings.displayURL
        try await transaction("copying into the database", limit: Self.copyLimit) { connection in
            try await connection.query("LOCK TABLE feeds, items, deliveries IN EXCLUSIVE MODE", logger: logger)
            let existing = try await connection.query(
                "SELECT (SELECT count(*) FROM feeds), (SELECT count(*) FROM items)", logger: logger)
            for try await (feeds, items) in existing.decode((Int64, Int64).self) where feeds > 0 || items > 0 {
                throw PostgresStoreError.query(
                    operation: "copying into the database",
                    reason: StoreError.notEmpty(location: url, what: "\(feeds) feeds and \(items) items").description)
            }
            var ids: [String: Int64] = [:]
            for feed in copy.feeds {
                let state = feed.state
                let rows = try await connection.query(
                    """
                    INSERT INTO feeds (name, configured_url, url, etag, last_modified, next_due, consecutive_failures,
                        last_error, last_error_at, last_success, title, polls, created)
                    VALUES (\(feed.name), \(configuredURLs[feed.name] ?? state.url ?? feed.name), \(state.url), \(state.etag), \(state.lastModified),
                        \(state.nextDue?.date), \(Int32(clamping: state.consecutiveFailures)), \(state.lastError),
                        \(state.lastErrorAt?.date), \(state.lastSuccess?.date), \(state.title), \(Int64(feed.polls)),
                        now())
                    RETURNING id
                    """, logger: logger)
                for try await id in rows.decode(Int64.self) { ids[feed.name] = id }
            }
            for feed in copy.feeds {
                guard let id = ids[feed.name] else { continue }
                for chunk in stride(from: 0, to: feed.items.count, by: 2000) {
                    let part = feed.items[chunk..<min(chunk + 2000, feed.items.count)]
                    let bodies = part.map { String(decoding: $0.body, as: UTF8.self) }
                    try await connection.query(
                        """
                        INSERT INTO items (feed_id, key, first_seen, changed, body, hash, content_hash, link_hash,
                            title_hash)
                        SELECT \(id), key, to_timestamp(first_seen), CASE WHEN changed = 0 THEN NULL
                                ELSE to_timestamp(changed) END,
                            body::json, sha256(convert_to(body, 'UTF8')), nullif(content, 0), nullif(link, 0),
                            nullif(title, 0)
                        FROM unnest(\(part.map(\.key))::text[], \(part.map(\.firstSeen.secondsSince1970))::bigint[],
                            \(part.map { $0.updated?.secondsSince1970 ?? 0 })::bigint[], \(bodies)::text[],
                            \(part.map { Int64(bitPattern: $0.content) })::bigint[],
                            \(part.map { Int32(bitPattern: $0.link) })::integer[],
                            \(part.map { Int32(bitPattern: $0.title) })::integer[])
                            WITH ORDINALITY AS given (key, first_seen, changed, body, content, link, title, position)
                        ORDER BY position
                        """, logger: logger)
                }
                for chunk in stride(from: 0, to: feed.remembered.count, by: 5000) {
                    let part = feed.remembered[chunk..<min(chunk + 5000, feed.remembered.count)]
                    try await connection.query(
                        """
                        INSERT INTO items (feed_id, key, first_seen, hash, last_seen_poll, last_seen)
                        SELECT \(id), key, to_timestamp(seen), '\\x'::bytea, poll, to_timestamp(seen)
                        FROM unnest(\(part.map(\.text))::text[], \(part.map { Int64($0.lastSeenPoll) })::bigint[],
                            \(part.map(\.lastSeen.secondsSince1970))::bigint[]) AS given (key, poll, seen)
                        """, logger: logger)
                }
            }
            for chunk in stride(from: 0, to: copy.deliveries.count, by: 2000) {
                let part = copy.deliveries[chunk..<min(chunk + 2000, copy.deliveries.count)]
                var feedIDs: [Int64] = []
                for delivery in part {
                    guard let id = ids[delivery.feed] else { throw PostgresStoreError.unknownFeed(delivery.feed) }
                    feedIDs.append(id)
                }
                let statuses = part.map { $0.status == .held ? "held" : $0.status == .dead ? "dead" : "pending" }
                try await connection.query(
                    """
                    INSERT INTO deliveries (id, feed_id, item_key, hook, event, status, attempts, retry_at, last_error,
                        created)
                    OVERRIDING SYSTEM VALUE
                    SELECT id, feed_id, key, hook, event, status, attempts, to_timestamp(retry_at),
                        CASE WHEN has_error THEN last_error END, to_timestamp(created)
                    FROM unnest(\(part.map { Int64($0.id) })::bigint[], \(feedIDs)::bigint[],
                        \(part.map(\.itemKey))::text[], \(part.map(\.hook))::text[], \(part.map(\.event.name))::text[],
                        \(statuses)::text[], \(part.map { Int32(clamping: $0.attempt) })::integer[],
                        \(part.map(\.nextAttempt.secondsSince1970))::bigint[], \(part.map { $0.lastError ?? "" })::text[],
                        \(part.map { $0.lastError != nil })::boolean[], \(part.map(\.created.secondsSince1970))::bigint[])
                        AS given (id, feed_id, key, hook, event, status, attempts, retry_at, last_error, has_error,
                            created)
                    ORDER BY id
                    """, logger: logger)
            }
            let next = Int64(clamping: max(copy.nextDeliveryID, 1))
            try await connection.query(
                "SELECT setval(pg_get_serial_sequence('deliveries', 'id'), \(next), false)", logger: logger)
        }
    }
}
