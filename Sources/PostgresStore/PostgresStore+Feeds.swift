public import FeedModel
import Foundation
import PostgresNIO
public import Store

/// A feed this instance holds the lease of, with what the database remembers of its polling.
public struct ClaimedFeed: Sendable, Hashable {
    public var name: String
    /// The URL of the configuration (the fetch state's `url` is where a permanent redirect led).
    public var configuredURL: String
    public var state: FeedFetchState
    /// Polls that delivered a document.
    public var polls: Int
    /// The lease ends then unless renewed; after it another instance may take the feed.
    public var leaseExpires: Timestamp
}

/// What one `commitPoll` stored.
public struct PollCommit: Sendable {
    /// Items whose key the feed never had, in document order.
    public var new: [FeedItem] = []
    /// Items whose content changed under a kept key, in document order.
    public var updated: [FeedItem] = []
    /// Items already stored unchanged (or remembered keys).
    public var unchanged = 0
    /// The deliveries queued, by id (the order they go out in).
    public var deliveries: [Delivery] = []
}

extension PostgresStore {
    /// Adds the configured feeds the database lacks and updates the configured URL of the others, by name.
    /// (Marking removed feeds comes with the daemon's integration.)
    public func upsertFeeds(_ feeds: [(name: String, url: String)], now: Timestamp) async throws(PostgresStoreError) {
        let names = feeds.map(\.name)
        let urls = feeds.map(\.url)
        let time = now.date
        try await transaction("adding \(feeds.count) feeds") { connection in
            try await connection.query(
                """
                INSERT INTO feeds (name, configured_url, created)
                SELECT name, url, \(time) FROM unnest(\(names)::text[], \(urls)::text[]) AS given (name, url)
                ON CONFLICT (name) DO UPDATE SET configured_url = EXCLUDED.configured_url, removed_at = NULL
                """, logger: self.logger)
        }
    }

    /// Takes the lease of up to `limit` due feeds (never polled, or `next_due` at or before `now`) whose
    /// lease is free or expired, until `leaseUntil`. Rows another instance is claiming at the same moment
    /// are skipped (`FOR UPDATE SKIP LOCKED`), so two instances never get the same feed.
    public func claimDueFeeds(
        limit: Int, leaseUntil: Timestamp, now: Timestamp
    ) async throws(PostgresStoreError) -> [ClaimedFeed] {
        let owner = instance
        let (time, until) = (now.date, leaseUntil.date)
        return try await transaction("claiming due feeds") { connection in
            let rows = try await connection.query(
                """
                UPDATE feeds AS f SET lease_owner = \(owner), lease_expires = \(until)
                FROM (
                    SELECT id FROM feeds
                    WHERE removed_at IS NULL AND (next_due IS NULL OR next_due <= \(time))
                        AND (lease_expires IS NULL OR lease_expires <= \(time))
                    ORDER BY next_due NULLS FIRST, id
                    LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                ) AS due
                WHERE f.id = due.id
                RETURNING f.name, f.configured_url, f.url, f.etag, f.last_modified, f.next_due,
                    f.consecutive_failures, f.last_error, f.last_error_at, f.last_success, f.title, f.polls
                """, logger: self.logger)
            var claimed: [ClaimedFeed] = []
            for try await row in rows.decode(
                (
                    String, String, String?, String?, String?, Date?, Int32, String?, Date?, Date?, String?,
                    Int64
                ).self)
            {
                let state = FeedFetchState(
                    url: row.2, etag: row.3, lastModified: row.4, nextDue: row.5.map(Timestamp.init),
                    consecutiveFailures: Int(row.6), lastError: row.7, lastErrorAt: row.8.map(Timestamp.init),
                    lastSuccess: row.9.map(Timestamp.init), title: row.10)
                claimed.append(
                    ClaimedFeed(
                        name: row.0, configuredURL: row.1, state: state, polls: Int(row.11),
                        leaseExpires: leaseUntil))
            }
            return claimed.sorted {
                ($0.state.nextDue ?? .init(secondsSince1970: .min), $0.name) < (
                    $1.state.nextDue ?? .init(secondsSince1970: .min), $1.name
                )
            }
        }
    }

