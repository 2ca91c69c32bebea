import FeedModel
import Foundation
import Testing

@testable import FeedParser

@Suite("The parser touches no file or network and bounds its work")
struct SecurityTests {
    private func parse(_ text: String) throws -> FeedDocument {
        try FeedParser().parse(Array(text.utf8))
    }

    @Test("an external entity naming a local file yields no file content")
    func externalEntityIsNotLoaded() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("feedd-xxe-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let secret = directory.appendingPathComponent("secret.txt")
        try Data("TOP-SECRET-CONTENT".utf8).write(to: secret)
        let document = try parse(
            """
            <?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY x SYSTEM "\(secret.absoluteString)">]>
            <rss version="2.0"><channel><title>before &x; after</title>
            <item><title>item &x;</title><description>&x;</description></item></channel></rss>
            """)
        #expect(document.title == "before after")
        #expect(document.items.first?.title == "item")
        #expect(!document.jsonString().contains("TOP-SECRET"))
        #expect(document.warnings.contains { $0.contains("external entity &x; not loaded") })
    }

    @Test("an external DTD is not read")
    func externalDTDIsNotLoaded() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("feedd-dtd-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let dtd = directory.appendingPathComponent("evil.dtd")
        try Data("<!ENTITY secret \"TOP-SECRET-DTD\">".utf8).write(to: dtd)
        let document = try parse(
            """
            <?xml version="1.0"?>
            <!DOCTYPE rss SYSTEM "\(dtd.absoluteString)">
            <rss version="2.0"><channel><title>a &secret; b</title></channel></rss>
            """)
        #expect(!document.jsonString().contains("TOP-SECRET"))
        #expect(document.title == "a &secret; b")
    }

    @Test("a billion-laughs document ends quickly, with a warning and bounded output")
    func billionLaughs() throws {
        var text = "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY lol \"lol\">\n"
        var previous = "lol"
        for level in 1...9 {
            text += "<!ENTITY lol\(level) \"" + String(repeating: "&\(previous);", count: 10) + "\">\n"
            previous = "lol\(level)"
        }
        text += "]>\n<rss version=\"2.0\"><channel><title>&lol9;</title><item><title>x</title></item></channel></rss>"
        let document = try parse(text)
        #expect(document.jsonString().utf8.count < 1 << 20)
        #expect(!document.warnings.isEmpty)
    }

    @Test("a quadratic blowup (one large entity referenced many times) stops at the text limit, in bounded time")
    func quadraticBlowup() throws {
        // 10,000 references to a 20 KB entity: 200 MB if expanded; each text is cut at the parser's limit
        // (16 MiB by default, 1 MiB here to keep the test quick).
        let entity = String(repeating: "a", count: 20_000)
        let references = String(repeating: "&big;", count: 10_000)
        let text =
            "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY big \"\(entity)\">]>\n"
            + "<rss version=\"2.0\"><channel><title>t</title><item><title>\(references)</title>"
            + "<description>\(references)</description></item><item><title>after</title></item></channel></rss>"
        let started = ContinuousClock.now
        let document = try FeedParser(options: .init(maxTextBytes: 1 << 20)).parse(Array(text.utf8))
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(document.jsonString().utf8.count < 3 << 20)
        #expect(document.warnings.contains { $0.contains("cut off") })
    }

    @Test("nesting past the limit stops the parse with a warning and keeps what came before")
    func deepNesting() throws {
        let depth = 50_000
        let text =
            "<rss><channel><title>deep</title><item><title>first</title></item><item><title>i</title>"
            + String(repeating: "<x>", count: depth) + String(repeating: "</x>", count: depth)
            + "</item></channel></rss>"
        let document = try parse(text)
        #expect(document.title == "deep")
        #expect(document.items.first?.title == "first")
        #expect(document.warnings.contains { $0.contains("nested deeper than") })
    }

    @Test("a text node larger than the limit is cut off with a warning")
    func hugeText() throws {
        let parser = FeedParser(options: .init(maxTextBytes: 1 << 16))
        let text =
            "<rss><channel><title>t</title><item><title>i</title><description>"
            + String(repeating: "a", count: 1 << 20) + "</description></item></channel></rss>"
        let document = try parser.parse(Array(text.utf8))
        let summary = try #require(document.items.first?.summary)
        #expect(summary.utf8.count <= 1 << 16)
        #expect(document.warnings.contains { $0.contains("cut off") })
    }
}
