public import FeedModel

/// Where the daemon and the commands keep fetch state, items and the outbox (docs/store.md): the file
/// store in a state directory (`LocalFeedStore`, over `FileStore`), or one PostgreSQL database that
/// several instances share (`PostgresStore`). The daemon, the listener and every store command work
/// through this protocol only, so both stores behave the same; the store test suite runs against both.
///
/// Every call may wait on the disk or the network, so every call is `async`. Errors are `StoreError`; a
/// database that cannot be reached is `StoreError.unavailable`, which the daemon waits out.
///
/// Leases: the file store has one owner (the process holding the directory's lock), so its claims are
/// always granted and its leases mean nothing. The PostgreSQL store leases a feed for a poll and a
/// delivery for an attempt to one instance; the results of a poll or an attempt are written only while
/// the instance holds the lease, and a lease that expires (an instance died) lets another instance take
/// the work over.
public protocol FeedStore: Sendable {
    /// Where the store is, for messages: the state directory, or the database URL without its password.
    var location: String { get }

    // MARK: Configuration and instances

    /// Makes the store's list of feeds the configuration's: adds new feeds, updates changed URLs (their
    /// stored due time no longer counts), and marks feeds no longer configured as removed (kept, not
    /// polled; `feedd feeds` shows them). Records this instance (`instance`, the digest of its
    /// configuration file) as running and returns every instance the store knows of, this one included,
    /// so that the daemon can report instances running another configuration. The file store records
    /// nothing and returns this instance alone.
    func adopt(feeds: [ConfiguredFeed], instance: InstanceRecord, now: Timestamp) async throws(StoreError)
        -> [InstanceRecord]

    /// The instances the store knows of (empty for the file store).
    func instances() async throws(StoreError) -> [InstanceRecord]

    // MARK: Polling

    /// Takes `feed` for one poll at `now`, until `leaseUntil`. Granted with what the store remembers of the
    /// feed (a fresh `FeedFetchState` for a feed never polled), or `busy` when another instance holds the
    /// feed's lease or, unless `force`, has polled it since and made it due later. A granted poll ends
    /// with `commit`, `recordFetch` or `endPoll`; `renewPoll` extends it during a slow transfer.
    func beginPoll(feed: String, now: Timestamp, leaseUntil: Timestamp, force: Bool) async throws(StoreError)
        -> PollClaim

    /// Extends this instance's claim of `feed` to `leaseUntil`; `StoreError.leaseLost` when another
    /// instance took it over.
    func renewPoll(feed: String, leaseUntil: Timestamp) async throws(StoreError)

    /// Gives up a claim without a result (the poll was cancelled at shutdown): the feed is free at once.
    func endPoll(feed: String) async throws(StoreError)

    /// Stores one poll that brought a document, and ends the claim, in one durable step: the new fetch
    /// state, the items never seen under the feed (new), those whose content changed (updated), and one
    /// delivery per hook that `deliveries` names for each. The flood guard holds a suspicious burst
    /// (`StoreOptions.FloodGuard`), and a key once seen is never new again (retention remembers keys).
    /// `deliveries` must decide from the item alone and must not call the store.
    func commit(
        feed: String, items: [FeedItem], fetchState: FeedFetchState, now: Timestamp,
        deliveries: @escaping @Sendable (StoredItem, ItemEvent) -> [String]
    ) async throws(StoreError) -> CommitResult

    /// Stores a poll that brought no document (304, or a failure) by its fetch state, and ends the claim.
    func recordFetch(feed: String, state: FeedFetchState) async throws(StoreError)

    /// What the store remembers of `feed`'s polling, or nil for a feed never polled.
    func fetchState(feed: String) async throws(StoreError) -> FeedFetchState?

    /// True when the store knows nothing of `feed` (the first poll stores silently unless
    /// `notify_existing`); see `FileStore.isFirstPoll`.
    func isFirstPoll(feed: String, items: [FeedItem]) async throws(StoreError) -> Bool

    /// What `commit` would do with `items` now, writing nothing (`feedd poll --dry-run`).
    func preview(feed: String, items: [FeedItem]) async throws(StoreError) -> CommitPreview

    // MARK: Outbox

    /// Takes up to `limit` due pending deliveries of `hook` for one attempt each, until `leaseUntil`, in
    /// the order they are due. Within one feed they come in id order, and none while an earlier one of
    /// the same feed and hook waits for a retry (or, in PostgreSQL, is leased by another instance).
    func claimDeliveries(hook: String, now: Timestamp, limit: Int, leaseUntil: Timestamp) async throws(StoreError)
        -> [Delivery]

