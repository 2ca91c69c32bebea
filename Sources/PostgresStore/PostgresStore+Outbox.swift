import FeedModel
import Foundation
import PostgresNIO
import Store

/// A one-row `FROM` item that turns `synchronous_commit` off for the rest of the transaction (as `SET LOCAL`,
/// in the same statement, so it costs no round trip): its commit returns without waiting for the
/// write-ahead log to reach the disk. For the records the file store also appends without `fsync`
/// (delivered, retry): a crash of the database server may lose the last fraction of a second of them,
/// and those deliveries are sent again (at least once, as with the file store); never reordered, never a
/// half-written row. Stored items, deliveries queued and dead letters keep the durable commit.
let relaxedCommit = "(SELECT set_config('synchronous_commit', 'off', true)) AS relaxed"

/// The columns `deliveryRows` decodes, with the deliveries table as `d` and feeds as `f`.
let deliveryColumns = """
    d.id, f.name, d.hook, d.item_key, d.event, d.status, d.attempts, d.retry_at, d.created, d.last_error
    """

extension PostgresStore {
    /// Deliveries from rows selected with `deliveryColumns`, in row order.
    func deliveryRows(_ rows: PostgresRowSequence) async throws -> [Delivery] {
        var found: [Delivery] = []
        for try await row in rows.decode(
            (Int64, String, String, String, String, String, Int32, Date, Date, String?).self)
        {
            let status: Delivery.Status
            switch row.5 {
            case "held": status = .held
            case "dead": status = .dead
            default: status = .pending
            }
            found.append(
                Delivery(
                    id: UInt64(row.0), hook: row.2, feed: row.1, itemKey: row.3,
                    event: row.4 == "updated" ? .updated : .new, status: status, attempt: Int(row.6),
                    nextAttempt: Timestamp(row.7), created: Timestamp(row.8), lastError: row.9))
        }
        return found
    }

    /// Deliveries of one status in due order, at most `limit`; with `dueBy`, only those due by then.
    func deliveries(status: String, dueBy: Timestamp?, limit: Int) async throws(PostgresStoreError) -> [Delivery] {
        let due = dueBy?.date
        let limit = Int64(clamping: max(0, limit))
        return try await transaction("listing \(status) deliveries") { connection in
            try await self.deliveryRows(
                try await connection.query(
                    """
                    SELECT \(unescaped: deliveryColumns) FROM deliveries AS d JOIN feeds AS f ON f.id = d.feed_id
                    WHERE d.status = \(status) AND (\(due)::timestamptz IS NULL OR d.retry_at <= \(due))
                    ORDER BY d.retry_at, d.id
                    LIMIT \(limit)
                    """, logger: self.logger))
        }
    }

    /// The pending deliveries of `hook` not yet due at `now`, and those leased by another instance (they
    /// wait until the lease ends): per feed the lowest id, and the earliest time any may go.
    func waiting(hook: String, now: Timestamp) async throws(PostgresStoreError) -> WaitingDeliveries {
        let time = now.date
        let owner = instance
        return try await transaction("listing waiting deliveries of hook \"\(hook)\"") { connection in
            let rows = try await connection.query(
                """
                SELECT f.name, min(d.id),
                    min(CASE WHEN d.retry_at > \(time) THEN d.retry_at ELSE d.lease_expires END)
                FROM deliveries AS d JOIN feeds AS f ON f.id = d.feed_id
                WHERE d.status = 'pending' AND d.hook = \(hook)
                    AND (d.retry_at > \(time) OR (d.lease_expires > \(time) AND d.lease_owner <> \(owner)))
                GROUP BY f.name
                """, logger: self.logger)
            var waiting = WaitingDeliveries()
            for try await (feed, id, when) in rows.decode((String, Int64, Date).self) {
                waiting.firstID[feed] = UInt64(id)
                let at = Timestamp(when)
                waiting.earliest = min(waiting.earliest ?? at, at)
            }
            return waiting
        }
    }

    /// Counts by status (pending, held, dead; delivered ones are history).
    func countDeliveries() async throws(PostgresStoreError) -> [Delivery.Status: Int] {
        try await transaction("counting deliveries") { connection in
            let rows = try await connection.query(
                "SELECT status, count(*) FROM deliveries WHERE status <> 'delivered' GROUP BY status",
                logger: self.logger)
            var counts: [Delivery.Status: Int] = [.pending: 0, .held: 0, .dead: 0]
            for try await (status, count) in rows.decode((String, Int64).self) {
                switch status {
                case "pending": counts[.pending] = Int(count)
                case "held": counts[.held] = Int(count)
                case "dead": counts[.dead] = Int(count)
                default: break
                }
            }
            return counts
        }
    }

