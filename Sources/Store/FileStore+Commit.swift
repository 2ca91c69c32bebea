public import FeedModel
import Platform

extension FileStore {
    /// Records one successful poll of `feed` (its document's `items` and its new fetch state) in one
    /// durable step, and answers which items are new.
    ///
    /// New and updated items are written with their deliveries (one per hook name that `deliveries`
    /// returns for the item and event) and synced before this returns: once it returns, they survive a
    /// crash or power loss. A poll with nothing new only buffers the fetch state (as `recordFetch`). When
    /// the write fails (disk full, read-only file system) nothing is recorded, the fetch state included,
    /// so the feed is fetched again later.
    ///
    /// Items already known are unchanged, or updates when their content changed under the same key;
    /// a key once seen (even if retention dropped the item since) is never new again. The flood guard
    /// (`StoreOptions.FloodGuard`) matches a suspicious burst of new keys by link and title, and holds
    /// the deliveries of what remains a flood.
    ///
    /// `deliveries` runs under the store's lock: it must decide from the item alone (the hooks that
    /// want it) and must not call the store.
    public func commit(
        feed: String, items: [FeedItem], fetchState: FeedFetchState, now: Timestamp,
        deliveries: (StoredItem, ItemEvent) -> [String]
    ) throws(StoreError) -> CommitResult {
        try locked { (inner) throws(StoreError) -> CommitResult in
            try checkWritable(inner)
            var plan = classify(feed: feed, items: items, in: inner.state)
            var operations: [Operation] = []
            let number: UInt32
            if let known = inner.state.feedNumbers[feed] {
                number = known
            } else if let unnamed = inner.state.feedNumber(feed, items: items) {
                // The feed's defining record was lost to damage; its kept items name it again.
                number = unnamed
                operations.append(.defineFeed(number: number, name: feed))
            } else {
                number = UInt32(inner.state.feeds.count)
                operations.append(.defineFeed(number: number, name: feed))
            }
            plan.polls += 1

            // Bodies first: one write and one fsync of the segment for the whole batch.
            let written = plan.new + plan.matched + plan.held + plan.updated.map(\.candidate)
            var records: [[UInt8]] = []
            records.reserveCapacity(written.count)
            var total = 0
            for candidate in written {
                var writer = JSONWriter(reservingCapacity: 1024)
                items[candidate.index].writeJSON(to: &writer)
                let record = RecordFormat.record(.itemBody, payload: writer.bytes)
                total += record.count
                records.append(record)
            }
            if total > 0 && inner.segmentEnd > RecordFormat.fileHeaderSize
                && inner.segmentEnd + total > options.segmentSize
            {
                try startSegment(&inner)
            }
            var locations: [BodyLocation] = []
            var buffer: [UInt8] = []
            buffer.reserveCapacity(total)
            for record in records {
                locations.append(
                    BodyLocation(
                        segment: inner.segmentNumber, offset: UInt32(inner.segmentEnd + buffer.count),
                        length: UInt32(record.count)))
                buffer.append(contentsOf: record)
            }
            if !buffer.isEmpty, let segment = inner.segment {
                do throws(SystemError) {
                    try segment.write(buffer, at: inner.segmentEnd)
                    try segment.sync()
                } catch {
                    try? segment.truncate(to: inner.segmentEnd)
                    throw .io(
                        path: path(StoreFiles.segment(inner.segmentNumber)), offset: inner.segmentEnd, cause: error)
                }
            }

            // Then the journal record: items, deliveries and fetch state together.
            var result = CommitResult()
            result.unchanged = plan.unchanged
            var deliveryID = inner.state.nextDeliveryID
            var pending: [Delivery] = []
            func queue(_ item: FeedItem, _ event: ItemEvent, _ status: Delivery.Status, firstSeen: Timestamp) {
                let stored = StoredItem(
                    feed: feed, item: item, firstSeen: firstSeen, updated: event == .updated ? now : nil)
                for hook in deliveries(stored, event) {
                    let delivery = Delivery(
                        id: deliveryID, hook: hook, feed: feed, itemKey: item.key, event: event, status: status,
                        nextAttempt: now, created: now)
                    deliveryID += 1
                    pending.append(delivery)
                }
            }
            for (position, candidate) in written.enumerated() {
                let item = items[candidate.index]
                var entry = ItemEntry(
                    firstSeen: now.secondsSince1970, updatedAt: 0,
                    contentHash: candidate.content, linkHash: candidate.link, titleHash: candidate.title,
                    body: locations[position])
                let kind = plan.kind(at: position)
                switch kind {
                case .new:
                    result.new.append(item)
                    queue(item, .new, .pending, firstSeen: now)
                case .matched:
                    result.matched.append(item)
                case .held:
                    result.held.append(item)
                    queue(item, .new, .held, firstSeen: now)
                case .updated(let previous):
                    entry.firstSeen = previous.firstSeen
                    entry.updatedAt = now.secondsSince1970
                    result.updated.append(item)
                    queue(item, .updated, .pending, firstSeen: Timestamp(secondsSince1970: previous.firstSeen))
                }
                operations.append(.putItem(feed: number, key: candidate.hash, entry: entry))
            }
            for key in plan.refreshed {
                let tombstone = Tombstone(lastSeenPoll: plan.polls, lastSeenTime: now.secondsSince1970)
                operations.append(.tombstone(feed: number, key: key, tombstone: tombstone))
            }
            for delivery in pending { operations.append(.putDelivery(feed: number, delivery: delivery)) }
            operations.append(.fetchState(feed: number, polls: plan.polls, state: fetchState))
            if deliveryID != inner.state.nextDeliveryID {
                operations.append(.counters(nextDeliveryID: deliveryID))
            }
            try append(operations, mode: written.isEmpty ? .buffered : .durable, to: &inner)
            if !buffer.isEmpty { inner.segmentEnd += buffer.count }
            result.deliveries = pending
            return result
        }
    }

