import Testing
import XML

@Suite("HTML head links")
struct HTMLLinkScannerTests {
    @Test("links and the base of the head are reported with lowercased names; the body is not read")
    func head() {
        let page = """
            <!DOCTYPE html><HTML><head><title>Blog</title>
            <BASE HREF="https://example.org/blog/">
            <link rel="stylesheet" href="/style.css">
            <link REL="alternate" Type="application/rss+xml" title="Posts &amp; notes" href="feed.xml">
            </head><body><link rel="alternate" type="application/atom+xml" href="/late.xml"></body></html>
            """
        let head = HTMLLinkScanner.scan(Array(page.utf8))
        #expect(head.baseHref == "https://example.org/blog/")
        #expect(head.links.count == 2)
        #expect(head.links[1].value("rel") == "alternate")
        #expect(head.links[1].value("type") == "application/rss+xml")
        #expect(head.links[1].value("title") == "Posts & notes")
        #expect(head.links[1].value("href") == "feed.xml")
    }

    @Test("broken markup is recovered from: no head element, unclosed tags, junk bytes")
    func broken() {
        var bytes = Array("<title>x</title><link rel=alternate type=application/atom+xml href=/a.xml><link hidden".utf8)
        bytes += [0xFF, 0x00, 0xFE]
        bytes += Array("<p>text".utf8)
        let head = HTMLLinkScanner.scan(bytes)
        #expect(head.links.first?.value("href") == "/a.xml")
        #expect(HTMLLinkScanner.scan([]).links.isEmpty)
        #expect(HTMLLinkScanner.scan(Array("not html at all".utf8)).links.isEmpty)
    }
}