    /// The pending deliveries of `hook` not yet due at `now` (per feed the lowest id; the earliest time).
    func waitingDeliveries(hook: String, now: Timestamp) async throws(StoreError) -> WaitingDeliveries

    /// The hook took the delivery: it leaves the outbox.
    func markDelivered(_ id: UInt64) async throws(StoreError)
    /// The attempt failed; the delivery is tried again at `retryAt`.
    func markFailed(_ id: UInt64, attempt: Int, retryAt: Timestamp, error: String) async throws(StoreError)
    /// The hook gave up: the delivery is dead until `retryDead`.
    func markDead(_ id: UInt64, error: String) async throws(StoreError)

    /// Pending deliveries of every hook in due order, at most `limit`; with `dueBy`, only those due by then.
    func pendingDeliveries(dueBy: Timestamp?, limit: Int) async throws(StoreError) -> [Delivery]
    /// Dead deliveries, at most `limit`.
    func deadDeliveries(limit: Int) async throws(StoreError) -> [Delivery]
    /// Deliveries by status (pending, held, dead).
    func deliveryCounts() async throws(StoreError) -> [Delivery.Status: Int]
    /// Queues dead deliveries again (of one hook, or all), due at `now`; returns how many.
    func retryDead(hook: String?, now: Timestamp) async throws(StoreError) -> Int
    /// Deliveries held by the flood guard, per feed.
    func held() async throws(StoreError) -> [HeldFeed]
    /// Releases a feed's held deliveries, due at `now`; returns how many.
    func release(feed: String, now: Timestamp) async throws(StoreError) -> Int
    /// Drops a feed's held deliveries (the items stay known); returns how many.
    func drop(feed: String) async throws(StoreError) -> Int
    /// Queues a delivery to `hook` of every kept item first seen or updated since `since` (`feedd
    /// deliveries replay`); items with a pending or held delivery to the hook are skipped.
    func replay(hook: String, feed: String?, since: Timestamp, now: Timestamp) async throws(StoreError)
        -> ReplayResult

    // MARK: Reading

    /// Every feed the store knows, with its counts.
    func feeds() async throws(StoreError) -> [FeedSummary]
    /// Stored items as JSON, newest first (see `FileStore.listItems`).
    func listItems(feed: String?, since: Timestamp?, limit: Int?) async throws(StoreError) -> ItemList
    /// One stored item by feed and key.
    func item(feed: String, key: String) async throws(StoreError) -> StoredItem?
    /// Items kept, over all feeds.
    func itemCount() async throws(StoreError) -> Int

    // MARK: Upkeep

    /// Applies retention and forgets old remembered keys (the file store also rewrites its files).
    func compact(now: Timestamp) async throws(StoreError) -> CompactionReport
    /// Makes everything written so far durable.
    func sync() async throws(StoreError)
    /// Checks the store's integrity (`feedd store check`).
    func check() async throws(StoreError) -> StoreCheckReport
    /// Ends the store's use: flushes, releases locks and connections. Later calls fail.
    func close() async throws(StoreError)
}

/// A feed as the configuration names it.
public struct ConfiguredFeed: Sendable, Hashable {
    public var name: String
    public var url: String

    public init(name: String, url: String) {
        self.name = name
        self.url = url
    }
}

/// One running (or once running) instance of feedd on a store.
public struct InstanceRecord: Sendable, Hashable {
    /// `instance` of the configuration (default: host name and process id).
    public var name: String
    /// SHA-256 of the instance's configuration file, hex: instances with different ones are reported.
    public var configDigest: String
    public var started: Timestamp
    public var lastSeen: Timestamp

    public init(name: String, configDigest: String, started: Timestamp, lastSeen: Timestamp) {
        self.name = name
        self.configDigest = configDigest
        self.started = started
        self.lastSeen = lastSeen
    }
}

/// The answer to `FeedStore.beginPoll`.
public enum PollClaim: Sendable, Hashable {
    /// This instance polls the feed now; what the store remembers of it.
    case granted(FeedFetchState)
    /// Another instance holds the feed (`owner`) or has polled it; ask again at `retryAt`.
    case busy(owner: String?, retryAt: Timestamp)
}

/// What `FeedStore.replay` queued, and the items it could not read back.
public struct ReplayResult: Sendable {
    public var queued = 0
    public var damaged: [DamagedItem] = []

    public init(queued: Int = 0, damaged: [DamagedItem] = []) {
        self.queued = queued
        self.damaged = damaged
    }
}
