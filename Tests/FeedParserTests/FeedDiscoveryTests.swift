import FeedParser
import Testing

@Suite("Feed discovery")
struct FeedDiscoveryTests {
    @Test("a page's alternate feed links, resolved against <base href>, other types, schemes and duplicates dropped")
    func candidates() {
        let page = """
            <!DOCTYPE html><html><head><base href="/blog/">
            <link rel="stylesheet" href="style.css">
            <link rel="alternate" type="application/rss+xml; charset=utf-8" href="rss.xml" title="News">
            <link rel="Alternate" type="APPLICATION/ATOM+XML" href="https://example.org/atom">
            <link rel="alternate" type="text/html" href="other.html">
            <link rel="alternate" type="application/feed+json" href="javascript:alert(1)">
            <link rel="alternate" type="application/rss+xml" href="/blog/rss.xml" title="Again">
            </head><body></body></html>
            """
        let found = FeedDiscovery.candidates(inPage: Array(page.utf8), pageURL: "https://example.org/page")
        #expect(
            found == [
                FeedDiscovery.Candidate(
                    url: "https://example.org/blog/rss.xml", type: "application/rss+xml", title: "News"),
                FeedDiscovery.Candidate(url: "https://example.org/atom", type: "application/atom+xml"),
            ])
    }

    @Test("a page that names no feed, and bytes that are no page, give no candidate")
    func none() {
        #expect(FeedDiscovery.candidates(inPage: Array("<html><head></head></html>".utf8), pageURL: nil).isEmpty)
        #expect(FeedDiscovery.candidates(inPage: [0, 1, 2, 255], pageURL: "https://example.org/").isEmpty)
    }
}
