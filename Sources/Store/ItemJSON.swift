import FeedModel
internal import FoundationEssentials

/// Reads an item body (the item object of spec/feed-json.md) back into a `FeedItem`.
enum ItemJSON {
    private struct Body: Decodable {
        struct Person: Decodable {
            var name: String?
            var email: String?
            var uri: String?
        }

        struct File: Decodable {
            var url: String
            var type: String?
            var length: Int64?
        }

        var id: String?
        var key: String
        var title: String?
        var link: String?
        var summary: String?
        var content: String?
        var published: String?
        var updated: String?
        var authors: [Person]
        var categories: [String]
        var enclosures: [File]
    }

    static func decode(_ bytes: ArraySlice<UInt8>) -> FeedItem? {
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(bytes)) else { return nil }
        return FeedItem(
            id: body.id, key: body.key, title: body.title, link: body.link, summary: body.summary,
            content: body.content, published: body.published.flatMap(timestamp),
            updated: body.updated.flatMap(timestamp),
            authors: body.authors.map { Author(name: $0.name, email: $0.email, uri: $0.uri) },
            categories: body.categories,
            enclosures: body.enclosures.map { Enclosure(url: $0.url, type: $0.type, length: $0.length) })
    }

    static func timestamp(_ text: String) -> Timestamp? { Timestamp(rfc3339: text) }

    private struct KeyOnly: Decodable {
        var key: String
    }

    /// The `key` of an item body, or nil when the body does not decode.
    static func key(_ bytes: ArraySlice<UInt8>) -> String? {
        (try? JSONDecoder().decode(KeyOnly.self, from: Data(bytes)))?.key
    }
}
