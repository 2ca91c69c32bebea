/// A whole feed, normalized: the document `feedd parse` prints (spec/feed-json.md).
public struct FeedDocument: Sendable, Hashable {
    public var format: FeedFormat
    public var title: String?
    public var link: String?
    public var feedURL: String?
    public var description: String?
    public var language: String?
    public var updated: Timestamp?
    public var authors: [Author]
    public var image: String?
    public var items: [FeedItem]
    /// What the parser recovered from, one sentence each; empty for a clean document.
    public var warnings: [String]
    /// When the feed says it changes (`ttl`, `skipHours`, the syndication module). Not printed by
    /// `feedd parse`: the spec's document has no such field; the daemon's schedule reads it.
    public var updateHints = UpdateHints()

    public init(
        format: FeedFormat, title: String? = nil, link: String? = nil, feedURL: String? = nil,
        description: String? = nil, language: String? = nil, updated: Timestamp? = nil,
        authors: [Author] = [], image: String? = nil, items: [FeedItem] = [], warnings: [String] = []
    ) {
        self.format = format
        self.title = title
        self.link = link
        self.feedURL = feedURL
        self.description = description
        self.language = language
        self.updated = updated
        self.authors = authors
        self.image = image
        self.items = items
        self.warnings = warnings
    }
}
