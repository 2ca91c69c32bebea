public import FeedModel

/// Why an item is delivered: it is new, or a known item changed (hooks with `on_update`).
public enum HookEvent: String, Sendable, Hashable {
    case new
    case updated
}

/// The feed an item came from, as hooks name it: the `feed` object of the payload.
public struct HookFeed: Sendable, Hashable {
    /// The feed's unique name in the configuration.
    public var name: String
    /// The feed's title, or nil when it has none.
    public var title: String?
    /// The URL the feed is fetched from, with the password of any credentials in it masked
    /// (`https://user:***@host/feed.xml`): what every hook shows, payload and `FEEDD_FEED_URL` alike.
    public var url: String

    public init(name: String, title: String? = nil, url: String) {
        self.name = name
        self.title = title
        self.url = URLCredentials.masked(url)
    }
}

/// One delivery to one hook: an item (or, for a `batch` hook, every new item of one poll of a
/// feed), with the id that stays the same across retries and the attempt number.
public struct Delivery: Sendable, Hashable {
    /// What is delivered.
    public enum Content: Sendable, Hashable {
        /// One item: the hook is called once per item.
        case item(FeedItem)
        /// The items of one poll of one feed, in first-seen order, for a `batch` hook.
        case batch([FeedItem])
    }

    /// Stable across retries of this delivery, unique per (hook, item) or (hook, poll) for batches.
    public var id: String
    /// 1 for the first try, then 2, 3, …
    public var attempt: Int
    public var feed: HookFeed
    public var event: HookEvent
    public var content: Content

    public init(id: String, attempt: Int = 1, feed: HookFeed, event: HookEvent = .new, content: Content) {
        self.id = id
        self.attempt = attempt
        self.feed = feed
        self.event = event
        self.content = content
    }

    /// A delivery of one item.
    public init(id: String, attempt: Int = 1, feed: HookFeed, event: HookEvent = .new, item: FeedItem) {
        self.init(id: id, attempt: attempt, feed: feed, event: event, content: .item(item))
    }

    /// The items delivered: one, or the batch.
    public var items: [FeedItem] {
        switch content {
        case .item(let item): return [item]
        case .batch(let items): return items
        }
    }

    /// True for a batch delivery.
    public var isBatch: Bool {
        if case .batch = content { return true }
        return false
    }

    /// The same delivery with `attempt` set.
    public func attempt(_ number: Int) -> Delivery {
        var copy = self
        copy.attempt = number
        return copy
    }
}
