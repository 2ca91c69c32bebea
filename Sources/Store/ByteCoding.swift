import FeedModel

/// Little-endian binary writing for the store's records.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }

    /// A length (u32) and the UTF-8 bytes.
    mutating func string(_ value: String) {
        let utf8 = value.utf8
        u32(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// A presence byte, then the string when present.
    mutating func optionalString(_ value: String?) {
        guard let value else { return u8(0) }
        u8(1)
        string(value)
    }

    /// A presence byte, then the seconds when present.
    mutating func optionalTime(_ value: Timestamp?) {
        guard let value else { return u8(0) }
        u8(1)
        i64(value.secondsSince1970)
    }

    mutating func hash(_ value: ItemHash) {
        u64(value.high)
        u64(value.low)
    }
}

/// Reads what `ByteWriter` wrote; every read checks the bounds and fails with `DecodeError`.
struct ByteReader {
    let bytes: [UInt8]
    var offset: Int
    let end: Int

    init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        offset = range.lowerBound
        end = range.upperBound
    }

    var isAtEnd: Bool { offset >= end }

    struct DecodeError: Error {
        var reason: String
    }

    private mutating func need(_ count: Int) throws(DecodeError) {
        guard count >= 0, end - offset >= count else { throw DecodeError(reason: "record ends early") }
    }

    mutating func u8() throws(DecodeError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u32() throws(DecodeError) -> UInt32 {
        try need(4)
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[offset + index]) << (8 * index) }
        offset += 4
        return value
    }

    mutating func u64() throws(DecodeError) -> UInt64 {
        try need(8)
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * index) }
        offset += 8
        return value
    }

    mutating func i64() throws(DecodeError) -> Int64 { Int64(bitPattern: try u64()) }

    mutating func string() throws(DecodeError) -> String {
        let count = Int(try u32())
        try need(count)
        defer { offset += count }
        return String(decoding: bytes[offset..<offset + count], as: UTF8.self)
    }

    mutating func optionalString() throws(DecodeError) -> String? {
        try u8() == 0 ? nil : try string()
    }

    mutating func optionalTime() throws(DecodeError) -> Timestamp? {
        try u8() == 0 ? nil : Timestamp(secondsSince1970: try i64())
    }

    mutating func hash() throws(DecodeError) -> ItemHash {
        let high = try u64()
        return ItemHash(high: high, low: try u64())
    }
}
