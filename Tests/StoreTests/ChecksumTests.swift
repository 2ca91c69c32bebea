import Platform
import Testing

/// Known answers for the two checksums written into the store's files. Both are part of the on-disk
/// format: CRC32C guards every record, and StableHasher's values are stored as item fingerprints
/// (content, link and title hashes). A change to either makes every existing store look damaged or
/// every stored item look changed, so these values are pinned, not computed.
@Suite("On-disk checksums")
struct ChecksumTests {
    @Test("CRC32C gives the standard check value and the RFC 3720 vectors")
    func crc32cVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
        // RFC 3720, appendix B.4.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
    }

    @Test("CRC32C over a range, and continued over the next range, equals the checksum of the whole")
    func crc32cContinued() {
        let bytes = Array("xx123456789yy".utf8)
        #expect(CRC32C.checksum(bytes, range: 2..<11) == 0xE306_9283)
        let first = CRC32C.checksum(bytes, range: 2..<6)
        #expect(CRC32C.checksum(bytes, range: 6..<11, continuing: first) == 0xE306_9283)
    }

    static func hash(_ build: (inout StableHasher) -> Void) -> UInt64 {
        var hasher = StableHasher()
        build(&hasher)
        return hasher.finalize()
    }

    @Test("StableHasher's values are the ones existing stores hold")
    func stableHasherPinned() {
        #expect(Self.hash { _ in } == 0x9CA0_66F1_A4AB_2EEA)
        #expect(Self.hash { $0.combine("") } == 0xF955_B588_1A88_2D0D)
        #expect(Self.hash { $0.combine(nil) } == 0x4E30_68DE_309B_6351)
        #expect(Self.hash { $0.combine("a") } == 0xED8F_8F96_D2D7_7FA7)
        #expect(Self.hash { $0.combine("feedd") } == 0xA292_33B6_9D1A_B6BC)
        // Eight bytes exactly, and more than eight (a whole word and a tail).
        #expect(Self.hash { $0.combine("12345678") } == 0x8951_4AF0_2203_6F78)
        #expect(Self.hash { $0.combine("https://example.com/news/1") } == 0xABCC_BC31_556A_5BBB)
        #expect(Self.hash { $0.combine("é😀") } == 0x25AC_B834_7480_C4E9)
        // The same as the empty text: both mix one zero word. Harmless, since every caller combines
        // its fields in a fixed order, and pinned like the rest.
        #expect(Self.hash { $0.combine(Int64(0)) } == 0xF955_B588_1A88_2D0D)
        #expect(Self.hash { $0.combine(Int64.min) } == 0x336C_957D_B786_B4D4)
        #expect(
            Self.hash {
                $0.combine("a"); $0.combine(nil)
            } == 0x3B4D_E055_8679_1331)
        #expect(
            Self.hash {
                $0.combine(nil); $0.combine("a")
            } == 0x0DA0_FBC3_282C_CE8E)
    }
}
