public import FeedModel
import Platform

/// The first 16 bytes of an item key's SHA-256: what the index keeps instead of the key's text.
///
/// 128 bits make an accidental collision within one feed (the index is scoped by feed) practically
/// impossible at any realistic count of items.
struct ItemHash: Hashable, Sendable {
    var high: UInt64
    var low: UInt64

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The hash of a key as the parser makes it (`sha256:` and 64 hex digits). Any other text (a
    /// caller's own key) is first hashed with `ItemKey.make(.id(...))`, so every key has one.
    init(key: String) {
        if let parsed = ItemHash.parse(key) {
            self = parsed
        } else {
            self = ItemHash.parse(ItemKey.make(.id(key))) ?? ItemHash(high: 0, low: 0)
        }
    }

    private static func parse(_ key: String) -> ItemHash? {
        let utf8 = key.utf8
        guard utf8.count == 71, utf8.starts(with: "sha256:".utf8) else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var index = 7
        for byte in utf8.dropFirst(7).prefix(32) {
            defer { index += 1 }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            if index < 23 {
                high = high << 4 | UInt64(digit)
            } else {
                low = low << 4 | UInt64(digit)
            }
        }
        return ItemHash(high: high, low: low)
    }

    /// What the hash keeps of the key, for messages: `sha256:`, the first 32 hex digits, and `…`.
    var keyPrefix: String {
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return "sha256:" + hex(high) + hex(low) + "…"
    }
}

/// Fingerprints of an item's content, normalized link and normalized title (64-bit, stable across runs).
/// Public so that the PostgreSQL store compares and matches items exactly as the file store does.
public enum Fingerprint {
    /// Every field but the key: a change in any of them makes the item an update.
    public static func content(of item: FeedItem) -> UInt64 {
        var hasher = StableHasher()
        hasher.combine(item.id)
        hasher.combine(item.title)
        hasher.combine(item.link)
        hasher.combine(item.summary)
        hasher.combine(item.content)
        hasher.combine(item.published?.secondsSince1970 ?? Int64.min)
        hasher.combine(item.updated?.secondsSince1970 ?? Int64.min)
        hasher.combine(Int64(item.authors.count))
        for author in item.authors {
            hasher.combine(author.name)
            hasher.combine(author.email)
            hasher.combine(author.uri)
        }
        hasher.combine(Int64(item.categories.count))
        for category in item.categories { hasher.combine(category) }
        hasher.combine(Int64(item.enclosures.count))
        for enclosure in item.enclosures {
            hasher.combine(enclosure.url)
            hasher.combine(enclosure.type)
            hasher.combine(enclosure.length ?? -1)
        }
        return hasher.finalize()
    }

    /// The hash of the normalized link, or 0 when the item has none.
    public static func link(_ link: String?) -> UInt32 {
        guard let link, let normalized = normalizedLink(link) else { return 0 }
        return nonZero(normalized)
    }

    /// The hash of the normalized title, or 0 when the item has none.
    public static func title(_ title: String?) -> UInt32 {
        guard let title else { return 0 }
        let normalized = title.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return normalized.isEmpty ? 0 : nonZero(normalized)
    }

    /// 32 bits: a collision only matters inside a suspected flood, among one feed's few hundred items.
    private static func nonZero(_ text: String) -> UInt32 {
        var hasher = StableHasher()
        hasher.combine(text)
        let value = hasher.finalize()
        let folded = UInt32(truncatingIfNeeded: value ^ (value >> 32))
        return folded == 0 ? 1 : folded
    }

    /// Scheme and host lower-cased; no fragment, no `utm_*` query parameters, no trailing slash.
    static func normalizedLink(_ link: String) -> String? {
        var text = Substring(link.trimmingWhitespace())
        if let hash = text.firstIndex(of: "#") { text = text[..<hash] }
        guard !text.isEmpty else { return nil }
        var prefix = ""
        if let separator = text.firstRange(of: "://") {
            let scheme = text[..<separator.lowerBound].lowercased()
            let rest = text[separator.upperBound...]
            let hostEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            prefix = scheme + "://" + rest[..<hostEnd].lowercased()
            text = rest[hostEnd...]
        }
        var path = text
        var query: [Substring] = []
        if let question = text.firstIndex(of: "?") {
            path = text[..<question]
            query = text[text.index(after: question)...].split(separator: "&").filter {
                !$0.lowercased().hasPrefix("utm_")
            }
        }
        while path.hasSuffix("/") { path = path.dropLast() }
        let result = prefix + path + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        return result.isEmpty ? nil : result
    }
}

extension String {
    func trimmingWhitespace() -> Substring {
        let start = firstIndex(where: { !$0.isWhitespace }) ?? endIndex
        let end = lastIndex(where: { !$0.isWhitespace }).map { index(after: $0) } ?? start
        return self[start..<max(start, end)]
    }
}
