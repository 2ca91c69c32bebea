import FeedModel
import FeedParser
import Testing

@Suite("OPML subscription lists")
struct OPMLTests {
    @Test("outlines are read with their nesting; text and title, xmlUrl and htmlUrl kept; entities decoded")
    func read() throws {
        let text = """
            <?xml version="1.0" encoding="ISO-8859-1"?>
            <opml version="1.1">
              <head><title>My feeds &amp; more</title></head>
              <body>
                <outline text="Tech">
                  <outline type="rss" text="LWN" title="LWN.net" xmlUrl="https://lwn.net/headlines/rss" htmlUrl="https://lwn.net/"/>
                  <outline type="rss" text="Caf\u{E9}" xmlUrl="https://example.org/?a=1&amp;b=2"/>
                </outline>
                <outline type="rss" text="Top" xmlUrl="https://example.org/top"></outline>
              </body>
            </opml>
            """
        let bytes = text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
        let document = try OPMLReader.read(bytes)
        #expect(document.title == "My feeds & more")
        #expect(document.outlines.count == 2)
        #expect(document.outlines[0].children.map(\.text) == ["LWN", "Café"])
        #expect(document.outlines[0].children[0].title == "LWN.net")
        #expect(document.outlines[0].children[0].htmlURL == "https://lwn.net/")
        #expect(document.outlines[0].children[1].xmlURL == "https://example.org/?a=1&b=2")
        let subscriptions = document.subscriptions
        #expect(subscriptions.map(\.outline.text) == ["LWN", "Café", "Top"])
        #expect(subscriptions.map(\.categories) == [["Tech"], ["Tech"], []])
    }

    @Test("what is not OPML is refused")
    func notOPML() {
        #expect(throws: OPMLError.notOPML(root: "rss")) { try OPMLReader.read(Array("<rss/>".utf8)) }
        #expect(throws: OPMLError.self) { try OPMLReader.read([]) }
    }

    @Test("the writer's output reads back the same, with markup in titles escaped")
    func roundTrip() throws {
        let document = OPMLDocument(
            title: "Export <1>",
            outlines: [
                OPMLOutline(
                    text: "News",
                    children: [
                        OPMLOutline(
                            text: "A \"quoted\" & <odd> feed", type: "rss", xmlURL: "https://example.org/feed?a=1&b=2",
                            htmlURL: "https://example.org/")
                    ]),
                OPMLOutline(text: "Plain", type: "rss", xmlURL: "https://example.org/plain"),
            ])
        let written = OPMLWriter.write(document)
        #expect(written.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">"))
        #expect(written.contains("&amp;b=2"))
        #expect(try OPMLReader.read(Array(written.utf8)) == document)
    }
}
