import Crypto

/// The dedup key of an item within its feed (DESIGN.md, "The item key").
///
/// `sha256:` and the lower-case hex SHA-256 of a tagged source string:
/// - `id\u{0}<id>` when the item has an id that is trusted in its document,
/// - else `link\u{0}<link>`,
/// - else `hash\u{0}<title>\u{0}<published>\u{0}<summary>` (missing parts empty, the date in RFC 3339).
///
/// The tag keeps an id that happens to equal another item's link from colliding with it. The key is
/// not scoped to a feed: the store pairs it with the feed it came from, so that a feed whose URL
/// changes keeps its keys.
public enum ItemKey {
    public enum Source: Sendable, Equatable {
        case id(String)
        case link(String)
        case content(title: String?, published: Timestamp?, summary: String?)
    }

    public static func make(_ source: Source) -> String {
        switch source {
        case .id(let id): return digest(id: id).key
        case .link(let link): return digest(link: link).key
        case .content(let title, let published, let summary):
            return digest(title: title, published: published, summary: summary).key
        }
    }

    /// The SHA-256 of a key source. `ItemKeys` compares these rather than the strings (no copies, no
    /// retains), then writes only the keys it picks.
    public struct Digest: Hashable, Sendable {
        let words: SIMD4<UInt64>

        init(_ digest: SHA256Digest) {
            words = digest.withUnsafeBytes { raw in
                func word(_ lane: Int) -> UInt64 {
                    raw.loadUnaligned(fromByteOffset: lane * 8, as: UInt64.self).bigEndian
                }
                return SIMD4(word(0), word(1), word(2), word(3))
            }
        }

        public static func == (left: Digest, right: Digest) -> Bool { left.words == right.words }

        /// A digest is already uniformly spread: one word is hash enough.
        public func hash(into hasher: inout Hasher) { hasher.combine(words[0]) }

        /// `sha256:` and the lower-case hex digest: the item key.
        public var key: String {
            String(unsafeUninitializedCapacity: 7 + 64) { buffer in
                var index = 0
                for byte in "sha256:".utf8 {
                    buffer[index] = byte
                    index += 1
                }
                for lane in 0..<4 {
                    let word = words[lane]
                    for shift in stride(from: 60, through: 0, by: -4) {
                        let nibble = UInt8(truncatingIfNeeded: word >> UInt64(shift)) & 0xF
                        buffer[index] = nibble < 10 ? 0x30 + nibble : 0x61 - 10 + nibble
                        index += 1
                    }
                }
                return index
            }
        }
    }

    public static func digest(id: String) -> Digest {
        var hasher = SHA256()
        update(&hasher, "id\u{0}")
        update(&hasher, id)
        return Digest(hasher.finalize())
    }

    public static func digest(link: String) -> Digest {
        var hasher = SHA256()
        update(&hasher, "link\u{0}")
        update(&hasher, link)
        return Digest(hasher.finalize())
    }

    public static func digest(title: String?, published: Timestamp?, summary: String?) -> Digest {
        var hasher = SHA256()
        update(&hasher, "hash\u{0}")
        update(&hasher, title ?? "")
        update(&hasher, "\u{0}")
        update(&hasher, published?.rfc3339 ?? "")
        update(&hasher, "\u{0}")
        update(&hasher, summary ?? "")
        return Digest(hasher.finalize())
    }

    private static func update(_ hasher: inout SHA256, _ text: StaticString) {
        hasher.update(bufferPointer: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private static func update(_ hasher: inout SHA256, _ text: String) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable {
            hasher.update(bufferPointer: UnsafeRawBufferPointer($0))
        }
        if done == nil { hasher.update(data: Array(text.utf8)) }
    }
}
