/// How the store behaves; every field has a documented default (docs/store.md).
public struct StoreOptions: Sendable {
    /// How many items of a feed to keep, and for how long.
    public struct Retention: Sendable, Hashable {
        /// Items kept per feed (the newest by first-seen time). Default 500.
        public var maxItems: Int
        /// Items first seen longer ago than this are dropped. Default 90 days.
        public var maxAge: Duration

        public init(maxItems: Int = 500, maxAge: Duration = .seconds(90 * 86_400)) {
            self.maxItems = maxItems
            self.maxAge = maxAge
        }
    }

    /// When the keys of dropped items are forgotten: only after the feed has gone both `polls`
    /// polls with a document and `age` without showing the key (defaults 100 polls and 180 days), so a
    /// key is kept as long as the item can plausibly reappear, and an idle feed forgets nothing.
    public struct KeyMemory: Sendable, Hashable {
        public var polls: Int
        public var age: Duration

        public init(polls: Int = 100, age: Duration = .seconds(180 * 86_400)) {
            self.polls = polls
            self.age = age
        }
    }

    /// The flood guard's thresholds (DESIGN.md): a poll of a feed with history that brings more than
    /// `max(minimum, share × items in the document)` new keys is a suspected flood. Defaults 10 and 0.5.
    public struct FloodGuard: Sendable, Hashable {
        public var minimum: Int
        public var share: Double

        public init(minimum: Int = 10, share: Double = 0.5) {
            self.minimum = minimum
            self.share = share
        }

        public func threshold(documentItems: Int) -> Int {
            max(minimum, Int((share * Double(documentItems)).rounded(.down)))
        }
    }

    public var retention = Retention()
    /// Per-feed retention, by feed name, overriding `retention`.
    public var retentionByFeed: [String: Retention] = [:]
    public var keyMemory = KeyMemory()
    public var floodGuard = FloodGuard()
    /// A body segment file is closed and a new one started past this size. Default 64 MiB.
    public var segmentSize = 64 << 20
    /// Open without the lock, never writing: for listing while the daemon runs.
    public var readOnly = false
    /// The file layer; tests put a fault-injecting one here.
    public var fileSystem: any StoreFileSystem = SystemFileSystem()

    public init(readOnly: Bool = false) {
        self.readOnly = readOnly
    }

    public func retention(for feed: String) -> Retention {
        retentionByFeed[feed] ?? retention
    }
}
