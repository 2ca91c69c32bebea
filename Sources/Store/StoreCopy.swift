public import FeedModel

/// Everything a store holds, store-neutral, for `feedd store copy` (docs/store.md "Moving a store"): each
/// feed's fetch state and poll count, its kept items (key, times, body, fingerprints) and remembered keys,
/// and the outbox (ids, order, attempts, next attempt, last error; pending, held and dead). Exported by one
/// store and imported whole into an empty store of the other kind.
public struct StoreCopy: Sendable {
    public struct Feed: Sendable {
        public var name: String
        /// Polls that brought a document.
        public var polls: Int
        public var state: FeedFetchState
        /// Kept items, oldest first (first seen, then written).
        public var items: [Item]
        public var remembered: [RememberedKey]

        public init(name: String, polls: Int, state: FeedFetchState, items: [Item], remembered: [RememberedKey]) {
            self.name = name
            self.polls = polls
            self.state = state
            self.items = items
            self.remembered = remembered
        }
    }

    public struct Item: Sendable {
        public var key: String
        public var firstSeen: Timestamp
        public var updated: Timestamp?
        /// The item object of spec/feed-json.md, compact UTF-8 JSON, as stored.
        public var body: [UInt8]
        /// `Fingerprint.content` (0: unknown, so the next poll counts the item as updated once).
        public var content: UInt64
        /// `Fingerprint.link` and `.title` (0: absent).
        public var link: UInt32
        public var title: UInt32

        public init(
            key: String, firstSeen: Timestamp, updated: Timestamp?, body: [UInt8], content: UInt64, link: UInt32,
            title: UInt32
        ) {
            self.key = key
            self.firstSeen = firstSeen
            self.updated = updated
            self.body = body
            self.content = content
            self.link = link
            self.title = title
        }
    }

    /// A key retention dropped the item of, known by its hash only (the file store keeps no key text):
    /// `text` is `RememberedKey.hashText`'s form, or the key itself when the store had it.
    public struct RememberedKey: Sendable {
        public var text: String
        public var lastSeenPoll: Int
        public var lastSeen: Timestamp

        public init(text: String, lastSeenPoll: Int, lastSeen: Timestamp) {
            self.text = text
            self.lastSeenPoll = lastSeenPoll
            self.lastSeen = lastSeen
        }

        /// The form a key known only by its hash takes outside the file store: `hash:` and the 32 hex digits
        /// of the 16 bytes the file store keeps (the first 32 hex digits after `sha256:` of a parser's key).
        public static func hashText(ofKey key: String) -> String {
            hashText(ItemHash(key: key))
        }

        static func hashText(_ hash: ItemHash) -> String {
            func hex(_ value: UInt64) -> String {
                let digits = String(value, radix: 16)
                return String(repeating: "0", count: 16 - digits.count) + digits
            }
            return hashPrefix + hex(hash.high) + hex(hash.low)
        }

        /// `hash:`: a parser's key starts with `sha256:`, so no item key takes this form.
        public static let hashPrefix = "hash:"

        /// The file store's hash of `text`: parsed from the `hash:` form, else the key's.
        var hash: ItemHash {
            if text.hasPrefix(Self.hashPrefix), text.utf8.count == Self.hashPrefix.utf8.count + 32,
                let high = UInt64(text.dropFirst(5).prefix(16), radix: 16),
                let low = UInt64(text.dropFirst(21), radix: 16)
            {
                return ItemHash(high: high, low: low)
            }
            return ItemHash(key: text)
        }
    }

    public var feeds: [Feed]
    /// The outbox (pending, held and dead), by id.
    public var deliveries: [Delivery]
    /// The next delivery id the store would give (above every id copied).
    public var nextDeliveryID: UInt64

    public init(feeds: [Feed], deliveries: [Delivery], nextDeliveryID: UInt64) {
        self.feeds = feeds
        self.deliveries = deliveries
        self.nextDeliveryID = nextDeliveryID
    }

    /// What the copy holds, to compare with what the target reports after the import.
    public var counts: StoreCounts {
        var counts = StoreCounts()
        counts.feeds = feeds.count
        counts.items = feeds.reduce(0) { $0 + $1.items.count }
        counts.rememberedKeys = feeds.reduce(0) { $0 + $1.remembered.count }
        for delivery in deliveries {
            switch delivery.status {
            case .pending: counts.pending += 1
            case .held: counts.held += 1
            case .dead: counts.dead += 1
            }
        }
        return counts
    }
}

/// What a store holds, counted: what `feedd store copy` verifies on both sides.
public struct StoreCounts: Sendable, Hashable, CustomStringConvertible {
    public var feeds = 0
    public var items = 0
    public var rememberedKeys = 0
    public var pending = 0
    public var held = 0
    public var dead = 0

    public init() {}

    /// `N feeds, N items, N remembered keys, N pending, N held, N dead deliveries`.
    public var description: String {
        "\(feeds) feeds, \(items) items, \(rememberedKeys) remembered keys, \(pending) pending, \(held) held, "
            + "\(dead) dead deliveries"
    }
}
