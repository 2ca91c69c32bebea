public import FeedModel

/// What a `commit` of a document would do, worked out without writing anything (`feedd poll --dry-run`).
public struct CommitPreview: Sendable {
    /// Items the commit would store as new and announce.
    public var new: [FeedItem] = []
    /// Known items whose content changed.
    public var updated: [FeedItem] = []
    /// New items the flood guard would hold (or match to stored items by link and title).
    public var heldOrMatched: [FeedItem] = []
    /// Items already known.
    public var unchanged = 0
    /// True when the feed has never had a successful poll: its first commit stores silently unless
    /// the daemon is told to notify existing items.
    public var isFirstPoll = true

    public init() {}
}

/// Deliveries of one hook that wait for a later attempt (`FileStore.waitingDeliveries`).
public struct WaitingDeliveries: Sendable {
    /// Per feed, the lowest id of a delivery not yet due.
    public var firstID: [String: UInt64] = [:]
    /// The earliest next attempt among them.
    public var earliest: Timestamp?

    public init() {}
}

extension FileStore {
    /// Polls of `feed` that delivered a document (commits); 0 for a feed never polled successfully.
    public func polls(feed: String) throws(StoreError) -> Int {
        try locked { (inner) throws(StoreError) -> Int in
            inner.state.feedNumbers[feed].map { Int(inner.state.feeds[Int($0)].polls) } ?? 0
        }
    }

    /// True when the store knows nothing of `feed`: no successful poll, no kept item and no remembered key
    /// under its name, and none of `items` among the keys a damaged record lost (docs/store.md, "Damaged
    /// records"). The daemon's first poll of a feed stores silently unless `notify_existing` says otherwise;
    /// a feed whose records were damaged is not new, so what its document shows is judged by the keys.
    public func isFirstPoll(feed: String, items: [FeedItem]) throws(StoreError) -> Bool {
        try locked { (inner) throws(StoreError) -> Bool in Self.isFirstPoll(feed: feed, items: items, in: inner.state) }
    }

    static func isFirstPoll(feed: String, items: [FeedItem], in state: StoreState) -> Bool {
        if let number = state.feedNumber(feed, items: items) {
            let entry = state.feeds[Int(number)]
            if entry.polls > 0 || !entry.items.isEmpty || !entry.tombstones.isEmpty { return false }
        }
        guard !state.lostKeys.isEmpty else { return true }
        return !items.contains { state.lostKeys.contains(ItemHash(key: $0.key)) }
    }

    /// What `commit(feed:items:…)` would find in `items` now, without writing anything.
    public func preview(feed: String, items: [FeedItem]) throws(StoreError) -> CommitPreview {
        try locked { (inner) throws(StoreError) -> CommitPreview in
            let plan = classify(feed: feed, items: items, in: inner.state)
            var preview = CommitPreview()
            preview.new = plan.new.map { items[$0.index] }
            preview.updated = plan.updated.map { items[$0.candidate.index] }
            preview.heldOrMatched = (plan.held + plan.matched).map { items[$0.index] }
            preview.unchanged = plan.unchanged
            preview.isFirstPoll = Self.isFirstPoll(feed: feed, items: items, in: inner.state)
            return preview
        }
    }

    /// Pending deliveries of one hook (not held, not dead), in the order they are due, at most `limit`;
    /// with `dueBy`, only those whose next attempt is at or before it.
    public func pendingDeliveries(hook: String, dueBy: Timestamp? = nil, limit: Int = .max) throws(StoreError)
        -> [Delivery]
    {
        try locked { (inner) throws(StoreError) -> [Delivery] in
            // The first `limit` in due order without sorting the whole outbox: a sorted window that a row
            // enters only when it comes before the window's last (rarely, once the window is full).
            func precedes(_ lhs: Delivery, _ rhs: Delivery) -> Bool {
                (lhs.nextAttempt, lhs.id) < (rhs.nextAttempt, rhs.id)
            }
            var window: [Delivery] = []
            guard limit > 0 else { return window }
            for delivery in inner.state.outbox.values
            where delivery.status == .pending && delivery.hook == hook
                && (dueBy.map { delivery.nextAttempt <= $0 } ?? true)
            {
                if window.count == limit, let last = window.last, !precedes(delivery, last) { continue }
                var low = 0
                var high = window.count
                while low < high {
                    let middle = (low + high) / 2
                    if precedes(window[middle], delivery) { low = middle + 1 } else { high = middle }
                }
                window.insert(delivery, at: low)
                if window.count > limit { window.removeLast() }
            }
            return window
        }
    }

