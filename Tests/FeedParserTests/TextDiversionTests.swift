import FeedModel
import TestSupport
import Testing

@_spi(Testing) @testable import FeedParser

/// Long text goes around libxml2 (`XMLRepairer.divertText`): the repair pass takes CDATA sections and runs
/// of escaped text out and libxml2's callbacks put them back. The document must come out exactly as when
/// libxml2 reads all the text itself.
@Suite("Text that goes around libxml2")
struct TextDiversionTests {
    static func parse(_ bytes: [UInt8], diverting: Bool, options: FeedParser.Options = .init()) -> Result<
        FeedDocument, ParseError
    > {
        var options = options
        options.divertsText = diverting
        do throws(ParseError) {
            return .success(try FeedParser(options: options).parse(bytes))
        } catch {
            return .failure(error)
        }
    }

    static func same(_ a: Result<FeedDocument, ParseError>, _ b: Result<FeedDocument, ParseError>) -> Bool {
        switch (a, b) {
        case (.success(let a), .success(let b)): return a == b
        case (.failure(let a), .failure(let b)): return a.description == b.description
        default: return false
        }
    }

    static let long = String(repeating: "Lorem ipsum <b>dolor</b> & sit amet. ", count: 4)

    @Test("every fixture gives the same document with and without diverting")
    func fixtures() throws {
        for fixture in FeedFixture.parsed + FeedFixture.rejected.map(\.0) {
            let bytes = try fixture.bytes()
            #expect(
                Self.same(
                    Self.parse(bytes, diverting: true, options: fixture.options),
                    Self.parse(bytes, diverting: false, options: fixture.options)),
                "\(fixture.path)")
        }
    }

    static let escaped = String(
        repeating: "&lt;p&gt;Caf&#233; &amp;amp; &#x1F600; &quot;q&quot; &apos;a&apos; ", count: 3)

    @Test("mutated documents with long text give the same result with and without diverting")
    func mutated() throws {
        let cdata = Array(
            """
            <?xml version="1.0" encoding="utf-8"?>
            <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>
            <item><title><![CDATA[\(Self.long)]]></title><guid>1</guid>
            <content:encoded><![CDATA[<p>\(Self.long)</p>
            <p>second line ]] ]]]]><![CDATA[> \(Self.long)</p>]]></content:encoded>
            <pubDate>Mon, 02 Jan 2006 15:04:05 GMT</pubDate></item>
            <item><description><![CDATA[\(Self.long)
            \(Self.long)]]></description><pubDate>not a date</pubDate></item></channel></rss>
            """.utf8)
        let escaped = Array(
            """
            <?xml version="1.0" encoding="utf-8"?>
            <!DOCTYPE feed [<!ENTITY who "Zoë">]>
            <feed xmlns="http://www.w3.org/2005/Atom"><title type="html">\(Self.escaped)</title>
            <entry><id>1</id><content type="html" xml:base="http://example.com/a/">\(Self.escaped)
            &lt;a href=&quot;b?x=1&amp;amp;y=2&quot;&gt;link&lt;/a&gt; \(Self.escaped)</content>
            <summary type='html' >\(Self.escaped) &#146; &nbsp; &who; AT&T</summary></entry>
            <entry><id>2</id><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p title="a>b">\(Self.escaped)</p>
            </div></content></entry></feed>
            """.utf8)
        var random = SplitMix64(seed: 0xCDA7A)
        var mismatches: [Int] = []
        for round in 0..<800 {
            let base = round % 2 == 0 ? cdata : escaped
            let mutated = round < 2 ? base : Mutator.mutate(base, using: &random)
            if !Self.same(Self.parse(mutated, diverting: true), Self.parse(mutated, diverting: false)) {
                mismatches.append(round)
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) differ, first rounds \(mismatches.prefix(5))")
    }

    @Test("line numbers after a diverted section are unchanged")
    func lineNumbers() throws {
        let text = """
            <rss version="2.0"><channel><title>T</title><item><description><![CDATA[\(Self.long)
            one
            two
            three]]></description>
            <pubDate>not a date</pubDate></item></channel></rss>
            """
        let document = try Self.parse(Array(text.utf8), diverting: true).get()
        #expect(document.items.first?.summary?.hasSuffix("three") == true)
        #expect(document.warnings.contains { $0.hasPrefix("line 5: ") }, "\(document.warnings)")
    }

    @Test("carriage returns in a section are kept, as libxml2's push parser keeps them in CDATA")
    func carriageReturns() throws {
        let text =
            "<rss version=\"2.0\"><channel><item><description><![CDATA[\(Self.long)\r\nnext\rlast]]>"
            + "</description></item></channel></rss>"
        let diverted = try Self.parse(Array(text.utf8), diverting: true).get()
        #expect(diverted == (try Self.parse(Array(text.utf8), diverting: false).get()))
        #expect(diverted.items.first?.summary?.hasSuffix("\r\nnext\rlast") == true)
    }

    @Test("a control character in a CDATA section is dropped and the rest of the document is read")
    func controlCharacters() throws {
        for long in [false, true] {
            let body = long ? String(repeating: "plain text, ", count: 8) + "end" : "a"
            let text =
                "<rss version=\"2.0\"><channel><title>T</title><item><title><![CDATA[\(body)\u{1}b]]></title>"
                + "</item><item><title>second</title></item></channel></rss>"
            let document = try Self.parse(Array(text.utf8), diverting: true).get()
            #expect(document.items.map(\.title) == [body + "b", "second"])
            #expect(document.warnings.contains { $0.contains("control character XML forbids dropped") })
        }
    }

    @Test("an instruction that names the placeholder target of another parser is ignored")
    func foreignPlaceholders() throws {
        let text = """
            <rss version="2.0"><channel><item><title>a<?feedd-text-0 0?>b</title>
            <description><![CDATA[\(Self.long)]]></description></item></channel></rss>
            """
        let document = try Self.parse(Array(text.utf8), diverting: true).get()
        #expect(document.items.first?.title == "ab")
        #expect(document.items.first?.summary == Self.long.trimmingSpaces)
    }

    @Test("a diverted section in XHTML content is escaped like any text")
    func xhtml() throws {
        let text = """
            <feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id>
            <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p><![CDATA[\(Self.long)]]></p></div></content>
            </entry></feed>
            """
        let diverted = try Self.parse(Array(text.utf8), diverting: true).get()
        let direct = try Self.parse(Array(text.utf8), diverting: false).get()
        #expect(diverted == direct)
        #expect(diverted.items.first?.content?.contains("&lt;b&gt;dolor&lt;/b&gt; &amp; sit") == true)
    }
}