    /// Extends this instance's lease of `feed` (a slow transfer) to `until`; `feedLeaseLost` when another
    /// instance has taken it over.
    public func renewFeedLease(_ feed: String, until: Timestamp) async throws(PostgresStoreError) {
        let owner = instance
        let time = until.date
        let renewed = try await transaction("renewing the lease of feed \"\(feed)\"") { connection in
            let rows = try await connection.query(
                "UPDATE feeds SET lease_expires = \(time) WHERE name = \(feed) AND lease_owner = \(owner) RETURNING 1",
                logger: self.logger)
            var count = 0
            for try await _ in rows { count += 1 }
            return count
        }
        if renewed == 0 { throw try await leaseLost(feed) }
    }

    /// Stores one poll of `feed` that brought a document, and ends the lease, in one transaction: the new
    /// fetch state, the items whose key the feed never had (and updates: a kept item whose content
    /// changed), and a delivery per hook that `deliveries` names for each. `(feed, key)` is unique: an
    /// item already stored is neither stored nor delivered again. Refused with `feedLeaseLost`, nothing
    /// written, when this instance no longer holds the lease.
    ///
    /// Not yet as in the file store: the flood guard, and refreshing remembered keys (docs/store.md).
    public func commitPoll(
        feed: String, items: [FeedItem], fetchState: FeedFetchState, now: Timestamp,
        deliveries: (StoredItem, ItemEvent) -> [String]
    ) async throws(PostgresStoreError) -> PollCommit {
        // First of each key, in document order (as the file store).
        var seen = Set<String>()
        let unique = items.filter { seen.insert($0.key).inserted }
        let keys = unique.map(\.key)
        let bodies = unique.map { item -> String in
            var writer = JSONWriter(reservingCapacity: 1024)
            item.writeJSON(to: &writer)
            return String(decoding: writer.bytes, as: UTF8.self)
        }
        let position = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        let owner = instance
        let time = now.date
        let committed: PollCommit? = try await transaction("storing a poll of feed \"\(feed)\"") { connection in
            guard let (feedID, _) = try await self.lockLeasedFeed(feed, owner: owner, on: connection) else {
                return nil
            }
            let rows = try await connection.query(
                """
                INSERT INTO items AS i (feed_id, key, first_seen, body, hash)
                SELECT \(feedID), key, \(time), body::json, sha256(convert_to(body, 'UTF8'))
                FROM unnest(\(keys)::text[], \(bodies)::text[]) AS given (key, body)
                ON CONFLICT (feed_id, key) DO UPDATE
                    SET body = EXCLUDED.body, hash = EXCLUDED.hash, changed = EXCLUDED.first_seen
                    WHERE i.body IS NOT NULL AND i.hash <> EXCLUDED.hash
                RETURNING i.key, i.changed IS NULL, i.first_seen
                """, logger: self.logger)
            var stored: [(index: Int, event: ItemEvent, firstSeen: Timestamp)] = []
            for try await (key, inserted, firstSeen) in rows.decode((String, Bool, Date).self) {
                guard let index = position[key] else { continue }
                stored.append((index, inserted ? .new : .updated, Timestamp(firstSeen)))
            }
            stored.sort { $0.index < $1.index }
            var result = PollCommit()
            result.unchanged = unique.count - stored.count
            var deliveryKeys: [String] = []
            var deliveryHooks: [String] = []
            var deliveryEvents: [String] = []
            for entry in stored {
                let item = unique[entry.index]
                if entry.event == .new { result.new.append(item) } else { result.updated.append(item) }
                let storedItem = StoredItem(
                    feed: feed, item: item, firstSeen: entry.firstSeen, updated: entry.event == .updated ? now : nil)
                for hook in deliveries(storedItem, entry.event) {
                    deliveryKeys.append(item.key)
                    deliveryHooks.append(hook)
                    deliveryEvents.append(entry.event.name)
                }
            }
            if !deliveryKeys.isEmpty {
                let inserted = try await connection.query(
                    """
                    INSERT INTO deliveries (feed_id, item_key, hook, event, status, retry_at, created)
                    SELECT \(feedID), key, hook, event, 'pending', \(time), \(time)
                    FROM unnest(\(deliveryKeys)::text[], \(deliveryHooks)::text[], \(deliveryEvents)::text[])
                        WITH ORDINALITY AS given (key, hook, event, position)
                    ORDER BY position
                    RETURNING id, item_key, hook, event
                    """, logger: self.logger)
                for try await (id, key, hook, event) in inserted.decode((Int64, String, String, String).self) {
                    result.deliveries.append(
                        Delivery(
                            id: UInt64(id), hook: hook, feed: feed, itemKey: key,
                            event: event == "updated" ? .updated : .new, nextAttempt: now, created: now))
                }
                result.deliveries.sort { $0.id < $1.id }
            }
            try await self.storeFetchState(feedID, fetchState, countPoll: true, on: connection)
            return result
        }
        guard let committed else { throw try await leaseLost(feed) }
        return committed
    }

