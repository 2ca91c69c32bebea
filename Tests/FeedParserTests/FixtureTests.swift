import FeedModel
import Foundation
import TestSupport
import Testing

@testable import FeedParser

@Suite("Feed fixtures")
struct FixtureTests {
    /// `RECORD_FIXTURES=1` rewrites the expected files in the source tree instead of comparing.
    static let recording = ProcessInfo.processInfo.environment["RECORD_FIXTURES"] == "1"

    @Test("parses each fixture to its expected normalized document", arguments: FeedFixture.parsed)
    func matchesExpected(_ fixture: FeedFixture) throws {
        let document = try FeedParser(options: fixture.options).parse(fixture.bytes())
        let json = document.jsonString(pretty: true)
        if Self.recording {
            let url = fixtureSourceURL(fixture.expectedPath)
            try Data((json + "\n").utf8).write(to: url)
            return
        }
        let expectedData = try Data(contentsOf: Fixtures.url(fixture.expectedPath))
        let expected = try JSONSerialization.jsonObject(with: expectedData, options: [.fragmentsAllowed])
        let actual = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        let differences = jsonDifferences(expected, actual)
        #expect(
            differences.isEmpty,
            "\(fixture.path) differs from \(fixture.expectedPath):\n\(differences.joined(separator: "\n"))\nactual:\n\(json)"
        )
    }

    @Test("a fixture that is not a feed throws the matching error", arguments: FeedFixture.rejected)
    func rejects(_ fixture: FeedFixture, expected: ParseError) throws {
        let bytes = try fixture.bytes()
        #expect(throws: expected) {
            _ = try FeedParser(options: fixture.options).parse(bytes)
        }
    }

    @Test("broken fixtures warn and clean ones do not")
    func warningsMarkBrokenFixtures() throws {
        for fixture in FeedFixture.parsed {
            let document = try FeedParser(options: fixture.options).parse(fixture.bytes())
            let broken = FeedFixture.broken.contains(fixture.path)
            #expect(
                document.warnings.isEmpty != broken,
                "\(fixture.path): warnings \(document.warnings)")
        }
    }

    @Test("parsing the same bytes twice gives the same item keys")
    func keysAreStable() throws {
        for fixture in FeedFixture.parsed {
            let bytes = try fixture.bytes()
            let parser = FeedParser(options: fixture.options)
            let first = try parser.parse(bytes).items.map(\.key)
            let second = try parser.parse(bytes).items.map(\.key)
            #expect(first == second, "\(fixture.path)")
            #expect(first.allSatisfy { !$0.isEmpty }, "\(fixture.path)")
        }
    }

    @Test("an item's key follows its guid, not its title")
    func keyIgnoresTitleChange() throws {
        let fixture = FeedFixture(path: "feeds/rss/rss20.xml", charset: nil)
        let original = String(decoding: try fixture.bytes(), as: UTF8.self)
        let retitled = original.replacingOccurrences(of: "Leaders meet in Beijing", with: "Leaders met in Beijing")
        let newGuid = original.replacingOccurrences(
            of: "https://news.example.com/articles/1#0", with: "https://news.example.com/articles/1#1")
        #expect(retitled != original && newGuid != original)
        let parser = FeedParser(options: fixture.options)
        let before = try parser.parse(Array(original.utf8))
        let afterTitle = try parser.parse(Array(retitled.utf8))
        let afterGuid = try parser.parse(Array(newGuid.utf8))
        try #require(before.items.count == 2 && afterTitle.items.count == 2 && afterGuid.items.count == 2)
        #expect(afterTitle.items[0].title == "Leaders met in Beijing")
        #expect(afterTitle.items.map(\.key) == before.items.map(\.key))
        #expect(afterGuid.items[0].key != before.items[0].key)
        #expect(afterGuid.items[1].key == before.items[1].key)
    }
}
