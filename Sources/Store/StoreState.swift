import FeedModel

/// A feed in memory: its name, fetch state, index of kept items and remembered keys.
struct FeedEntry: Sendable {
    var number: UInt32
    var name: String
    var state = FeedFetchState()
    /// Polls that delivered a document (commits).
    var polls: UInt32 = 0
    var items: [ItemHash: ItemEntry] = [:]
    var tombstones: [ItemHash: Tombstone] = [:]
}

/// Everything the store knows, rebuilt at start-up by replaying the snapshot and the journals. A plain
/// value: compaction copies it (copy-on-write, so the copy is cheap) and writes the copy out while
/// commits go on.
struct StoreState: Sendable {
    var feeds: [FeedEntry] = []
    var feedNumbers: [String: UInt32] = [:]
    var outbox: [UInt64: Delivery] = [:]
    var nextDeliveryID: UInt64 = 1
    /// Keys of item bodies that no feed knows, read back at start-up from the segments after a damaged
    /// journal or snapshot record lost the commit that stored them (`Recovery`). A document showing one
    /// stores it as known, never as new. Kept in memory only: compaction does not write them.
    var lostKeys: Set<ItemHash> = []

    /// True when no feed is named `name` but a feed's defining record was lost: its number only.
    func isUnnamed(_ feed: FeedEntry) -> Bool { feedNumbers[feed.name] != feed.number }

    /// The number of the feed named `name`; for a name the store does not know, the number of a feed
    /// whose defining record was lost (an unnamed one) that holds one of `items`' keys, so that a damaged
    /// record does not make the feed's kept items new again.
    func feedNumber(_ name: String, items: [FeedItem]) -> UInt32? {
        if let known = feedNumbers[name] { return known }
        let unnamed = feeds.filter { isUnnamed($0) && !($0.items.isEmpty && $0.tombstones.isEmpty) }
        guard !unnamed.isEmpty else { return nil }
        for item in items {
            let hash = ItemHash(key: item.key)
            if let feed = unnamed.first(where: { $0.items[hash] != nil || $0.tombstones[hash] != nil }) {
                return feed.number
            }
        }
        return nil
    }

    func feedName(_ number: UInt32) -> String {
        Int(number) < feeds.count ? feeds[Int(number)].name : "#\(number)"
    }

    /// Applies one operation. Operations that name a feed not defined (a lost record) define it under a
    /// placeholder name rather than fail.
    mutating func apply(_ operation: Operation) {
        switch operation {
        case .defineFeed(let number, let name):
            ensureFeed(number)
            feeds[Int(number)].name = name
            feedNumbers[name] = number
        case .fetchState(let feed, let polls, let state):
            ensureFeed(feed)
            feeds[Int(feed)].polls = polls
            feeds[Int(feed)].state = state
        case .putItem(let feed, let key, let entry):
            ensureFeed(feed)
            feeds[Int(feed)].tombstones[key] = nil
            feeds[Int(feed)].items[key] = entry
            if !lostKeys.isEmpty { lostKeys.remove(key) }
        case .tombstone(let feed, let key, let tombstone):
            ensureFeed(feed)
            feeds[Int(feed)].items[key] = nil
            feeds[Int(feed)].tombstones[key] = tombstone
            if !lostKeys.isEmpty { lostKeys.remove(key) }
        case .putDelivery(let feed, var delivery):
            ensureFeed(feed)
            delivery.feed = feeds[Int(feed)].name
            outbox[delivery.id] = delivery
            nextDeliveryID = max(nextDeliveryID, delivery.id + 1)
        case .removeDelivery(let id):
            outbox[id] = nil
        case .counters(let deliveryID):
            nextDeliveryID = max(nextDeliveryID, deliveryID)
        }
    }

    private mutating func ensureFeed(_ number: UInt32) {
        while feeds.count <= Int(number) {
            let placeholder = "#\(feeds.count)"
            feeds.append(FeedEntry(number: UInt32(feeds.count), name: placeholder))
        }
    }

    /// The operations that rebuild this state from nothing (a snapshot's content), in chunks.
    func snapshotOperations(chunk: Int = 8192, _ body: ([Operation]) throws(StoreError) -> Void) throws(StoreError) {
        var batch: [Operation] = [.counters(nextDeliveryID: nextDeliveryID)]
        batch.reserveCapacity(chunk)
        func flush(_ force: Bool = false) throws(StoreError) {
            if batch.count >= chunk || (force && !batch.isEmpty) {
                try body(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        for feed in feeds {
            batch.append(.defineFeed(number: feed.number, name: feed.name))
            batch.append(.fetchState(feed: feed.number, polls: feed.polls, state: feed.state))
            for (key, entry) in feed.items {
                batch.append(.putItem(feed: feed.number, key: key, entry: entry))
                try flush()
            }
            for (key, tombstone) in feed.tombstones {
                batch.append(.tombstone(feed: feed.number, key: key, tombstone: tombstone))
                try flush()
            }
            try flush()
        }
        for delivery in outbox.values {
            let feed = feedNumbers[delivery.feed] ?? 0
            batch.append(.putDelivery(feed: feed, delivery: delivery))
            try flush()
        }
        try flush(true)
    }
}