    /// Stores a poll that brought no document (304 Not Modified, or a failure) by its fetch state alone,
    /// and ends the lease; `feedLeaseLost` when this instance no longer holds it.
    public func recordFetch(feed: String, fetchState: FeedFetchState) async throws(PostgresStoreError) {
        let owner = instance
        let stored = try await transaction("storing the fetch state of feed \"\(feed)\"") { connection in
            guard let (feedID, _) = try await self.lockLeasedFeed(feed, owner: owner, on: connection) else {
                return false
            }
            try await self.storeFetchState(feedID, fetchState, countPoll: false, on: connection)
            return true
        }
        if !stored { throw try await leaseLost(feed) }
    }

    /// Locks `feed`'s row when `owner` holds its lease (expired or not, as long as nobody took it over):
    /// commits of one feed are serialized, and its deliveries' ids rise in commit order.
    private func lockLeasedFeed(
        _ feed: String, owner: String, on connection: PostgresConnection
    ) async throws -> (Int64, Int64)? {
        let rows = try await connection.query(
            "SELECT id, polls FROM feeds WHERE name = \(feed) AND lease_owner = \(owner) FOR UPDATE",
            logger: logger)
        for try await row in rows.decode((Int64, Int64).self) { return row }
        return nil
    }

    private func storeFetchState(
        _ feedID: Int64, _ state: FeedFetchState, countPoll: Bool, on connection: PostgresConnection
    ) async throws {
        let added: Int64 = countPoll ? 1 : 0
        try await connection.query(
            """
            UPDATE feeds SET url = \(state.url), etag = \(state.etag), last_modified = \(state.lastModified),
                next_due = \(state.nextDue?.date), consecutive_failures = \(Int32(clamping: state.consecutiveFailures)),
                last_error = \(state.lastError), last_error_at = \(state.lastErrorAt?.date),
                last_success = \(state.lastSuccess?.date), title = \(state.title), polls = polls + \(added),
                lease_owner = NULL, lease_expires = NULL
            WHERE id = \(feedID)
            """, logger: logger)
    }

    /// The error for a lease this instance does not hold: lost, or no such feed.
    private func leaseLost(_ feed: String) async throws(PostgresStoreError) -> PostgresStoreError {
        let exists = try await transaction("looking up feed \"\(feed)\"") { connection in
            let rows = try await connection.query("SELECT 1 FROM feeds WHERE name = \(feed)", logger: self.logger)
            for try await _ in rows { return true }
            return false
        }
        return exists ? .feedLeaseLost(feed: feed, owner: instance) : .unknownFeed(feed)
    }
}
