/// Why a document could not be read as a feed at all. Everything short of this is recovered and
/// reported in the document's `warnings`.
public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input has no bytes, or white space only.
    case empty
    /// The root is not a feed element: `root` is its name as written.
    case notAFeed(root: String)
    /// The bytes are not XML (nor JSON) at all; `detail` is the parser's message.
    case unreadable(detail: String)
    /// It looks like JSON but is not a JSON Feed; `detail` says why.
    case notAJSONFeed(detail: String)

    public var description: String {
        switch self {
        case .empty:
            return "not a feed: the document is empty"
        case .notAFeed(let root):
            return "not a feed: root element <\(root)> (expected rss, RDF, feed or a JSON Feed object)"
        case .unreadable(let detail):
            return "not a feed: \(detail)"
        case .notAJSONFeed(let detail):
            return "not a feed: \(detail)"
        }
    }
}
