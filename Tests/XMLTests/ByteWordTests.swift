import TestSupport
import Testing

@testable import XML

@Suite("Eight-byte scans")
struct ByteWordTests {
    /// Words that mix every byte value with its neighbours (a borrow or carry would show here).
    static func words(using generator: inout SeededRandom) -> [UInt64] {
        var words: [UInt64] = (0..<2000).map { _ in generator.next() }
        for byte in 0...255 {
            for other in [0, 1, 0x1F, 0x20, 0x26, 0x3C, 0x7F, 0x80, 0xC2, 0xFF] {
                words.append(UInt64(byte) * 0x0101_0101_0101_0101)
                words.append(UInt64(byte) << 24 | UInt64(other) << 16 | UInt64(other) << 32 | UInt64(byte) << 56)
            }
        }
        return words
    }

    /// The mask a byte-by-byte test gives.
    static func expected(_ word: UInt64, _ test: (UInt8) -> Bool) -> UInt64 {
        var mask: UInt64 = 0
        for lane in 0..<8 where test(UInt8(truncatingIfNeeded: word >> UInt64(lane * 8))) {
            mask |= 0x80 << UInt64(lane * 8)
        }
        return mask
    }

    @Test("equal, below and nonASCII mark exactly the matching bytes")
    func exact() {
        var generator = SeededRandom()
        let seed = generator.seedDescription
        for word in Self.words(using: &generator) {
            let hex = "word 0x\(String(word, radix: 16)), \(seed)"
            for byte: UInt8 in [0x00, 0x0A, 0x26, 0x3C, 0x7F, 0x80, 0xC2, 0xFF] {
                #expect(ByteWord.equal(word, byte) == Self.expected(word) { $0 == byte }, "\(hex)")
            }
            for bound: UInt8 in [0x01, 0x20, 0x41, 0x80] {
                #expect(ByteWord.below(word, bound) == Self.expected(word) { $0 < bound }, "\(hex)")
            }
            #expect(ByteWord.nonASCII(word) == Self.expected(word) { $0 >= 0x80 }, "\(hex)")
        }
    }

    @Test("firstMatch gives the first matching byte in memory order")
    func first() {
        let bytes: [UInt8] = Array("abc<e&gh".utf8)
        let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        #expect(ByteWord.firstMatch(ByteWord.equal(word, UInt8(ascii: "<"))) == 3)
        #expect(ByteWord.firstMatch(ByteWord.equal(word, UInt8(ascii: "&")) | ByteWord.equal(word, 0x68)) == 5)
    }
}
