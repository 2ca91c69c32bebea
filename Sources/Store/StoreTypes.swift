public import FeedModel

/// Why a delivery is queued: the item is new, or its content changed under the same key.
public enum ItemEvent: UInt8, Sendable, Hashable {
    case new = 1
    case updated = 2

    /// `new` or `updated`, as hooks and the CLI print it.
    public var name: String { self == .new ? "new" : "updated" }
}

/// An item as the store keeps it: the normalized item, its feed, and when the store first saw it.
public struct StoredItem: Sendable, Hashable {
    /// The feed's configured name.
    public var feed: String
    public var item: FeedItem
    public var firstSeen: Timestamp
    /// When its content last changed under the same key, or nil.
    public var updated: Timestamp?

    public init(feed: String, item: FeedItem, firstSeen: Timestamp, updated: Timestamp? = nil) {
        self.feed = feed
        self.item = item
        self.firstSeen = firstSeen
        self.updated = updated
    }
}

/// One pending hand-over of an item to a hook, kept in the outbox until the hook succeeds.
public struct Delivery: Sendable, Hashable, Identifiable {
    /// Where the delivery stands.
    public enum Status: UInt8, Sendable, Hashable {
        /// Waiting for `nextAttempt`.
        case pending = 1
        /// Held by the flood guard until `feedd held release` (or dropped by `feedd held drop`).
        case held = 2
        /// Given up after the hook's retries; `retryDead` queues it again.
        case dead = 3
    }

    /// Stable across retries; unique in the store's life.
    public var id: UInt64
    public var hook: String
    public var feed: String
    /// The item's key (`sha256:…`), carried by every payload so receivers can be idempotent.
    public var itemKey: String
    public var event: ItemEvent
    public var status: Status
    /// Attempts made so far.
    public var attempt: Int
    public var nextAttempt: Timestamp
    public var created: Timestamp
    public var lastError: String?

    public init(
        id: UInt64, hook: String, feed: String, itemKey: String, event: ItemEvent, status: Status = .pending,
        attempt: Int = 0, nextAttempt: Timestamp, created: Timestamp, lastError: String? = nil
    ) {
        self.id = id
        self.hook = hook
        self.feed = feed
        self.itemKey = itemKey
        self.event = event
        self.status = status
        self.attempt = attempt
        self.nextAttempt = nextAttempt
        self.created = created
        self.lastError = lastError
    }
}

/// What one `commit` found and wrote.
public struct CommitResult: Sendable {
    /// Items seen for the first time, delivered normally.
    public var new: [FeedItem] = []
    /// Items whose key was known but whose content changed.
    public var updated: [FeedItem] = []
    /// New keys the flood guard matched to stored items by link or title, or keys of items whose commit
    /// record was lost to damage (`FileStore` read them back from their bodies): stored, not announced.
    public var matched: [FeedItem] = []
    /// New items stored while their deliveries are held (a flood).
    public var held: [FeedItem] = []
    /// Items the store already had (unchanged, or remembered after retention dropped them).
    public var unchanged = 0
    /// The deliveries queued (held ones included).
    public var deliveries: [Delivery] = []
    /// True when the flood guard held this poll's new items.
    public var isFlood: Bool { !held.isEmpty }

    public init() {}
}

/// A feed as `feedd feeds` lists it.
public struct FeedSummary: Sendable {
    public var name: String
    public var state: FeedFetchState
    /// Items kept (retention applies at compaction).
    public var itemCount: Int
    /// Keys remembered of items no longer kept.
    public var rememberedKeys: Int
    /// Deliveries held by the flood guard.
    public var heldCount: Int
    /// Polls that delivered a document.
    public var polls: Int

    public init(name: String, state: FeedFetchState, itemCount: Int, rememberedKeys: Int, heldCount: Int, polls: Int) {
        self.name = name
        self.state = state
        self.itemCount = itemCount
        self.rememberedKeys = rememberedKeys
        self.heldCount = heldCount
        self.polls = polls
    }
}

/// Deliveries held for one feed by the flood guard.
public struct HeldFeed: Sendable {
    public var feed: String
    public var deliveries: [Delivery]

    public init(feed: String, deliveries: [Delivery]) {
        self.feed = feed
        self.deliveries = deliveries
    }
}

/// Something recovery found on open and what it did about it (the daemon logs each).
public struct RecoveryNote: Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The end of a file was not a whole record (a crash mid-write); it was cut off.
        case tornTail
        /// A damaged record in the middle of a file was skipped.
        case damagedRecord
        /// A record was intact but could not be decoded; it was skipped.
        case undecodable
        /// Item bodies at the end of the newest segment that no commit refers to (a crash between writing
        /// the bodies and the journal record), perhaps torn; cut off. The commit was never acknowledged.
        case unfinishedCommit
        /// After damaged records: keys of item bodies that no record names any more, read back from the
        /// segments (`bytes` holds their count); a document that shows them stores them as known.
        case keysFromBodies
    }

    public var kind: Kind
    public var path: String
    public var offset: Int
    public var bytes: Int

    /// True for a damaged or undecodable record: something written and acknowledged was lost.
    public var isDamage: Bool { kind == .damagedRecord || kind == .undecodable }

    public var description: String {
        switch kind {
        case .tornTail:
            return "\(path): incomplete record at offset \(offset) (a write cut short); \(bytes) bytes dropped"
        case .damagedRecord:
            return "\(path): damaged record at offset \(offset) (checksum mismatch); \(bytes) bytes skipped"
        case .undecodable:
            return "\(path): record at offset \(offset) could not be decoded; \(bytes) bytes skipped"
        case .unfinishedCommit:
            return "\(path): item bodies from offset \(offset) belong to no finished commit; \(bytes) bytes dropped"
        case .keysFromBodies:
            return "\(path): \(bytes) item keys read back from bodies whose journal record was lost to damage; "
                + "they are known, not announced again"
        }
    }
}