extension TextDiversionTests {
    @Test("escaped HTML is decoded as libxml2 decodes it, references that need mending included")
    func escapedText() throws {
        let cases = [
            Self.escaped,
            Self.escaped + " &#146; (a C1 reference)",
            Self.escaped + " &nbsp; (an HTML entity)",
            Self.escaped + " AT&T (a bare ampersand)",
            Self.escaped + " &#X41; &#0; &#xD800; (references to mend or drop)",
            Self.escaped + " ]]> (not allowed in text)",
            Self.escaped + " \u{1} (a control character)",
            Self.escaped + " \u{FFFF} \u{85} (characters XML reads its own way)",
            Self.escaped + "\r\n (a carriage return)",
        ]
        for text in cases {
            let document = Array(
                """
                <feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id>
                <content type="html" xml:lang='en'>\(text)</content><summary type="text">\(text)</summary>
                </entry></feed>
                """.utf8)
            let diverted = Self.parse(document, diverting: true)
            #expect(Self.same(diverted, Self.parse(document, diverting: false)), "\(text.suffix(40))")
        }
        let plain = try Self.parse(
            Array("<rss><channel><item><description>\(Self.escaped)</description></item></channel></rss>".utf8),
            diverting: true
        ).get()
        #expect(plain.items.first?.summary?.hasPrefix("<p>Café &amp; 😀 \"q\" 'a' <p>") == true)
    }

