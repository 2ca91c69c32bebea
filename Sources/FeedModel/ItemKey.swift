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
        let text: String
        switch source {
        case .id(let id): text = "id\u{0}" + id
        case .link(let link): text = "link\u{0}" + link
        case .content(let title, let published, let summary):
            text = "hash\u{0}\(title ?? "")\u{0}\(published?.rfc3339 ?? "")\u{0}\(summary ?? "")"
        }
        let digest = SHA256.hash(data: Array(text.utf8))
        var hex = "sha256:"
        hex.reserveCapacity(7 + 64)
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        for byte in digest {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0xF)])
        }
        hex += String(decoding: bytes, as: UTF8.self)
        return hex
    }
}
