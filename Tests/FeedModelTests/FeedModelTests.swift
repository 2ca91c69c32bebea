import FeedModel
import Foundation
import Testing

@Suite("FeedModel values and their JSON")
struct FeedModelTests {
    @Test("timestamps print as RFC 3339 in UTC and reject impossible dates")
    func timestamps() throws {
        let stamp = try #require(
            Timestamp(year: 2026, month: 11, day: 28, hour: 9, minute: 15, second: 0, offsetSeconds: 3600))
        #expect(stamp.rfc3339 == "2026-11-28T08:15:00Z")
        #expect(Timestamp(secondsSince1970: 0).rfc3339 == "1970-01-01T00:00:00Z")
        #expect(Timestamp(secondsSince1970: -1).rfc3339 == "1969-12-31T23:59:59Z")
        #expect(Timestamp(year: 2024, month: 2, day: 29)?.rfc3339 == "2024-02-29T00:00:00Z")
        #expect(Timestamp(year: 2023, month: 2, day: 29) == nil)
        #expect(Timestamp(year: 2023, month: 4, day: 31) == nil)
        #expect(Timestamp(year: 2023, month: 13, day: 1) == nil)
        #expect(
            Timestamp(year: 2023, month: 12, day: 31, hour: 23, minute: 59, second: 60)?.rfc3339
                == "2024-01-01T00:00:00Z")
    }

    @Test("every field is present in the JSON, missing ones as null or []")
    func documentJSON() throws {
        let document = FeedDocument(format: .rss20, items: [FeedItem(key: "sha256:x")])
        let data = Data(document.jsonString().utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "format", "title", "link", "feed_url", "description", "language", "updated", "authors", "image",
                "items", "warnings",
            ])
        #expect(object["title"] is NSNull)
        let item = try #require((object["items"] as? [[String: Any]])?.first)
        #expect(
            Set(item.keys) == [
                "id", "key", "title", "link", "summary", "content", "published", "updated", "authors", "categories",
                "enclosures",
            ])
        #expect(item["content"] is NSNull)
        #expect((item["categories"] as? [Any])?.isEmpty == true)
    }

    @Test("strings are escaped so any text round-trips through a JSON parser")
    func escaping() throws {
        let tricky = "quote \" backslash \\ newline \n tab \t bell \u{7} nul \u{0} é 中 😀"
        let document = FeedDocument(format: .atom10, title: tricky)
        for pretty in [false, true] {
            let data = Data(document.jsonString(pretty: pretty).utf8)
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(object["title"] as? String == tricky)
        }
    }

    @Test("strings are written as exactly these bytes: runs copied whole, escapes at any place")
    func escapingBytes() {
        func written(_ value: String) -> String {
            var writer = JSONWriter()
            writer.string(value)
            return String(decoding: writer.bytes, as: UTF8.self)
        }
        #expect(written("") == #""""#)
        #expect(written("plain é 中 😀") == #""plain é 中 😀""#)
        #expect(written("\"") == #""\"""#)
        #expect(written("\"a\\") == #""\"a\\""#)
        #expect(written("\n\r\t") == #""\n\r\t""#)
        #expect(written("a\u{1}b\u{1F}c") == #""a\u0001b\u001fc""#)
        #expect(written("<a href=\"x\">\n</a>") == #""<a href=\"x\">\n</a>""#)
        // Longer than a small string, escapes at both ends and in between.
        let long = "\"" + String(repeating: "<p class=\"c\">text é</p>\n", count: 200) + "\\"
        let expected =
            "\"\\\"" + String(repeating: "<p class=\\\"c\\\">text é</p>\\n", count: 200) + "\\\\\""
        #expect(written(long) == expected)
        // DEL and bytes above it are written as they are.
        #expect(written("\u{7F}\u{80}") == "\"\u{7F}\u{80}\"")
    }

    @Test("item keys differ by source kind and are stable")
    func itemKeys() {
        let byID = ItemKey.make(.id("http://e.com/1"))
        #expect(byID == ItemKey.make(.id("http://e.com/1")))
        #expect(byID != ItemKey.make(.link("http://e.com/1")))
        #expect(byID.hasPrefix("sha256:") && byID.count == 7 + 64)
        // The SHA-256 of "id", NUL, the id (Python: hashlib.sha256(b"id\0http://e.com/1")): keys in stores
        // written by earlier versions must not change.
        #expect(byID == "sha256:3ca4b547930ae1d7d1daf19f4ae5244e29349f911f10d22d08425c5f0419df08")
        #expect(ItemKey.digest(id: "http://e.com/1").key == byID)
        #expect(
            ItemKey.make(.content(title: "a", published: nil, summary: "b"))
                == "sha256:d683e81a299c9d3452891688e13672bd582cb582e2e2b75b1a8215cd7b14c108")
        #expect(ItemKey.digest(id: "http://e.com/1") == ItemKey.digest(id: "http://e.com/1"))
        #expect(ItemKey.digest(id: "http://e.com/1") != ItemKey.digest(link: "http://e.com/1"))
        #expect(
            ItemKey.make(.content(title: "a", published: nil, summary: "b"))
                != ItemKey.make(.content(title: "ab", published: nil, summary: nil)))
    }
}
