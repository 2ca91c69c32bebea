public import FeedModel
import Foundation
import PostgresNIO
public import Store
import StoreLocation

/// The PostgreSQL store as a `FeedStore`: the file store's semantics over shared, leased rows. Errors come
/// out as `StoreError` (`PostgresStoreError.storeError`): a database that cannot be reached is
/// `unavailable`, a lease another instance took over `leaseLost`.
extension PostgresStore: FeedStore {
    public var location: String { settings.displayURL }

    /// Runs `body`, its `PostgresStoreError` as a `StoreError`.
    private func mapped<Result>(
        _ body: () async throws(PostgresStoreError) -> Result
    ) async throws(StoreError) -> Result {
        do {
            return try await body()
        } catch {
            throw error.storeError
        }
    }

    public func adopt(feeds: [ConfiguredFeed], instance record: InstanceRecord, now: Timestamp) async throws(StoreError)
        -> [InstanceRecord]
    {
        try await mapped { () async throws(PostgresStoreError) in try await adoptFeeds(feeds, record: record, now: now)
        }
    }

    public func instances() async throws(StoreError) -> [InstanceRecord] {
        try await mapped { () async throws(PostgresStoreError) in try await knownInstances() }
    }

    /// One transaction: adds the feed when the database lacks it (under its name as URL; `adopt` normally
    /// added it), then takes the lease in one statement when it is free or expired (or already this
    /// instance's) and the feed is due (`force`, never polled, or `next_due` at or before `now`). Otherwise
    /// `busy`, with the holder and its lease's end, or with `next_due`.
    public func beginPoll(
        feed: String, now: Timestamp, leaseUntil: Timestamp, force: Bool
    ) async throws(StoreError) -> PollClaim {
        let owner = instance
        let (time, until) = (now.date, leaseUntil.date)
        return try await mapped { () async throws(PostgresStoreError) in
            try await transaction("claiming feed \"\(feed)\"") { connection in
                try await connection.query(
                    """
                    INSERT INTO feeds (name, configured_url, created) VALUES (\(feed), \(feed), \(time))
                    ON CONFLICT (name) DO NOTHING
                    """, logger: self.logger)
                let claimed = try await connection.query(
                    """
                    UPDATE feeds SET lease_owner = \(owner), lease_expires = \(until)
                    WHERE name = \(feed)
                        AND (lease_expires IS NULL OR lease_expires <= \(time) OR lease_owner = \(owner))
                        AND (\(force) OR next_due IS NULL OR next_due <= \(time))
                    RETURNING url, etag, last_modified, next_due, consecutive_failures, last_error, last_error_at,
                        last_success, title
                    """, logger: self.logger)
                for try await row in claimed.decode(
                    (String?, String?, String?, Date?, Int32, String?, Date?, Date?, String?).self)
                {
                    return PollClaim.granted(
                        FeedFetchState(
                            url: row.0, etag: row.1, lastModified: row.2, nextDue: row.3.map(Timestamp.init),
                            consecutiveFailures: Int(row.4), lastError: row.5,
                            lastErrorAt: row.6.map(Timestamp.init), lastSuccess: row.7.map(Timestamp.init),
                            title: row.8))
                }
                let current = try await connection.query(
                    "SELECT lease_owner, lease_expires, next_due FROM feeds WHERE name = \(feed)", logger: self.logger)
                for try await (holder, expires, due) in current.decode((String?, Date?, Date?).self) {
                    if let holder, let expires, expires > time {
                        return .busy(owner: holder, retryAt: Timestamp(expires))
                    }
                    return .busy(owner: nil, retryAt: Timestamp(due ?? time))
                }
                return .busy(owner: nil, retryAt: now)
            }
        }
    }

    public func renewPoll(feed: String, leaseUntil: Timestamp) async throws(StoreError) {
        try await mapped { () async throws(PostgresStoreError) in try await renewFeedLease(feed, until: leaseUntil) }
    }

    public func endPoll(feed: String) async throws(StoreError) {
        let owner = instance
        _ = try await mapped { () async throws(PostgresStoreError) in
            try await transaction("ending the lease of feed \"\(feed)\"") { connection in
                try await connection.query(
                    """
                    UPDATE feeds SET lease_owner = NULL, lease_expires = NULL
                    WHERE name = \(feed) AND lease_owner = \(owner)
                    """, logger: self.logger)
            }
        }
    }

    public func commit(
        feed: String, items: [FeedItem], fetchState: FeedFetchState, now: Timestamp,
        deliveries: @escaping @Sendable (StoredItem, ItemEvent) -> [String]
    ) async throws(StoreError) -> CommitResult {
        try await mapped { () async throws(PostgresStoreError) in
            try await commitPoll(feed: feed, items: items, fetchState: fetchState, now: now, deliveries: deliveries)
        }
    }

    public func recordFetch(feed: String, state: FeedFetchState) async throws(StoreError) {
        try await mapped { () async throws(PostgresStoreError) in try await recordFetch(feed: feed, fetchState: state) }
    }

    public func fetchState(feed: String) async throws(StoreError) -> FeedFetchState? {
        try await mapped { () async throws(PostgresStoreError) in try await storedFetchState(feed: feed) }
    }

