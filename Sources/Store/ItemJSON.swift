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

    /// `YYYY-MM-DDTHH:MM:SSZ`, as `Timestamp.rfc3339` writes it.
    static func timestamp(_ text: String) -> Timestamp? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            bytes[19] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        return Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }
}
