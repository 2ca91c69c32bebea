import Platform

/// The framing shared by every file of the store (docs/store.md, "Files and records").
///
/// A file starts with a 16-byte header: 8 bytes of magic naming its kind, the format version (u32)
/// and the file's number (u32). Records follow, each a 12-byte header (`FE ED`, type, 0, payload
/// length u32, CRC-32C u32 over the first 8 header bytes and the payload) and the payload. All
/// integers are little-endian.
enum RecordFormat {
    static let version: UInt32 = 1
    static let fileHeaderSize = 16
    static let recordHeaderSize = 12
    /// Larger lengths are taken for damage, not data.
    static let maxPayload = 256 << 20

    enum Kind: String {
        case journal = "FEEDDJNL"
        case snapshot = "FEEDDSNP"
        case segment = "FEEDDSEG"
    }

    enum RecordType: UInt8 {
        /// A journal transaction or a snapshot chunk: a list of operations (`Operation`).
        case operations = 1
        /// The last record of a snapshot: proves it complete.
        case snapshotEnd = 2
        /// An item body in a segment: the item's JSON (spec/feed-json.md).
        case itemBody = 3
    }

    static func fileHeader(_ kind: Kind, number: UInt32) -> [UInt8] {
        var writer = ByteWriter(capacity: fileHeaderSize)
        writer.bytes.append(contentsOf: kind.rawValue.utf8)
        writer.u32(version)
        writer.u32(number)
        return writer.bytes
    }

    /// Checks the header of a file read whole; returns its number.
    static func checkHeader(_ bytes: [UInt8], kind: Kind, path: String) throws(StoreError) -> UInt32 {
        guard bytes.count >= fileHeaderSize, Array(bytes[0..<8]) == Array(kind.rawValue.utf8) else {
            throw .badFile(path: path, reason: "not a feedd \(kind) file (bad magic)")
        }
        var reader = ByteReader(bytes, range: 8..<16)
        let found = (try? reader.u32()) ?? 0
        guard found == version else {
            throw .badFile(path: path, reason: "format version \(found); this feedd reads version \(version)")
        }
        return (try? reader.u32()) ?? 0
    }

    /// One framed record.
    static func record(_ type: RecordType, payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0xFE, 0xED, type.rawValue, 0]
        bytes.reserveCapacity(recordHeaderSize + payload.count)
        let length = UInt32(payload.count)
        for index in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: length >> (8 * index))) }
        bytes.append(contentsOf: [0, 0, 0, 0])
        bytes.append(contentsOf: payload)
        let crc = CRC32C.checksum(
            bytes, range: recordHeaderSize..<bytes.count,
            continuing: CRC32C.checksum(bytes, range: 0..<8))
        for index in 0..<4 { bytes[8 + index] = UInt8(truncatingIfNeeded: crc >> (8 * index)) }
        return bytes
    }

    /// A record found intact at `offset`: its type and where its payload lies.
    struct Found {
        var offset: Int
        var type: UInt8
        var payload: Range<Int>
        var end: Int { payload.upperBound }
    }

    /// The record at `offset` when its header and checksum are intact, else nil.
    static func record(in bytes: [UInt8], at offset: Int, limit: Int? = nil) -> Found? {
        let limit = limit ?? bytes.count
        guard offset >= 0, limit - offset >= recordHeaderSize, bytes[offset] == 0xFE, bytes[offset + 1] == 0xED,
            bytes[offset + 3] == 0
        else { return nil }
        var length = 0
        var stored: UInt32 = 0
        for index in 0..<4 {
            length |= Int(bytes[offset + 4 + index]) << (8 * index)
            stored |= UInt32(bytes[offset + 8 + index]) << (8 * index)
        }
        let start = offset + recordHeaderSize
        guard length <= maxPayload, limit - start >= length else { return nil }
        let crc = CRC32C.checksum(
            bytes, range: start..<start + length,
            continuing: CRC32C.checksum(bytes, range: offset..<offset + 8))
        guard crc == stored else { return nil }
        return Found(offset: offset, type: bytes[offset + 2], payload: start..<start + length)
    }

    /// What a scan of a file's records met.
    enum Piece {
        case record(Found)
        /// Bytes that are no record, followed by an intact one: a damaged record in the middle.
        case damaged(offset: Int, length: Int)
        /// Bytes at the end that are no record: a torn or damaged tail.
        case tornTail(offset: Int, length: Int)
    }

    /// Walks the records of `bytes` from the end of the file header; damage is reported, never fatal.
    /// After a bad record it looks for the next intact one (by its `FE ED` mark and checksum), so one
    /// damaged record in the middle costs only itself.
    static func scan(_ bytes: [UInt8], _ body: (Piece) -> Void) {
        var offset = fileHeaderSize
        while offset < bytes.count {
            if let found = record(in: bytes, at: offset) {
                body(.record(found))
                offset = found.end
                continue
            }
            var next = offset + 1
            var resumed: Found? = nil
            while next + recordHeaderSize <= bytes.count {
                if bytes[next] == 0xFE, bytes[next + 1] == 0xED, let found = record(in: bytes, at: next) {
                    resumed = found
                    break
                }
                next += 1
            }
            guard let resumed else {
                body(.tornTail(offset: offset, length: bytes.count - offset))
                return
            }
            body(.damaged(offset: offset, length: resumed.offset - offset))
            offset = resumed.offset
        }
    }
}
