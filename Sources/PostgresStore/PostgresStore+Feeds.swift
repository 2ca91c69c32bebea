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

extension PostgresStore {
    /// Adds the configured feeds the database lacks and updates the configured URL of the others, by name.
    /// (`adopt` does this and also marks the feeds no longer configured removed.)
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

    /// Stores a poll that brought no document (304 Not Modified, or a failure) by its fetch state alone,
    /// and ends the lease; `feedLeaseLost` when this instance no longer holds it. Committed without waiting
    /// for the write-ahead log's flush (`relaxedCommit`), as the file store buffers it: a crash of the
    /// database server may lose it, which costs one more poll (the lease then runs out).
    public func recordFetch(feed: String, fetchState: FeedFetchState) async throws(PostgresStoreError) {
        let owner = instance
        let stored = try await transaction("storing the fetch state of feed \"\(feed)\"") { connection in
            guard let (feedID, _) = try await self.lockLeasedFeed(feed, owner: owner, on: connection) else {
                return false
            }
            try await self.storeFetchState(feedID, fetchState, countPoll: false, relaxed: true, on: connection)
            return true
        }
        if !stored { throw try await leaseLost(feed) }
    }

    /// Locks `feed`'s row when `owner` holds its lease (expired or not, as long as nobody took it over):
    /// commits of one feed are serialized, and its deliveries' ids rise in commit order.
    func lockLeasedFeed(
        _ feed: String, owner: String, on connection: PostgresConnection
    ) async throws -> (Int64, Int64)? {
        let rows = try await connection.query(
            "SELECT id, polls FROM feeds WHERE name = \(feed) AND lease_owner = \(owner) FOR UPDATE",
            logger: logger)
        for try await row in rows.decode((Int64, Int64).self) { return row }
        return nil
    }

    /// Writes `state` and ends the lease; `relaxed`: the transaction's commit does not wait for the flush
    /// (`relaxedCommit`).
    func storeFetchState(
        _ feedID: Int64, _ state: FeedFetchState, countPoll: Bool, relaxed: Bool = false,
        on connection: PostgresConnection
    ) async throws {
        let added: Int64 = countPoll ? 1 : 0
        let from = relaxed ? "FROM " + relaxedCommit : ""
        try await connection.query(
            """
            UPDATE feeds SET url = \(state.url), etag = \(state.etag), last_modified = \(state.lastModified),
                next_due = \(state.nextDue?.date), consecutive_failures = \(Int32(clamping: state.consecutiveFailures)),
                last_error = \(state.lastError), last_error_at = \(state.lastErrorAt?.date),
                last_success = \(state.lastSuccess?.date), title = \(state.title), polls = polls + \(added),
                lease_owner = NULL, lease_expires = NULL
            \(unescaped: from)
            WHERE id = \(feedID)
            """, logger: logger)
    }

    /// The error for a lease of `feed` this instance does not hold: lost (naming who holds it now), or no
    /// such feed.
    func leaseLost(_ feed: String) async throws(PostgresStoreError) -> PostgresStoreError {
        let found = try await transaction("looking up feed \"\(feed)\"") { connection in
            let rows = try await connection.query(
                "SELECT lease_owner FROM feeds WHERE name = \(feed)", logger: self.logger)
            for try await owner in rows.decode(String?.self) { return [owner] }
            return [String?]()
        }
        guard let holder = found.first else { return .unknownFeed(feed) }
        return .feedLeaseLost(feed: feed, owner: instance, holder: holder)
    }
}
