/// A fast 64-bit hash whose value is the same in every process and on every run (unlike `Hasher`),
/// for fingerprints the store writes to disk. Not cryptographic: it tells content apart, it does not
/// resist an adversary, and a collision only makes an edited item look unchanged.
public struct StableHasher: Sendable {
    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    private var length: UInt64 = 0

    public init() {}

    /// Adds the UTF-8 bytes of `text`, or a marker for nil, so that ("a", nil) and (nil, "a") differ.
    public mutating func combine(_ text: String?) {
        guard let text else {
            mix(0xA5A5_5A5A_0000_0001)
            return
        }
        let done = text.utf8.withContiguousStorageIfAvailable { buffer -> Bool in
            combine(UnsafeRawBufferPointer(buffer))
            return true
        }
        if done == nil {
            var copy = text
            copy.withUTF8 { combine(UnsafeRawBufferPointer($0)) }
        }
    }

    /// Adds an integer.
    public mutating func combine(_ value: Int64) {
        mix(UInt64(bitPattern: value))
    }

    private mutating func combine(_ raw: UnsafeRawBufferPointer) {
        var offset = 0
        while offset + 8 <= raw.count {
            mix(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < raw.count {
            tail |= UInt64(raw[offset]) << shift
            shift += 8
            offset += 1
        }
        mix(tail ^ (UInt64(raw.count) << 56))
        length &+= UInt64(raw.count)
    }

    private mutating func mix(_ word: UInt64) {
        var k = word &* 0x87C3_7B91_1142_53D5
        k = (k << 31) | (k >> 33)
        k = k &* 0x4CF5_AD43_2745_937F
        state ^= k
        state = ((state << 27) | (state >> 37)) &* 5 &+ 0x52DC_E729
    }

    /// The hash of everything combined (murmur3's finalizer over the state and length).
    public func finalize() -> UInt64 {
        var h = state ^ length
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }
}