    /// Records a poll that brought no document (304 Not Modified, or a failure) by its fetch state alone.
    /// Buffered, then written with the next record or `sync`, without `fsync` of its own: losing it costs
    /// one extra poll (docs/store.md, "Durability").
    public func recordFetch(feed: String, state fetchState: FeedFetchState) throws(StoreError) {
        try locked { (inner) throws(StoreError) in
            try checkWritable(inner)
            var operations: [Operation] = []
            let number: UInt32
            var polls: UInt32 = 0
            if let known = inner.state.feedNumbers[feed] {
                number = known
                polls = inner.state.feeds[Int(known)].polls
            } else {
                number = UInt32(inner.state.feeds.count)
                operations.append(.defineFeed(number: number, name: feed))
            }
            operations.append(.fetchState(feed: number, polls: polls, state: fetchState))
            try append(operations, mode: .buffered, to: &inner)
        }
    }

    /// A document's items sorted into what the store will do with them.
    struct Plan {
        struct Candidate {
            var index: Int
            var hash: ItemHash
            var content: UInt64
            var link: UInt32
            var title: UInt32
        }

        enum Kind {
            case new, matched, held
            case updated(ItemEntry)
        }

        var polls: UInt32 = 0
        var new: [Candidate] = []
        var matched: [Candidate] = []
        var held: [Candidate] = []
        var updated: [(candidate: Candidate, previous: ItemEntry)] = []
        var refreshed: [ItemHash] = []
        var unchanged = 0

        /// The kind of the `position`th item of `new + matched + held + updated`.
        func kind(at position: Int) -> Kind {
            var position = position
            if position < new.count { return .new }
            position -= new.count
            if position < matched.count { return .matched }
            position -= matched.count
            if position < held.count { return .held }
            return .updated(updated[position - held.count].previous)
        }
    }

    /// Sorts a document's items against what the store knows of the feed; writes nothing.
    func classify(feed name: String, items: [FeedItem], in state: StoreState) -> Plan {
        var plan = Plan()
        let number = state.feedNumber(name, items: items)
        let feed = number.map { state.feeds[Int($0)] }
        plan.polls = feed?.polls ?? 0
        var seen = Set<ItemHash>(minimumCapacity: items.count)
        for (index, item) in items.enumerated() {
            let hash = ItemHash(key: item.key)
            guard seen.insert(hash).inserted else { continue }
            if let entry = feed?.items[hash] {
                let content = Fingerprint.content(of: item)
                if content == entry.contentHash {
                    plan.unchanged += 1
                } else {
                    let candidate = Plan.Candidate(
                        index: index, hash: hash, content: content, link: Fingerprint.link(item.link),
                        title: Fingerprint.title(item.title))
                    plan.updated.append((candidate, entry))
                }
            } else if let tombstone = feed?.tombstones[hash] {
                plan.unchanged += 1
                // Persist that the feed still shows the key at least every 16 polls, so that forgetting
                // (after `KeyMemory.polls`) never works from a stale record.
                if plan.polls + 1 &- tombstone.lastSeenPoll >= 16 { plan.refreshed.append(hash) }
            } else if state.lostKeys.contains(hash) {
                // Stored by a commit whose record was lost to damage: known, stored again, not announced.
                plan.matched.append(
                    Plan.Candidate(
                        index: index, hash: hash, content: Fingerprint.content(of: item),
                        link: Fingerprint.link(item.link), title: Fingerprint.title(item.title)))
            } else {
                plan.new.append(
                    Plan.Candidate(
                        index: index, hash: hash, content: Fingerprint.content(of: item),
                        link: Fingerprint.link(item.link), title: Fingerprint.title(item.title)))
            }
        }
        guard let feed, feed.polls > 0, !feed.items.isEmpty || !feed.tombstones.isEmpty else { return plan }
        guard options.floodGuard.isSuspected(newItems: plan.new.count, documentItems: items.count) else {
            return plan
        }
        // A suspected flood: first match the new keys to kept items by normalized link or title.
        var links = Set<UInt32>()
        var titles = Set<UInt32>()
        for entry in feed.items.values {
            if entry.linkHash != 0 { links.insert(entry.linkHash) }
            if entry.titleHash != 0 { titles.insert(entry.titleHash) }
        }
        options.floodGuard.matchAndHold(
            new: &plan.new, matched: &plan.matched, held: &plan.held, documentItems: items.count,
            keptLinks: links, keptTitles: titles, link: \.link, title: \.title)
        return plan
    }
}