    /// The earliest next attempt of a pending delivery of `hook`, or nil when it has none.
    public func nextPendingAttempt(hook: String) throws(StoreError) -> Timestamp? {
        try locked { (inner) throws(StoreError) -> Timestamp? in
            inner.state.outbox.values.lazy.filter { $0.status == .pending && $0.hook == hook }.map(\.nextAttempt).min()
        }
    }

    /// The pending deliveries of `hook` not yet due at `now`: per feed the lowest id among them (deliveries
    /// of that feed after it wait, so that a feed's items reach the hook in order), and the earliest
    /// next attempt of any.
    public func waitingDeliveries(hook: String, now: Timestamp) throws(StoreError) -> WaitingDeliveries {
        try locked { (inner) throws(StoreError) -> WaitingDeliveries in
            var waiting = WaitingDeliveries()
            for delivery in inner.state.outbox.values
            where delivery.status == .pending && delivery.hook == hook && delivery.nextAttempt > now {
                waiting.firstID[delivery.feed] = min(waiting.firstID[delivery.feed] ?? .max, delivery.id)
                waiting.earliest = min(waiting.earliest ?? delivery.nextAttempt, delivery.nextAttempt)
            }
            return waiting
        }
    }

    /// Queues a new delivery to `hook` of every kept item first seen (or updated) at or after `since`
    /// (of one feed, or all), due at `now`, in one durable record: `feedd deliveries replay`. Items that
    /// already have a pending or held delivery to the hook are skipped. Returns how many were queued.
    /// An item whose body cannot be read (docs/store.md, "Damaged records") cannot be replayed: it is
    /// skipped and handed to `skipping`.
    @discardableResult
    public func replay(
        hook: String, feed: String? = nil, since: Timestamp, now: Timestamp,
        skipping: (DamagedItem) -> Void = { _ in }
    ) throws(StoreError) -> Int {
        try locked { (inner) throws(StoreError) -> Int in
            try checkWritable(inner)
            let listed = try listKeys(feed: feed, since: since, state: inner.state, skipping: skipping)
            var queued = Set<String>()
            for delivery in inner.state.outbox.values
            where delivery.hook == hook && delivery.status != .dead {
                queued.insert(delivery.feed + "\n" + delivery.itemKey)
            }
            var operations: [Operation] = []
            var id = inner.state.nextDeliveryID
            for (feedName, number, key) in listed where !queued.contains(feedName + "\n" + key) {
                let delivery = Delivery(
                    id: id, hook: hook, feed: feedName, itemKey: key, event: .new, nextAttempt: now, created: now)
                operations.append(.putDelivery(feed: number, delivery: delivery))
                id += 1
            }
            guard !operations.isEmpty else { return 0 }
            operations.append(.counters(nextDeliveryID: id))
            try append(operations, mode: .durable, to: &inner)
            return operations.count - 1
        }
    }

    /// The (feed, number, key) of kept items first seen or updated since `since`, oldest first, with keys
    /// read from their bodies (the index holds only hashes).
    private func listKeys(
        feed: String?, since: Timestamp, state: StoreState, skipping: (DamagedItem) -> Void
    ) throws(StoreError) -> [(String, UInt32, String)] {
        var picks: [(FeedEntry, ItemHash, ItemEntry)] = []
        for entry in state.feeds where feed == nil || entry.name == feed {
            guard state.feedNumbers[entry.name] == entry.number else { continue }
            for (key, item) in entry.items where max(item.firstSeen, item.updatedAt) >= since.secondsSince1970 {
                picks.append((entry, key, item))
            }
        }
        picks.sort { $0.2.order < $1.2.order }
        var reader = BodyReader(directory: directory, fileSystem: options.fileSystem)
        var keys: [(String, UInt32, String)] = []
        for (feedEntry, key, item) in picks {
            let json: [UInt8]
            do {
                json = try reader.read(item.body)
            } catch {
                guard case .corrupt(let path, let offset, let reason) = error else { throw error }
                skipping(
                    DamagedItem(feed: feedEntry.name, key: key.keyPrefix, path: path, offset: offset, reason: reason))
                continue
            }
            guard let decoded = ItemJSON.decode(json[...]) else { continue }
            keys.append((feedEntry.name, feedEntry.number, decoded.key))
        }
        return keys
    }
}