    /// Dead deliveries (of one hook, or all) pending again, due at `now` with their attempts reset.
    func requeueDead(hook: String?, now: Timestamp) async throws(PostgresStoreError) -> Int {
        let time = now.date
        return try await transaction("retrying dead deliveries") { connection in
            try await self.count(
                connection.query(
                    """
                    UPDATE deliveries SET status = 'pending', attempts = 0, retry_at = \(time),
                        lease_owner = NULL, lease_expires = NULL
                    WHERE status = 'dead' AND (\(hook)::text IS NULL OR hook = \(hook))
                    RETURNING 1
                    """, logger: self.logger))
        }
    }

    /// The deliveries the flood guard holds, per feed (by name), each feed's in id order.
    func heldDeliveries() async throws(PostgresStoreError) -> [HeldFeed] {
        let rows = try await transaction("listing held deliveries") { connection in
            try await self.deliveryRows(
                try await connection.query(
                    """
                    SELECT \(unescaped: deliveryColumns) FROM deliveries AS d JOIN feeds AS f ON f.id = d.feed_id
                    WHERE d.status = 'held' ORDER BY f.name, d.id
                    """, logger: self.logger))
        }
        var feeds: [HeldFeed] = []
        for delivery in rows {
            if feeds.last?.feed == delivery.feed {
                feeds[feeds.count - 1].deliveries.append(delivery)
            } else {
                feeds.append(HeldFeed(feed: delivery.feed, deliveries: [delivery]))
            }
        }
        return feeds
    }

    /// Lets `feed`'s held deliveries go, due at `now`.
    func releaseHeld(feed: String, now: Timestamp) async throws(PostgresStoreError) -> Int {
        let time = now.date
        return try await transaction("releasing held deliveries of feed \"\(feed)\"") { connection in
            try await self.count(
                connection.query(
                    """
                    UPDATE deliveries AS d SET status = 'pending', retry_at = \(time)
                    FROM feeds AS f
                    WHERE f.id = d.feed_id AND f.name = \(feed) AND d.status = 'held'
                    RETURNING 1
                    """, logger: self.logger))
        }
    }

    /// Deletes `feed`'s held deliveries (the items stay stored and known).
    func dropHeld(feed: String) async throws(PostgresStoreError) -> Int {
        try await transaction("dropping held deliveries of feed \"\(feed)\"") { connection in
            try await self.count(
                connection.query(
                    """
                    DELETE FROM deliveries AS d USING feeds AS f
                    WHERE f.id = d.feed_id AND f.name = \(feed) AND d.status = 'held'
                    RETURNING 1
                    """, logger: self.logger))
        }
    }

    /// Queues a delivery to `hook` of every kept item first seen or updated at or after `since` (of one feed,
    /// or all), due at `now`, oldest first; items with a pending or held delivery to the hook are skipped.
    func replayItems(
        hook: String, feed: String?, since: Timestamp, now: Timestamp
    ) async throws(PostgresStoreError) -> Int {
        let (from, time) = (since.date, now.date)
        return try await transaction("replaying items to hook \"\(hook)\"") { connection in
            try await self.count(
                connection.query(
                    """
                    INSERT INTO deliveries (feed_id, item_key, hook, event, status, retry_at, created)
                    SELECT i.feed_id, i.key, \(hook), 'new', 'pending', \(time), \(time)
                    FROM items AS i JOIN feeds AS f ON f.id = i.feed_id
                    WHERE i.body IS NOT NULL AND (\(feed)::text IS NULL OR f.name = \(feed))
                        AND greatest(i.first_seen, coalesce(i.changed, i.first_seen)) >= \(from)
                        AND NOT EXISTS (
                            SELECT 1 FROM deliveries AS d
                            WHERE d.feed_id = i.feed_id AND d.item_key = i.key AND d.hook = \(hook)
                                AND d.status IN ('pending', 'held'))
                    ORDER BY i.first_seen, i.seq
                    RETURNING 1
                    """, logger: self.logger))
        }
    }

    /// The hook took the delivery (lease checked); `delivered_at` is the database's time. Committed without
    /// waiting for the write-ahead log's flush (`relaxedCommit`).
    func settleDelivered(_ id: UInt64) async throws(PostgresStoreError) {
        try await settle(id, "marking delivery \(id) delivered") { owner in
            """
            UPDATE deliveries SET status = 'delivered', delivered_at = now(), lease_owner = NULL, lease_expires = NULL
            FROM \(unescaped: relaxedCommit)
            WHERE id = \(Int64(id)) AND lease_owner = \(owner) AND status = 'pending'
            RETURNING 1
            """
        }
    }

    /// The hook gave up (lease checked): dead, attempts as they were.
    func settleDead(_ id: UInt64, error: String) async throws(PostgresStoreError) {
        try await settle(id, "marking delivery \(id) dead") { owner in
            """
            UPDATE deliveries SET status = 'dead', last_error = \(error), lease_owner = NULL, lease_expires = NULL
            WHERE id = \(Int64(id)) AND lease_owner = \(owner) AND status = 'pending'
            RETURNING 1
            """
        }
    }

    /// The number of rows of a query (its `RETURNING 1`).
    func count(_ rows: PostgresRowSequence) async throws -> Int {
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }
}