    public func isFirstPoll(feed: String, items: [FeedItem]) async throws(StoreError) -> Bool {
        try await mapped { () async throws(PostgresStoreError) in try await knowsNothing(feed: feed) }
    }

    public func preview(feed: String, items: [FeedItem]) async throws(StoreError) -> CommitPreview {
        try await mapped { () async throws(PostgresStoreError) in try await previewPoll(feed: feed, items: items) }
    }

    /// The leased claim (`claimDeliveries(hooks:…)`) of `hook`'s lanes, each up to `limit`, in due order.
    public func claimDeliveries(
        hook: String, now: Timestamp, limit: Int, leaseUntil: Timestamp
    ) async throws(StoreError) -> [Delivery] {
        guard limit > 0 else { return [] }
        let claimed = try await mapped { () async throws(PostgresStoreError) in
            try await claimDeliveries(hooks: [hook], limit: limit, perLane: limit, leaseUntil: leaseUntil, now: now)
        }
        return claimed.map(\.delivery).sorted { ($0.nextAttempt, $0.id) < ($1.nextAttempt, $1.id) }
    }

    public func waitingDeliveries(hook: String, now: Timestamp) async throws(StoreError) -> WaitingDeliveries {
        try await mapped { () async throws(PostgresStoreError) in try await waiting(hook: hook, now: now) }
    }

    public func markDelivered(_ id: UInt64) async throws(StoreError) {
        try await mapped { () async throws(PostgresStoreError) in try await settleDelivered(id) }
    }

    public func markFailed(_ id: UInt64, attempt: Int, retryAt: Timestamp, error: String) async throws(StoreError) {
        try await mapped { () async throws(PostgresStoreError) in
            try await markRetry(id, attempt: attempt, retryAt: retryAt, error: error)
        }
    }

    public func markDead(_ id: UInt64, error: String) async throws(StoreError) {
        try await mapped { () async throws(PostgresStoreError) in try await settleDead(id, error: error) }
    }

    public func pendingDeliveries(dueBy: Timestamp?, limit: Int) async throws(StoreError) -> [Delivery] {
        try await mapped { () async throws(PostgresStoreError) in
            try await deliveries(status: "pending", dueBy: dueBy, limit: limit)
        }
    }

    public func deadDeliveries(limit: Int) async throws(StoreError) -> [Delivery] {
        try await mapped { () async throws(PostgresStoreError) in
            try await deliveries(status: "dead", dueBy: nil, limit: limit)
        }
    }

    public func deliveryCounts() async throws(StoreError) -> [Delivery.Status: Int] {
        try await mapped { () async throws(PostgresStoreError) in try await countDeliveries() }
    }

    public func retryDead(hook: String?, now: Timestamp) async throws(StoreError) -> Int {
        try await mapped { () async throws(PostgresStoreError) in try await requeueDead(hook: hook, now: now) }
    }

    public func held() async throws(StoreError) -> [HeldFeed] {
        try await mapped { () async throws(PostgresStoreError) in try await heldDeliveries() }
    }

    public func release(feed: String, now: Timestamp) async throws(StoreError) -> Int {
        try await mapped { () async throws(PostgresStoreError) in try await releaseHeld(feed: feed, now: now) }
    }

    public func drop(feed: String) async throws(StoreError) -> Int {
        try await mapped { () async throws(PostgresStoreError) in try await dropHeld(feed: feed) }
    }

    /// Bodies in the database are never unreadable, so `damaged` stays empty.
    public func replay(
        hook: String, feed: String?, since: Timestamp, now: Timestamp
    ) async throws(StoreError) -> ReplayResult {
        let queued = try await mapped { () async throws(PostgresStoreError) in
            try await replayItems(hook: hook, feed: feed, since: since, now: now)
        }
        return ReplayResult(queued: queued)
    }

    public func feeds() async throws(StoreError) -> [FeedSummary] {
        try await mapped { () async throws(PostgresStoreError) in try await feedSummaries() }
    }

    public func listItems(feed: String?, since: Timestamp?, limit: Int?) async throws(StoreError) -> ItemList {
        try await mapped { () async throws(PostgresStoreError) in
            try await items(feed: feed, since: since, limit: limit)
        }
    }

    public func item(feed: String, key: String) async throws(StoreError) -> StoredItem? {
        try await mapped { () async throws(PostgresStoreError) in try await storedItem(feed: feed, key: key) }
    }

    public func itemCount() async throws(StoreError) -> Int {
        try await mapped { () async throws(PostgresStoreError) in try await keptItems() }
    }

    /// Retention and key memory; nothing to rewrite (`snapshotBytes` and `filesRemoved` stay 0).
    public func compact(now: Timestamp) async throws(StoreError) -> CompactionReport {
        try await mapped { () async throws(PostgresStoreError) in try await applyRetention(now: now) }
    }

    /// Every transaction is durable when it returns: nothing to do.
    public func sync() async throws(StoreError) {
        if isClosed { throw .closed(directory: location) }
    }

    /// Reports per table (as `files`) and the problems found (`checkTables`).
    public func check() async throws(StoreError) -> StoreCheckReport {
        try await mapped { () async throws(PostgresStoreError) in try await checkTables() }
    }

    /// Ends `run()`, which closes the pool's connections; later calls fail with `StoreError.closed`.
    public func close() async throws(StoreError) {
        shutDown()
    }
}
