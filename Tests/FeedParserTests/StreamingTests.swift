import FeedModel
import TestSupport
import Testing

@testable import FeedParser

/// A document read in pieces (`FeedParser.Session`) must come out exactly as the same bytes read at once,
/// wherever the pieces are cut: inside a multi-byte character, a reference, a CDATA terminator, a DOCTYPE.
@Suite("Feed parser sessions (input in pieces)")
struct StreamingTests {
    /// Parses `bytes` pushed in pieces of the given sizes (cycled), or an error description.
    static func parseInPieces(
        _ bytes: [UInt8], sizes: [Int], options: FeedParser.Options
    ) -> Result<FeedDocument, ParseError> {
        let session = FeedParser(options: options).session()
        var offset = 0
        var turn = 0
        while offset < bytes.count {
            let size = min(sizes[turn % sizes.count], bytes.count - offset)
            session.push(Array(bytes[offset..<offset + size]))
            offset += size
            turn += 1
        }
        do throws(ParseError) {
            return .success(try session.finish())
        } catch {
            return .failure(error)
        }
    }

    static func parseWhole(_ bytes: [UInt8], options: FeedParser.Options) -> Result<FeedDocument, ParseError> {
        do throws(ParseError) {
            return .success(try FeedParser(options: options).parse(bytes))
        } catch {
            return .failure(error)
        }
    }

    static let cuts: [[Int]] = [[1], [2], [3], [5, 1], [7], [64], [1000, 3], [4096]]

    @Test("every fixture gives the same document however it is cut", arguments: FeedFixture.parsed)
    func fixturesInPieces(_ fixture: FeedFixture) throws {
        let bytes = try fixture.bytes()
        let whole = try #require(try? Self.parseWhole(bytes, options: fixture.options).get())
        for sizes in Self.cuts {
            let pieces = Self.parseInPieces(bytes, sizes: sizes, options: fixture.options)
            #expect(try pieces.get() == whole, "cut into pieces of \(sizes)")
        }
    }

    @Test("cuts inside references, CDATA terminators, characters and the DOCTYPE change nothing")
    func awkwardCuts() throws {
        let text = """
            <?xml version="1.0" encoding="utf-8"?>
            <!DOCTYPE rss [<!ENTITY who "Zoë">]>
            <rss version="2.0"><channel><title>AT&T &amp; &who; &nbsp;&eacute; &#X41; &#146;</title>
            <item><title>Caf\u{E9} \u{1F600} <![CDATA[a ]] > ]]]]><![CDATA[> b]]></title>
            <description><!-- a -- comment --> x <? pi ?> y</description></item></channel></rss>
            """
        var bytes = Array(text.utf8)
        bytes.append(contentsOf: [0x20, 0xE9, 0x20])  // a stray windows-1252 byte
        let options = FeedParser.Options()
        let whole = try Self.parseWhole(bytes, options: options).get()
        #expect(whole.title == "AT&T & Zoë \u{A0}é A ’")
        #expect(whole.items.first?.title == "Café 😀 a ]] > ]]> b")
        #expect(whole.items.first?.summary?.contains("x") == true)
        for cut in 1..<bytes.count {
            let pieces = Self.parseInPieces(bytes, sizes: [cut, bytes.count], options: options)
            #expect(try pieces.get() == whole, "cut at byte \(cut)")
        }
    }

    @Test("mutated fixtures give the same result however they are cut", .timeLimit(.minutes(1)))
    func mutatedInPieces() throws {
        let fixtures = FeedFixture.parsed + FeedFixture.rejected.map(\.0)
        let inputs = try fixtures.map { ($0, try $0.bytes()) }
        var random = SplitMix64(seed: 0x5EED_CAFE)
        var mismatches: [String] = []
        for round in 0..<600 {
            let (fixture, original) = inputs[round % inputs.count]
            let mutated = Mutator.mutate(original, using: &random)
            let sizes = [Int.random(in: 1...300, using: &random), Int.random(in: 1...9, using: &random)]
            let whole = Self.parseWhole(mutated, options: fixture.options)
            let pieces = Self.parseInPieces(mutated, sizes: sizes, options: fixture.options)
            let same: Bool
            switch (whole, pieces) {
            case (.success(let a), .success(let b)): same = a == b
            case (.failure(let a), .failure(let b)): same = a.description == b.description
            default: same = false
            }
            if !same { mismatches.append("round \(round) (\(fixture.path), pieces \(sizes))") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) differ: \(mismatches.prefix(5))")
    }

    @Test("a document in another encoding is held and read whole, with the same result")
    func otherEncodingsAreHeld() throws {
        var bytes = Array("<?xml version=\"1.0\" encoding=\"iso-8859-7\"?><rss><channel><title>".utf8)
        bytes += [0xE1, 0xE2, 0xE3]  // αβγ in ISO-8859-7
        bytes += Array("</title></channel></rss>".utf8)
        let document = try Self.parseInPieces(bytes, sizes: [3], options: .init()).get()
        #expect(document.title == "αβγ")
    }

    @Test("an empty session, and one fed only white space, is an empty document")
    func emptySessions() {
        let none = FeedParser().session()
        #expect(throws: ParseError.empty) { try none.finish() }
        let blank = FeedParser().session()
        blank.push(Array("  \n\t ".utf8))
        #expect(throws: ParseError.empty) { try blank.finish() }
    }
}
