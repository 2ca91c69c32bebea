import FeedModel
import Testing

@testable import FeedParser

/// The readings taken over from feedparser where spec/feed-json.md is silent.
@Suite("Readings shared with feedparser")
struct FeedparserReadingTests {
    private func parse(_ text: String) throws -> FeedDocument {
        try FeedParser().parse(Array(text.utf8))
    }

    @Test("of several dates of one kind the last wins")
    func lastDateWins() throws {
        let document = try parse(
            """
            <feed xmlns="http://www.w3.org/2005/Atom"><entry><id>a</id>
            <updated>2010-12-01T10:14:55Z</updated><updated>2003-12-31T10:14:55Z</updated>
            </entry></feed>
            """)
        #expect(document.items.first?.updated == Timestamp(secondsSince1970: 1_072_865_695))
    }

    @Test("an RSS item's made-up summary is the content after a description, the summary before one")
    func rssSummaryAndDescription() throws {
        let first = try parse(
            "<rss><channel><item><description>D</description><summary>S</summary></item></channel></rss>")
        #expect(first.items.first?.summary == "D")
        #expect(first.items.first?.content == "S")
        let second = try parse(
            "<rss><channel><item><summary>S</summary><description>D</description></item></channel></rss>")
        #expect(second.items.first?.summary == "S")
        #expect(second.items.first?.content == "D")
        let repeated = try parse(
            "<rss><channel><item><description>D</description><description>E</description></item></channel></rss>")
        #expect(repeated.items.first?.summary == "D")
        #expect(repeated.items.first?.content == nil)
    }

    @Test("an RSS item's made-up tags element gives comma-separated categories in document order")
    func rssTags() throws {
        let document = try parse(
            "<rss><channel><item><tags>tag one, tag two</tags><category>c</category></item></channel></rss>")
        #expect(document.items.first?.categories == ["tag one", "tag two", "c"])
    }

    @Test("an XHTML div around escaped HTML in type=\"html\" content is a wrapper")
    func divAroundEscapedHTML() throws {
        let document = try parse(
            """
            <feed xmlns="http://www.w3.org/2005/Atom"><entry><id>a</id><content type="html">\
            <div xmlns="http://www.w3.org/1999/xhtml">Example &lt;b&gt;Atom&lt;/b&gt;</div></content></entry></feed>
            """)
        #expect(document.items.first?.content == "Example <b>Atom</b>")
    }

    @Test("a stray <! in HTML is text, while comments, CDATA and declarations stay")
    func strayMarkupDeclaration() throws {
        let document = try parse(
            "<rss><channel><item><description>&lt;!' &lt;a href=\"foo\"&gt; &lt;!-- c --&gt;</description></item></channel></rss>"
        )
        #expect(document.items.first?.summary == "&lt;!' <a href=\"foo\"> <!-- c -->")
    }

    @Test("the Atom draft namespace example.com/necho and Userland's rss2.1 namespace are read")
    func oddNamespaces() throws {
        let atom = try parse(#"<feed version="0.3" xmlns="http://example.com/necho"><title>T</title></feed>"#)
        #expect(atom.title == "T")
        let rss = try parse(
            #"<rss xmlns="http://backend.userland.com/rss2.1"><channel><description>D</description></channel></rss>"#)
        #expect(rss.description == "D")
    }
}
