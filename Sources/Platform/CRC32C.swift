/// CRC-32C (Castagnoli, the checksum of iSCSI, ext4 and SCTP), computed eight bytes at a time with
/// tables (slicing-by-8). Guards each record the store writes.
public enum CRC32C {
    /// Eight tables of 256 entries, one after the other: table `n` starts at `n * 256`.
    private static let table: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for index in 0..<256 {
            var crc = UInt32(index)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            table[index] = crc
        }
        for slice in 1..<8 {
            for index in 0..<256 {
                let previous = table[(slice - 1) * 256 + index]
                table[slice * 256 + index] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return table
    }()

    /// The checksum of `bytes[range]`, continuing from `crc` (start with 0).
    public static func checksum(_ bytes: [UInt8], range: Range<Int>, continuing crc: UInt32 = 0) -> UInt32 {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "CRC32C range out of bounds")
        return bytes.withUnsafeBytes { raw in
            table.withUnsafeBufferPointer { t in update(~crc, raw, range, t) }
        }
    }

    /// The checksum of all of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        checksum(bytes, range: 0..<bytes.count)
    }

    private static func update(
        _ start: UInt32, _ raw: UnsafeRawBufferPointer, _ range: Range<Int>, _ t: UnsafeBufferPointer<UInt32>
    ) -> UInt32 {
        var crc = start
        var offset = range.lowerBound
        while offset + 8 <= range.upperBound {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            let low = UInt32(truncatingIfNeeded: word) ^ crc
            let high = UInt32(truncatingIfNeeded: word >> 32)
            crc =
                t[1792 + Int(low & 0xFF)] ^ t[1536 + Int((low >> 8) & 0xFF)] ^ t[1280 + Int((low >> 16) & 0xFF)]
                ^ t[1024 + Int(low >> 24)] ^ t[768 + Int(high & 0xFF)] ^ t[512 + Int((high >> 8) & 0xFF)]
                ^ t[256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
            offset += 8
        }
        while offset < range.upperBound {
            crc = (crc >> 8) ^ t[Int((crc ^ UInt32(raw[offset])) & 0xFF)]
            offset += 1
        }
        return ~crc
    }
}