    @Test("escaped text after an error in the document keeps its references, diverted or not")
    func afterAnError() throws {
        let document = try Self.parse(
            Array(
                """
                <rss version="2.0"><channel><title a=b>T</title><item><title>x &lt;b&gt; &amp; y</title>
                <description>\(Self.escaped)</description></item></channel></rss>
                """.utf8), diverting: true
        ).get()
        #expect(!document.warnings.isEmpty)
        #expect(document.items.first?.title == "x & y")
        #expect(document.items.first?.summary?.hasPrefix("<p>Café &amp; 😀") == true)
    }
}

extension TextDiversionTests {
    /// Documents where this pass and libxml2 could read the structure differently (found by
    /// `scripts/fuzz-parse`): diverting must stop, or not start, and change nothing.
    static let structuralDoubts: [String] = [
        // CDATA before the root element: an error libxml2 reports where it is.
        "<?xml version=\"1.0\"?><![CDATA[\(long)]]>\n\n<rss version=\"2.0\"><channel><title>T</title></channel></rss>",
        // A `<` inside an attribute value: the rest of the start tag is libxml2's guess.
        "<rss version=\"2.0\" a=\"x <title>\(long)</title>\"><channel><title>\(long)</title></channel></rss>",
        // An XML declaration that runs into the document.
        "<?xml version=\"1.0\" encoding=\"U</title><rss version=\"2.0\"><channel><title>\(long)</title>"
            + "<description>\(long)?></description></channel></rss>",
        // An internal subset whose entity holds markup.
        "<!DOCTYPE rss [<!ENTITY e \"<b>\(long)</b>\">]><rss version=\"2.0\"><channel><title>&e; \(long)</title>"
            + "</channel></rss>",
        // A CDATA section opened inside a start tag and never closed.
        "<rss version=\"2.0\"><channel><link<![CDATA[>http://example.com/</link><title>\(long)</title>"
            + "</channel></rss>",
    ]

    @Test("a long document with much diverted text (the queue compacted on the way) reads the same")
    func longDocument() throws {
        var text = "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel>"
        for number in 0..<300 {
            text += "<item><guid>\(number)</guid><description>\(Self.escaped) \(number)</description>"
            text += "<content:encoded><![CDATA[<p>\(number)</p>\(String(repeating: Self.long, count: 8))]]>"
            text += "</content:encoded></item>\n"
        }
        text += "</channel></rss>"
        let bytes = Array(text.utf8)
        #expect(bytes.count > 1 << 18)
        let diverted = try Self.parse(bytes, diverting: true).get()
        #expect(diverted == (try Self.parse(bytes, diverting: false).get()))
        #expect(diverted.items.count == 300)
        #expect(diverted.items.last?.content?.hasPrefix("<p>299</p>Lorem ipsum") == true)
    }

    @Test("where the structure is in doubt, diverting changes nothing, however the input is cut")
    func structuralDoubtsChangeNothing() throws {
        for text in Self.structuralDoubts {
            let bytes = Array(text.utf8)
            let direct = Self.parse(bytes, diverting: false)
            #expect(Self.same(Self.parse(bytes, diverting: true), direct), "\(text.prefix(60))")
            for size in [1, 7, 61, 64] {
                let session = FeedParser().session()
                var start = 0
                while start < bytes.count {
                    session.push(Array(bytes[start..<min(start + size, bytes.count)]))
                    start += size
                }
                let pieces: Result<FeedDocument, ParseError>
                do throws(ParseError) {
                    pieces = .success(try session.finish())
                } catch {
                    pieces = .failure(error)
                }
                #expect(Self.same(pieces, direct), "pieces of \(size): \(text.prefix(60))")
            }
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
