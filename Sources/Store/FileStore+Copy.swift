import FeedModel
import Platform

extension FileStore {
    /// Everything the store holds (`StoreCopy`), item bodies read back and checked. A damaged body fails
    /// the export (`StoreError.corrupt`, naming the file and offset): `feedd store check` lists them.
    public func exportCopy() throws(StoreError) -> StoreCopy {
        let state = try locked { (inner) throws(StoreError) -> StoreState in
            guard !inner.isClosed else { throw .closed(directory: directory) }
            return inner.state
        }
        var reader = BodyReader(directory: directory, fileSystem: options.fileSystem)
        var feeds: [StoreCopy.Feed] = []
        for feed in state.feeds where !state.isUnnamed(feed) {
            var items: [StoreCopy.Item] = []
            items.reserveCapacity(feed.items.count)
            for (_, entry) in feed.items.sorted(by: { $0.value.order < $1.value.order }) {
                let body = try reader.read(entry.body)
                guard let item = ItemJSON.decode(body[...]) else {
                    throw .corrupt(
                        path: path(StoreFiles.segment(entry.body.segment)), offset: Int(entry.body.offset),
                        reason: "item body is not the item JSON")
                }
                items.append(
                    StoreCopy.Item(
                        key: item.key, firstSeen: Timestamp(secondsSince1970: entry.firstSeen),
                        updated: entry.updatedAt == 0 ? nil : Timestamp(secondsSince1970: entry.updatedAt), body: body,
                        content: entry.contentHash, link: entry.linkHash, title: entry.titleHash))
            }
            let remembered = feed.tombstones.map { hash, tombstone in
                StoreCopy.RememberedKey(
                    text: StoreCopy.RememberedKey.hashText(hash), lastSeenPoll: Int(tombstone.lastSeenPoll),
                    lastSeen: Timestamp(secondsSince1970: tombstone.lastSeenTime))
            }.sorted { $0.text < $1.text }
            feeds.append(
                StoreCopy.Feed(
                    name: feed.name, polls: Int(feed.polls), state: feed.state, items: items, remembered: remembered))
        }
        let deliveries = state.outbox.values.sorted { $0.id < $1.id }
        return StoreCopy(feeds: feeds, deliveries: deliveries, nextDeliveryID: state.nextDeliveryID)
    }

    /// What the store holds, counted as `StoreCopy.counts` counts.
    public func counts() throws(StoreError) -> StoreCounts {
        try locked { (inner) throws(StoreError) -> StoreCounts in
            var counts = StoreCounts()
            let state = inner.state
            counts.feeds = state.feeds.filter { !state.isUnnamed($0) }.count
            for feed in state.feeds {
                counts.items += feed.items.count
                counts.rememberedKeys += feed.tombstones.count
            }
            for delivery in state.outbox.values {
                switch delivery.status {
                case .pending: counts.pending += 1
                case .held: counts.held += 1
                case .dead: counts.dead += 1
                }
            }
            return counts
        }
    }

    /// Fills an empty store (no feed, no delivery: else `StoreError.notEmpty`) with `copy`, durably: the
    /// bodies are written and synced first, then the journal records (feeds, fetch state, items, remembered
    /// keys, deliveries with their ids, the next id), synced before this returns. Interrupted, it leaves a
    /// store that is not empty: remove the directory and copy again.
    public func importCopy(_ copy: StoreCopy) throws(StoreError) {
        try locked { (inner) throws(StoreError) in
            try checkWritable(inner)
            guard inner.state.feeds.isEmpty, inner.state.outbox.isEmpty else {
                throw .notEmpty(location: directory, what: "feeds or deliveries")
            }
            // Bodies first, in the copy's order (which orders items seen in one second), new segments past
            // the segment size.
            var locations: [[BodyLocation]] = []
            var buffer: [UInt8] = []
            func flush(_ inner: inout Inner) throws(StoreError) {
                guard !buffer.isEmpty, let segment = inner.segment else { return }
                do throws(SystemError) {
                    try segment.write(buffer, at: inner.segmentEnd)
                    try segment.sync()
                } catch {
                    throw .io(
                        path: path(StoreFiles.segment(inner.segmentNumber)), offset: inner.segmentEnd, cause: error)
                }
                inner.segmentEnd += buffer.count
                buffer.removeAll(keepingCapacity: true)
            }
            for feed in copy.feeds {
                var feedLocations: [BodyLocation] = []
                for item in feed.items {
                    let record = RecordFormat.record(.itemBody, payload: item.body)
                    if inner.segmentEnd + buffer.count > RecordFormat.fileHeaderSize
                        && inner.segmentEnd + buffer.count + record.count > options.segmentSize
                    {
                        try flush(&inner)
                        try startSegment(&inner)
                    }
                    feedLocations.append(
                        BodyLocation(
                            segment: inner.segmentNumber, offset: UInt32(inner.segmentEnd + buffer.count),
                            length: UInt32(record.count)))
                    buffer.append(contentsOf: record)
                    if buffer.count >= 4 << 20 { try flush(&inner) }
                }
                locations.append(feedLocations)
            }
            try flush(&inner)

            // Then the journal, in records of at most 8192 operations, the last one synced.
            var operations: [Operation] = [.counters(nextDeliveryID: copy.nextDeliveryID)]
            func append(_ operation: Operation, _ inner: inout Inner) throws(StoreError) {
                operations.append(operation)
                if operations.count >= 8192 {
                    try self.append(operations, mode: .written, to: &inner)
                    operations.removeAll(keepingCapacity: true)
                }
            }
            var numbers: [String: UInt32] = [:]
            for (index, feed) in copy.feeds.enumerated() {
                let number = UInt32(index)
                numbers[feed.name] = number
                try append(.defineFeed(number: number, name: feed.name), &inner)
                try append(.fetchState(feed: number, polls: UInt32(clamping: feed.polls), state: feed.state), &inner)
                for (position, item) in feed.items.enumerated() {
                    let entry = ItemEntry(
                        firstSeen: item.firstSeen.secondsSince1970, updatedAt: item.updated?.secondsSince1970 ?? 0,
                        contentHash: item.content, linkHash: item.link, titleHash: item.title,
                        body: locations[index][position])
                    try append(.putItem(feed: number, key: ItemHash(key: item.key), entry: entry), &inner)
                }
                for key in feed.remembered {
                    let tombstone = Tombstone(
                        lastSeenPoll: UInt32(clamping: key.lastSeenPoll), lastSeenTime: key.lastSeen.secondsSince1970)
                    try append(.tombstone(feed: number, key: key.hash, tombstone: tombstone), &inner)
                }
            }
            for delivery in copy.deliveries {
                guard let number = numbers[delivery.feed] else {
                    throw .unknownFeed(delivery.feed)
                }
                try append(.putDelivery(feed: number, delivery: delivery), &inner)
            }
            try self.append(operations, mode: .durable, to: &inner)
            try syncIfNeeded(&inner)
        }
    }
}
