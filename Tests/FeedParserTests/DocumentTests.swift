import FeedModel
import Testing

@testable import FeedParser

@Suite("Normalization rules of spec/feed-json.md")
struct DocumentTests {
    private func parse(_ text: String, base: String? = nil, charset: String? = nil) throws -> FeedDocument {
        try FeedParser(options: .init(baseURL: base, charset: charset)).parse(Array(text.utf8))
    }

    @Test("an HTML page is not a feed, and the error names its root")
    func htmlIsNotAFeed() {
        #expect(throws: ParseError.notAFeed(root: "html")) {
            try parse("<!DOCTYPE html><html><head><title>x</title></head><body></body></html>")
        }
        #expect(
            ParseError.notAFeed(root: "html").description
                == "not a feed: root element <html> (expected rss, RDF, feed or a JSON Feed object)")
    }

    @Test("a JSON Feed with bytes that are not UTF-8 reads them as windows-1252, with a warning")
    func jsonFeedWithLatin1() throws {
        var bytes = Array(#"{"version":"https://jsonfeed.org/version/1.1","title":"Caf"#.utf8)
        bytes += [0xE9]
        bytes += Array(#"","items":[{"id":"1","title":"na"#.utf8)
        bytes += [0xEF]
        bytes += Array(#"ve \u2014 ok","content_text":"x"}]}"#.utf8)
        let document = try FeedParser().parse(bytes)
        #expect(document.title == "Café")
        #expect(document.items.first?.title == "naïve — ok")
        #expect(document.warnings == ["2 bytes that are not UTF-8 read as windows-1252"])
    }

    @Test("a JSON Feed with raw control characters inside strings is read, with a warning")
    func jsonFeedWithControlCharacters() throws {
        let text =
            "{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"Tab\there\","
            + "\"items\":[{\"id\":\"1\",\"content_text\":\"line\nbreak \\\" quote\u{1}\"}]}"
        let document = try parse(text)
        #expect(document.title == "Tab here")
        #expect(document.items.first?.content?.hasPrefix("line\nbreak \" quote") == true)
        #expect(document.warnings == ["3 control characters inside strings escaped"])
    }

    @Test("a lone surrogate escape in a JSON Feed string becomes U+FFFD with a warning; the other items are read")
    func jsonFeedWithLoneSurrogates() throws {
        let text = #"""
            {"version":"https://jsonfeed.org/version/1.1","title":"Lone \ud800 high",
            "items":[{"id":"1","title":"high then text \uD800x"},
            {"id":"2","title":"high then high \ud800\ud801 end"},
            {"id":"3","title":"lone low \udc00"},
            {"id":"4","title":"pair \ud83d\ude00 ok","content_text":"escaped \\ud800 is text"},
            {"id":"5","title":"high then escape \ud800\n"}]}
            """#
        let document = try parse(text)
        #expect(document.title == "Lone \u{FFFD} high")
        #expect(
            document.items.map(\.title) == [
                "high then text \u{FFFD}x", "high then high \u{FFFD}\u{FFFD} end", "lone low \u{FFFD}",
                "pair \u{1F600} ok", "high then escape \u{FFFD}",
            ])
        #expect(document.items[3].content == "escaped \\ud800 is text")
        #expect(document.warnings == ["6 lone UTF-16 surrogate escapes (\\uD800-\\uDFFF) replaced by U+FFFD"])
    }

    @Test("an empty or blank input is not a feed")
    func emptyIsNotAFeed() {
        #expect(throws: ParseError.empty) { try parse("") }
        #expect(throws: ParseError.empty) { try parse(" \n\t ") }
    }

    @Test("binary junk is not a feed")
    func binaryIsNotAFeed() {
        #expect(throws: ParseError.self) { try FeedParser().parse([0x00, 0x01, 0xFF, 0x42, 0x13, 0x37]) }
    }

    @Test("text fields are plain text, HTML fields keep markup and relative URLs become absolute")
    func fieldsFollowTheSpec() throws {
        let document = try parse(
            """
            <rss version="2.0"><channel><title>  Tom &amp;amp; Jerry
              News </title><link>/home</link>
            <item><title>&lt;b&gt;Bold&lt;/b&gt; move</title><link>story/1</link>
            <description>&lt;p&gt;See &lt;a href="/x"&gt;this&lt;/a&gt;&lt;/p&gt;</description>
            <pubDate>Sat, 28 Nov 2026 09:15:00 +0100</pubDate></item></channel></rss>
            """, base: "https://example.org/feeds/main.xml")
        #expect(document.title == "Tom & Jerry News")
        #expect(document.link == "https://example.org/home")
        let item = try #require(document.items.first)
        #expect(item.title == "Bold move")
        #expect(item.link == "https://example.org/feeds/story/1")
        #expect(item.summary == "<p>See <a href=\"https://example.org/x\">this</a></p>")
        #expect(item.published?.rfc3339 == "2026-11-28T08:15:00Z")
        #expect(document.warnings.isEmpty)
    }

    @Test("Atom type=text is HTML-escaped in HTML fields; xhtml loses its wrapper div")
    func atomContentTypes() throws {
        let document = try parse(
            """
            <feed xmlns="http://www.w3.org/2005/Atom"><title type="text">A &lt;b&gt; tag</title>
            <entry><title>t</title><summary type="text">1 &lt; 2</summary>
            <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi &amp; <a href="x">bye</a></p></div></content>
            </entry></feed>
            """, base: "http://example.com/a/feed")
        #expect(document.format == .atom10)
        #expect(document.title == "A <b> tag")
        let item = try #require(document.items.first)
        #expect(item.summary == "1 &lt; 2")
        #expect(item.content == "<p>Hi &amp; <a href=\"http://example.com/a/x\">bye</a></p>")
    }

    @Test("nested xml:base resolves links on the element that carries it and below")
    func nestedXMLBase() throws {
        let document = try parse(
            """
            <feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://example.com/root/">
            <entry xml:base="entries/"><title>t</title><link href="one.html"/>
            <content type="html" xml:base="/abs/">&lt;img src="pic.png"&gt;</content></entry></feed>
            """)
        let item = try #require(document.items.first)
        #expect(item.link == "http://example.com/root/entries/one.html")
        #expect(item.content == "<img src=\"http://example.com/abs/pic.png\">")
    }

    @Test("repeated ids are not trusted: keys fall back to the links, with a warning")
    func repeatedIDs() throws {
        let document = try parse(
            """
            <rss version="2.0"><channel><title>t</title>
            <item><guid isPermaLink="false">same</guid><link>http://e.com/1</link></item>
            <item><guid isPermaLink="false">same</guid><link>http://e.com/2</link></item>
            </channel></rss>
            """)
        #expect(document.items.count == 2)
        #expect(document.items[0].key == ItemKey.make(.link("http://e.com/1")))
        #expect(document.items[1].key == ItemKey.make(.link("http://e.com/2")))
        #expect(document.warnings.contains { $0.contains("\"same\" is used by 2 items") })
    }

    @Test("an item without id or link gets a key from its content")
    func contentKey() throws {
        let document = try parse("<rss><channel><item><title>Only a title</title></item></channel></rss>")
        let item = try #require(document.items.first)
        #expect(item.key == ItemKey.make(.content(title: "Only a title", published: nil, summary: nil)))
        #expect(item.key.hasPrefix("sha256:"))
    }

    @Test("the caller's charset wins over the XML declaration")
    func callerCharset() throws {
        let bytes: [UInt8] =
            Array("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><channel><title>caf".utf8) + [0xE9]
            + Array("</title></channel></rss>".utf8)
        let document = try FeedParser(options: .init(charset: "iso-8859-1")).parse(bytes)
        #expect(document.title == "café")
    }

    @Test("a JSON Feed 1.1 is read, with authors, tags and attachments")
    func jsonFeed() throws {
        let document = try parse(
            """
            {"version": "https://jsonfeed.org/version/1.1", "title": "J", "home_page_url": "https://j.example/",
             "items": [{"id": 7, "url": "/p/7", "title": "Seven", "content_text": "a < b",
                        "date_published": "2026-11-28T10:00:00+02:00", "authors": [{"name": "Ann"}],
                        "tags": ["x"], "attachments": [{"url": "/a.mp3", "mime_type": "audio/mpeg", "size_in_bytes": 12}]}]}
            """, base: "https://j.example/feed.json")
        #expect(document.format == .json11)
        let item = try #require(document.items.first)
        #expect(item.id == "7")
        #expect(item.link == "https://j.example/p/7")
        #expect(item.content == "a &lt; b")
        #expect(item.published?.rfc3339 == "2026-11-28T08:00:00Z")
        #expect(item.authors == [Author(name: "Ann")])
        #expect(item.enclosures == [Enclosure(url: "https://j.example/a.mp3", type: "audio/mpeg", length: 12)])
    }

    @Test("JSON Feed text fields are plain text like every other format's")
    func jsonTextFields() throws {
        let document = try parse(
            """
            {"version": "https://jsonfeed.org/version/1", "title": "Tom &amp; Jerry",
             "items": [{"id": "1", "title": "It&#8217;s <b>bold</b>", "author": {"name": "Ann &amp; <i>Bo</i>"},
                        "tags": ["a &amp; b", "<b>c</b>"]}]}
            """)
        #expect(document.title == "Tom & Jerry")
        let item = try #require(document.items.first)
        #expect(item.title == "It\u{2019}s bold")
        #expect(item.authors.first?.name == "Ann & Bo")
        #expect(item.categories == ["a & b", "c"])
    }

    @Test("RDF with its channel in the Netscape namespace is RSS 0.90")
    func rss090() throws {
        let document = try parse(
            """
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" \
            xmlns="http://my.netscape.com/rdf/simple/0.9/"><channel><title>Old</title></channel>
            <item><title>x</title><link>http://e.com/1</link></item></rdf:RDF>
            """)
        #expect(document.format == .rss09x)
        #expect(document.title == "Old")
        #expect(document.items.first?.link == "http://e.com/1")
    }
}
