/// One entry of a feed, normalized (an element of `items` in spec/feed-json.md).
public struct FeedItem: Sendable, Hashable {
    /// The id as the feed gives it (RSS guid, RDF about, Atom id, JSON id), or nil.
    public var id: String?
    /// The dedup key of this item within its feed; see `ItemKey`.
    public var key: String
    public var title: String?
    public var link: String?
    /// HTML.
    public var summary: String?
    /// HTML.
    public var content: String?
    public var published: Timestamp?
    public var updated: Timestamp?
    public var authors: [Author]
    public var categories: [String]
    public var enclosures: [Enclosure]

    public init(
        id: String? = nil, key: String = "", title: String? = nil, link: String? = nil,
        summary: String? = nil, content: String? = nil, published: Timestamp? = nil,
        updated: Timestamp? = nil, authors: [Author] = [], categories: [String] = [],
        enclosures: [Enclosure] = []
    ) {
        self.id = id
        self.key = key
        self.title = title
        self.link = link
        self.summary = summary
        self.content = content
        self.published = published
        self.updated = updated
        self.authors = authors
        self.categories = categories
        self.enclosures = enclosures
    }
}
