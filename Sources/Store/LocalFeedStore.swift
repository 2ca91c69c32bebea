internal import Dispatch
public import FeedModel

/// The file store as a `FeedStore`: one process owns the state directory, so every claim is granted
/// and leases mean nothing. Writes that may `fsync` (and compaction, and reading item bodies back) run
/// on Dispatch's threads through `Blocking`, off Swift's cooperative pool; reads of the in-memory index
/// are called directly.
public struct LocalFeedStore: FeedStore {
    /// The store itself, for what only the file store has (recovery notes, its directory).
    public let files: FileStore
    /// This instance's name (shown by `feedd feeds`; the file store does not record it).
    public let instance: String

    public init(files: FileStore, instance: String = "") {
        self.files = files
        self.instance = instance
    }

    public var location: String { files.directory }

    public func adopt(feeds: [ConfiguredFeed], instance: InstanceRecord, now: Timestamp) async throws(StoreError)
        -> [InstanceRecord]
    {
        [instance]
    }

    public func instances() async throws(StoreError) -> [InstanceRecord] { [] }

    public func beginPoll(
        feed: String, now: Timestamp, leaseUntil: Timestamp, force: Bool
    ) async throws(StoreError) -> PollClaim {
        .granted(try files.fetchState(feed: feed) ?? FeedFetchState())
    }

    public func renewPoll(feed: String, leaseUntil: Timestamp) async throws(StoreError) {}

    public func endPoll(feed: String) async throws(StoreError) {}

    public func commit(
        feed: String, items: [FeedItem], fetchState: FeedFetchState, now: Timestamp,
        deliveries: @escaping @Sendable (StoredItem, ItemEvent) -> [String]
    ) async throws(StoreError) -> CommitResult {
        let files = files
        return try await Blocking.run { () throws(StoreError) in
            try files.commit(feed: feed, items: items, fetchState: fetchState, now: now, deliveries: deliveries)
        }
    }

    public func recordFetch(feed: String, state: FeedFetchState) async throws(StoreError) {
        try files.recordFetch(feed: feed, state: state)
    }

    public func fetchState(feed: String) async throws(StoreError) -> FeedFetchState? {
        try files.fetchState(feed: feed)
    }

    public func isFirstPoll(feed: String, items: [FeedItem]) async throws(StoreError) -> Bool {
        try files.isFirstPoll(feed: feed, items: items)
    }

    public func preview(feed: String, items: [FeedItem]) async throws(StoreError) -> CommitPreview {
        try files.preview(feed: feed, items: items)
    }

    public func claimDeliveries(
        hook: String, now: Timestamp, limit: Int, leaseUntil: Timestamp
    ) async throws(StoreError) -> [Delivery] {
        try files.pendingDeliveries(hook: hook, dueBy: now, limit: limit)
    }

    public func waitingDeliveries(hook: String, now: Timestamp) async throws(StoreError) -> WaitingDeliveries {
        try files.waitingDeliveries(hook: hook, now: now)
    }

    public func markDelivered(_ id: UInt64) async throws(StoreError) {
        try files.markDelivered(id)
    }

    public func markFailed(_ id: UInt64, attempt: Int, retryAt: Timestamp, error: String) async throws(StoreError) {
        try files.markFailed(id, attempt: attempt, retryAt: retryAt, error: error)
    }

    public func markDead(_ id: UInt64, error: String) async throws(StoreError) {
        let files = files
        try await Blocking.run { () throws(StoreError) in try files.markDead(id, error: error) }
    }

    public func pendingDeliveries(dueBy: Timestamp?, limit: Int) async throws(StoreError) -> [Delivery] {
        try files.pendingDeliveries(dueBy: dueBy, limit: limit)
    }

    public func deadDeliveries(limit: Int) async throws(StoreError) -> [Delivery] {
        try files.deadDeliveries(limit: limit)
    }

    public func deliveryCounts() async throws(StoreError) -> [Delivery.Status: Int] {
        try files.deliveryCounts()
    }

    public func retryDead(hook: String?, now: Timestamp) async throws(StoreError) -> Int {
        let files = files
        return try await Blocking.run { () throws(StoreError) in try files.retryDead(hook: hook, now: now) }
    }

    public func held() async throws(StoreError) -> [HeldFeed] {
        try files.held()
    }

    public func release(feed: String, now: Timestamp) async throws(StoreError) -> Int {
        let files = files
        return try await Blocking.run { () throws(StoreError) in try files.release(feed: feed, now: now) }
    }

    public func drop(feed: String) async throws(StoreError) -> Int {
        let files = files
        return try await Blocking.run { () throws(StoreError) in try files.drop(feed: feed) }
    }

    public func replay(
        hook: String, feed: String?, since: Timestamp, now: Timestamp
    ) async throws(StoreError) -> ReplayResult {
        let files = files
        return try await Blocking.run { () throws(StoreError) in
            var damaged: [DamagedItem] = []
            let queued = try files.replay(hook: hook, feed: feed, since: since, now: now) { damaged.append($0) }
            return ReplayResult(queued: queued, damaged: damaged)
        }
    }

    public func feeds() async throws(StoreError) -> [FeedSummary] {
        try files.feeds()
    }

    public func listItems(feed: String?, since: Timestamp?, limit: Int?) async throws(StoreError) -> ItemList {
        let files = files
        return try await Blocking.run { () throws(StoreError) in
            try files.listItems(feed: feed, since: since, limit: limit)
        }
    }

    public func item(feed: String, key: String) async throws(StoreError) -> StoredItem? {
        try files.item(feed: feed, key: key)
    }

    public func itemCount() async throws(StoreError) -> Int {
        try files.itemCount()
    }

    public func compact(now: Timestamp) async throws(StoreError) -> CompactionReport {
        let files = files
        return try await Blocking.run { () throws(StoreError) in try files.compact(now: now) }
    }

    public func sync() async throws(StoreError) {
        let files = files
        try await Blocking.run { () throws(StoreError) in try files.sync() }
    }

    public func check() async throws(StoreError) -> StoreCheckReport {
        let files = files
        return try await Blocking.run { () throws(StoreError) in try files.check() }
    }

    public func close() async throws(StoreError) {
        let files = files
        try await Blocking.run { () throws(StoreError) in try files.close() }
    }
}

/// Runs blocking work (store writes that `fsync`, reading files) on Dispatch's threads, off Swift's
/// cooperative pool, whose few threads must never wait on the disk.
public enum Blocking {
    private static let queue = DispatchQueue(label: "feedd.blocking", attributes: .concurrent)

    public static func run<Result: Sendable>(
        _ body: @escaping @Sendable () throws(StoreError) -> Result
    ) async throws(StoreError) -> Result {
        let result: Swift.Result<Result, StoreError> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(StoreError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
