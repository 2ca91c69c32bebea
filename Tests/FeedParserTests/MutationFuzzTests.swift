import FeedModel
import Foundation
import TestSupport
import Testing

@testable import FeedParser

/// `SplitMix64` (declared beside the date parser tests) as a standard generator, so the mutations
/// are the same on every run.
extension SplitMix64: RandomNumberGenerator {}

/// Byte-level mutations of a feed.
enum Mutator {
    static let tokens: [[UInt8]] = [
        "<", "&", "]]>", "<!ENTITY x \"&x;&x;\">", "<![CDATA[", "</item>", "<item>", "&#0;", "&#xD800;", "&amp",
        "\"", "<!--", "-->", "<?xml version=\"1.0\" encoding=\"UTF-16\"?>", "xmlns:a=\"\"", "{", "}", "[", "\\u0000",
        "é", "😀", "\u{FEFF}",
    ].map { Array($0.utf8) }
    static let invalidBytes: [[UInt8]] = [
        [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0x80], [0xF8, 0x88], [0x00], [0xE2, 0x82],
    ]
    /// Mutated inputs never grow past this, so duplication cannot blow up the run time.
    static let maxSize = 64 << 10

    static func mutate(_ input: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        let steps = Int.random(in: 1...3, using: &random)
        for _ in 0..<steps {
            apply(Int.random(in: 0..<8, using: &random), to: &bytes, using: &random)
        }
        return bytes
    }

    private static func apply(_ kind: Int, to bytes: inout [UInt8], using random: inout SplitMix64) {
        let position = Int.random(in: 0...bytes.count, using: &random)
        switch kind {
        case 0 where !bytes.isEmpty:
            // Flip one bit.
            let index = min(position, bytes.count - 1)
            bytes[index] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
        case 1:
            bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
        case 2 where !bytes.isEmpty:
            let count = Int.random(in: 1...16, using: &random)
            let start = min(position, bytes.count - 1)
            bytes.removeSubrange(start..<min(bytes.count, start + count))
        case 3:
            bytes.removeSubrange(position..<bytes.count)
        case 4 where !bytes.isEmpty:
            let start = min(position, bytes.count - 1)
            let end = min(bytes.count, start + Int.random(in: 1...256, using: &random))
            let slice = Array(bytes[start..<end])
            if bytes.count + slice.count <= maxSize {
                bytes.insert(contentsOf: slice, at: Int.random(in: 0...bytes.count, using: &random))
            }
        case 5:
            bytes.insert(contentsOf: tokens.randomElement(using: &random)!, at: position)
        case 6:
            bytes.insert(contentsOf: invalidBytes.randomElement(using: &random)!, at: position)
        default:
            let scalar = Unicode.Scalar(UInt32.random(in: 0x80...0x10FFF, using: &random)) ?? "?"
            bytes.insert(contentsOf: Array(String(Character(scalar)).utf8), at: position)
        }
    }
}

@Suite("Feed parser mutation fuzzing")
struct MutationFuzzTests {
    static let mutationCount = 2_000

    @Test(
        "mutated fixtures either parse to valid JSON or throw ParseError",
        .timeLimit(.minutes(1)))
    func mutatedFixturesNeverCrash() throws {
        let fixtures = FeedFixture.parsed + FeedFixture.rejected.map(\.0)
        let inputs = try fixtures.map { ($0, try $0.bytes()) }
        try #require(!inputs.isEmpty)
        var random = SplitMix64(seed: 0xFEED_D00D)
        var documentsWithItems = 0
        var errors = 0
        var badJSON: [String] = []
        for round in 0..<Self.mutationCount {
            let (fixture, original) = inputs[round % inputs.count]
            let mutated = Mutator.mutate(original, using: &random)
            let document: FeedDocument
            do throws(ParseError) {
                document = try FeedParser(options: fixture.options).parse(mutated)
            } catch {
                errors += 1
                #expect(!error.description.isEmpty)
                continue
            }
            if !document.items.isEmpty { documentsWithItems += 1 }
            // The same bytes give the same document: no state leaks from one parse into the next.
            let again = try? FeedParser(options: fixture.options).parse(mutated)
            #expect(again == document, "round \(round) (\(fixture.path)): a second parse differs")
            for pretty in [false, true] {
                let json = document.jsonString(pretty: pretty)
                let object = try? JSONSerialization.jsonObject(with: Data(json.utf8))
                guard let object = object as? [String: Any], let items = object["items"] as? [Any],
                    items.count == document.items.count, object["warnings"] is [Any]
                else {
                    badJSON.append("round \(round) (\(fixture.path), pretty: \(pretty)): \(json.prefix(300))")
                    continue
                }
            }
            #expect(document.items.allSatisfy { !$0.key.isEmpty }, "round \(round): empty item key")
        }
        #expect(
            badJSON.isEmpty,
            "\(badJSON.count) documents did not round-trip:\n\(badJSON.prefix(5).joined(separator: "\n"))")
        // Most mutations touch one to three bytes of a small feed: a lenient parser keeps the items.
        #expect(
            documentsWithItems >= Self.mutationCount / 2,
            "only \(documentsWithItems) of \(Self.mutationCount) mutations kept items (\(errors) threw)")
    }

    @Test("the generator is deterministic")
    func generatorIsDeterministic() {
        var first = SplitMix64(seed: 42)
        var second = SplitMix64(seed: 42)
        let a = (0..<8).map { _ in first.next() }
        let b = (0..<8).map { _ in second.next() }
        #expect(a == b)
        #expect(Set(a).count == 8)
    }
}
