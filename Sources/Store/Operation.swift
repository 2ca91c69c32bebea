import FeedModel

/// Where an item's JSON lies: a record in a body segment file.
struct BodyLocation: Hashable, Sendable {
    var segment: UInt32
    /// Offset of the record (its header) in the segment.
    var offset: UInt32
    /// Length of the whole record, header included.
    var length: UInt32
}

/// What the index keeps per item: 36 bytes (4-byte aligned) beside its 16-byte key, never the item's
/// text. Times are unsigned 32-bit seconds since 1970 (good until 2106); items seen in the same second
/// are ordered by where their bodies lie, which is the order they were written.
struct ItemEntry: Hashable, Sendable {
    private var firstSeenSeconds: UInt32
    private var updatedSeconds: UInt32
    private var contentLow: UInt32
    private var contentHigh: UInt32
    var linkHash: UInt32
    var titleHash: UInt32
    var body: BodyLocation

    init(
        firstSeen: Int64, updatedAt: Int64, contentHash: UInt64, linkHash: UInt32, titleHash: UInt32, body: BodyLocation
    ) {
        firstSeenSeconds = UInt32(clamping: firstSeen)
        updatedSeconds = UInt32(clamping: updatedAt)
        contentLow = UInt32(truncatingIfNeeded: contentHash)
        contentHigh = UInt32(truncatingIfNeeded: contentHash >> 32)
        self.linkHash = linkHash
        self.titleHash = titleHash
        self.body = body
    }

    var firstSeen: Int64 {
        get { Int64(firstSeenSeconds) }
        set { firstSeenSeconds = UInt32(clamping: newValue) }
    }

    /// When the content last changed under the same key; 0 for never.
    var updatedAt: Int64 {
        get { Int64(updatedSeconds) }
        set { updatedSeconds = UInt32(clamping: newValue) }
    }

    var contentHash: UInt64 { UInt64(contentHigh) << 32 | UInt64(contentLow) }

    /// Newest first sorts by this, descending.
    var order: (Int64, UInt32, UInt32) { (firstSeen, body.segment, body.offset) }
}

/// A key the store remembers after retention dropped its item, so that it is never new again.
struct Tombstone: Hashable, Sendable {
    /// The feed's poll count and the time when the key was last shown by the feed (or dropped).
    var lastSeenPoll: UInt32
    var lastSeenTime: Int64
}

/// One change to the store's state. A journal record holds the operations of one commit; a snapshot
/// holds the operations that rebuild the whole state. Replay applies them in order.
enum Operation: Sendable {
    case defineFeed(number: UInt32, name: String)
    case fetchState(feed: UInt32, polls: UInt32, state: FeedFetchState)
    case putItem(feed: UInt32, key: ItemHash, entry: ItemEntry)
    case tombstone(feed: UInt32, key: ItemHash, tombstone: Tombstone)
    case putDelivery(feed: UInt32, delivery: Delivery)
    case removeDelivery(id: UInt64)
    case counters(nextDeliveryID: UInt64)

    private enum Code: UInt8 {
        case defineFeed = 1, fetchState, putItem, tombstone, putDelivery, removeDelivery, counters
    }

    func write(to writer: inout ByteWriter) {
        switch self {
        case .defineFeed(let number, let name):
            writer.u8(Code.defineFeed.rawValue)
            writer.u32(number)
            writer.string(name)
        case .fetchState(let feed, let polls, let state):
            writer.u8(Code.fetchState.rawValue)
            writer.u32(feed)
            writer.u32(polls)
            state.write(to: &writer)
        case .putItem(let feed, let key, let entry):
            writer.u8(Code.putItem.rawValue)
            writer.u32(feed)
            writer.hash(key)
            writer.i64(entry.firstSeen)
            writer.i64(entry.updatedAt)
            writer.u64(entry.contentHash)
            writer.u32(entry.linkHash)
            writer.u32(entry.titleHash)
            writer.u32(entry.body.segment)
            writer.u32(entry.body.offset)
            writer.u32(entry.body.length)
        case .tombstone(let feed, let key, let tombstone):
            writer.u8(Code.tombstone.rawValue)
            writer.u32(feed)
            writer.hash(key)
            writer.u32(tombstone.lastSeenPoll)
            writer.i64(tombstone.lastSeenTime)
        case .putDelivery(let feed, let delivery):
            writer.u8(Code.putDelivery.rawValue)
            writer.u32(feed)
            writer.u64(delivery.id)
            writer.string(delivery.hook)
            writer.string(delivery.itemKey)
            writer.u8(delivery.event.rawValue)
            writer.u8(delivery.status.rawValue)
            writer.u32(UInt32(clamping: max(0, delivery.attempt)))
            writer.i64(delivery.nextAttempt.secondsSince1970)
            writer.i64(delivery.created.secondsSince1970)
            writer.optionalString(delivery.lastError)
        case .removeDelivery(let id):
            writer.u8(Code.removeDelivery.rawValue)
            writer.u64(id)
        case .counters(let nextDeliveryID):
            writer.u8(Code.counters.rawValue)
            writer.u64(nextDeliveryID)
        }
    }

    /// Reads one operation; `feedName` resolves the feed of a delivery.
    static func read(
        from reader: inout ByteReader, feedName: (UInt32) -> String
    ) throws(ByteReader.DecodeError) -> Operation {
        guard let code = Code(rawValue: try reader.u8()) else {
            throw ByteReader.DecodeError(reason: "unknown operation code")
        }
        switch code {
        case .defineFeed:
            let number = try reader.u32()
            return .defineFeed(number: number, name: try reader.string())
        case .fetchState:
            let feed = try reader.u32()
            let polls = try reader.u32()
            return .fetchState(feed: feed, polls: polls, state: try FeedFetchState.read(from: &reader))
        case .putItem:
            let feed = try reader.u32()
            let key = try reader.hash()
            let entry = ItemEntry(
                firstSeen: try reader.i64(), updatedAt: try reader.i64(),
                contentHash: try reader.u64(), linkHash: try reader.u32(), titleHash: try reader.u32(),
                body: BodyLocation(segment: try reader.u32(), offset: try reader.u32(), length: try reader.u32()))
            return .putItem(feed: feed, key: key, entry: entry)
        case .tombstone:
            let feed = try reader.u32()
            let key = try reader.hash()
            let tombstone = Tombstone(lastSeenPoll: try reader.u32(), lastSeenTime: try reader.i64())
            return .tombstone(feed: feed, key: key, tombstone: tombstone)
        case .putDelivery:
            let feed = try reader.u32()
            let id = try reader.u64()
            let hook = try reader.string()
            let key = try reader.string()
            guard let event = ItemEvent(rawValue: try reader.u8()),
                let status = Delivery.Status(rawValue: try reader.u8())
            else { throw ByteReader.DecodeError(reason: "unknown delivery event or status") }
            let attempt = Int(try reader.u32())
            let next = Timestamp(secondsSince1970: try reader.i64())
            let created = Timestamp(secondsSince1970: try reader.i64())
            let delivery = Delivery(
                id: id, hook: hook, feed: feedName(feed), itemKey: key, event: event, status: status,
                attempt: attempt, nextAttempt: next, created: created, lastError: try reader.optionalString())
            return .putDelivery(feed: feed, delivery: delivery)
        case .removeDelivery:
            return .removeDelivery(id: try reader.u64())
        case .counters:
            return .counters(nextDeliveryID: try reader.u64())
        }
    }
}
