/// Eight bytes read as one 64-bit word (SWAR), for the scans that look for a few byte values in long runs
/// of text. Each function sets the high bit of exactly the bytes that match (no false positives: the
/// byte sums never carry into the next byte), so `firstMatch` can jump straight to the first of them.
enum ByteWord {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let high: UInt64 = 0x8080_8080_8080_8080
    static let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F

    /// The bytes equal to `byte`.
    @inline(__always)
    static func equal(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let x = word ^ (ones &* UInt64(byte))
        return ~(((x & low7) &+ low7) | x) & high
    }

    /// The bytes below `bound` (at most 0x80).
    @inline(__always)
    static func below(_ word: UInt64, _ bound: UInt8) -> UInt64 {
        ~(((word & low7) &+ (ones &* UInt64(0x80 - bound))) | word) & high
    }

    /// The bytes at or above 0x80.
    @inline(__always)
    static func nonASCII(_ word: UInt64) -> UInt64 {
        word & high
    }

    /// The offset (0-7) of the first matching byte of a non-zero mask, in memory order (little-endian).
    @inline(__always)
    static func firstMatch(_ mask: UInt64) -> Int {
        mask.trailingZeroBitCount &>> 3
    }

    /// The index of the first byte from `index` on that `mask` marks, reading eight bytes at a time; stops
    /// at the last eight-byte boundary (fewer than eight bytes left) when none does, for the caller to read
    /// the rest byte by byte.
    @inline(__always)
    static func skip(_ raw: UnsafeRawPointer, from index: Int, count: Int, _ mask: (UInt64) -> UInt64) -> Int {
        var index = index
        while index + 8 <= count {
            let marked = mask(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            if marked != 0 { return index + firstMatch(marked) }
            index += 8
        }
        return index
    }
}
