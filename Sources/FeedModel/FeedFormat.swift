/// The feed format a document was read from (`format` in spec/feed-json.md).
public enum FeedFormat: String, Sendable, Hashable, CaseIterable {
    case rss09x = "rss0.9x"
    case rss10 = "rss1.0"
    case rss20 = "rss2.0"
    case atom03 = "atom0.3"
    case atom10 = "atom1.0"
    case json10 = "json1.0"
    case json11 = "json1.1"
}
