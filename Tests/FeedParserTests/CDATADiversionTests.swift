import FeedModel
import TestSupport
import Testing

@testable import FeedParser

/// CDATA sections of 64 bytes or more go around libxml2 (`XMLRepairer.divertCDATA`): the repair pass takes
/// their content out and libxml2's callbacks put it back. The document must come out exactly as when
/// libxml2 reads every section itself.
@Suite("CDATA sections that go around libxml2")
struct CDATADiversionTests {
    static func parse(_ bytes: [UInt8], diverting: Bool, options: FeedParser.Options = .init()) -> Result<
        FeedDocument, ParseError
    > {
        var options = options
        options.divertsCDATA = diverting
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

    @Test("mutated documents with long CDATA sections give the same result with and without diverting")
    func mutated() throws {
        let base = Array(
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
        var random = SplitMix64(seed: 0xCDA7A)
        var mismatches: [Int] = []
        for round in 0..<400 {
            let mutated = round == 0 ? base : Mutator.mutate(base, using: &random)
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
            <rss version="2.0"><channel><item><title>a<?feedd-cdata-0 0?>b</title>
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

extension String {
    fileprivate var trimmingSpaces: String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
