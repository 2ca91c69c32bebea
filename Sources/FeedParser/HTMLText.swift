import Glibc
import XML

/// Text clean-up for the document's fields (spec/feed-json.md): white space folding, HTML escaping, and
/// relative URLs in HTML made absolute. Works on UTF-8 bytes. Plain text from HTML is `PlainText` (in
/// `XML`, shared with the hooks).
enum HTMLText {
    /// Folds runs of XML white space to one space and trims (`PlainText.folded`, under the short name the
    /// parser uses everywhere). U+00A0 is not white space.
    static func folded(_ text: String) -> String {
        PlainText.folded(text)
    }

    /// Escapes text for HTML: `&`, `<`, `>` (and `"` when `quotes`).
    static func escaped(_ text: String, quotes: Bool = false) -> String {
        func needsEscape(_ byte: UInt8) -> Bool {
            byte == 0x26 || byte == 0x3C || byte == 0x3E || (quotes && byte == 0x22)
        }
        let result = text.utf8.withContiguousStorageIfAvailable { bytes -> String? in
            guard bytes.contains(where: needsEscape) else { return nil }
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count + 16)
            var copied = 0
            for index in bytes.indices where needsEscape(bytes[index]) {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<index]))
                switch bytes[index] {
                case 0x26: output.append(contentsOf: "&amp;".utf8)
                case 0x3C: output.append(contentsOf: "&lt;".utf8)
                case 0x3E: output.append(contentsOf: "&gt;".utf8)
                default: output.append(contentsOf: "&quot;".utf8)
                }
                copied = index + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
            return String(decoding: output, as: UTF8.self)
        }
        switch result {
        case .some(.some(let escaped)): return escaped
        case .some(.none): return text
        case .none: return escaped(String(decoding: Array(text.utf8), as: UTF8.self), quotes: quotes)
        }
    }

    // MARK: - Relative URLs inside HTML

    /// Attributes whose value is a URL.
    private static let urlAttributes: [[UInt8]] = [
        "href", "src", "cite", "action", "background", "longdesc", "poster", "usemap", "codebase", "data",
        "profile", "dynsrc", "lowsrc",
    ].map { Array($0.utf8) }

    /// Whether an attribute name (any case) is one whose value is a URL.
    private static func isURLAttribute(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard name.count >= 3 && name.count <= 10 else { return false }
        return urlAttributes.contains { known in
            known.count == name.count && zip(known, name).allSatisfy { $0 == ($1 | 0x20) }
        }
    }

    /// The HTML with each `<!` that opens neither a comment, a CDATA section nor a declaration
    /// (`<!DOCTYPE`) written as `&lt;!`: an HTML parser would take it for a bogus comment and hide the
    /// text after it, where the feed meant the characters.
    static func escapingStrayMarkupDeclarations(_ html: String) -> String {
        let result = html.utf8.withContiguousStorageIfAvailable { escapingStrayMarkupDeclarations(in: $0) }
        switch result {
        case .some(.some(let escaped)): return escaped
        case .some(.none): return html
        case .none: return escapingStrayMarkupDeclarations(String(decoding: Array(html.utf8), as: UTF8.self))
        }
    }

    /// The escaped HTML, or nil when there was nothing to escape.
    private static func escapingStrayMarkupDeclarations(in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var output: [UInt8] = []
        var copied = 0
        var index = 0
        let count = bytes.count
        while index < count {
            guard let start = bytes.baseAddress, let hit = memchr(start + index, 0x3C, count - index) else { break }
            index = start.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
            guard index < count, bytes[index] == UInt8(ascii: "!") else { continue }
            if index + 1 < count {
                let byte = bytes[index + 1]
                if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "[") || isLetter(byte) { continue }
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<(index - 1)]))
            output.append(contentsOf: "&lt;".utf8)
            copied = index
        }
        guard copied > 0 else { return nil }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
        return String(decoding: output, as: UTF8.self)
    }

    /// The HTML with relative URLs in URL attributes resolved against `base`.
    static func resolvingURLs(in html: String, base: String?) -> String {
        guard let base else { return html }
        let result = html.utf8.withContiguousStorageIfAvailable { resolvingURLs(in: $0, base: base) }
        switch result {
        case .some(.some(let resolved)): return resolved
        case .some(.none): return html
        case .none: return resolvingURLs(in: String(decoding: Array(html.utf8), as: UTF8.self), base: base)
        }
    }

    /// The HTML with relative URLs resolved, or nil when there were none.
    private static func resolvingURLs(in bytes: UnsafeBufferPointer<UInt8>, base: String) -> String? {
        var output: [UInt8] = []
        var copied = 0
        var index = 0
        let count = bytes.count
        while index < count {
            // Text between tags is most of the bytes: memchr skips it far faster than a loop of ours.
            guard let start = bytes.baseAddress, let hit = memchr(start + index, 0x3C, count - index) else { break }
            index = start.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            guard index + 1 < count, isLetter(bytes[index + 1]) else {
                index += 1
                continue
            }
            // Inside a start tag: walk its attributes.
            var cursor = index + 1
            while cursor < count, !isSpace(bytes[cursor]), bytes[cursor] != UInt8(ascii: ">") { cursor += 1 }
            while cursor < count, bytes[cursor] != UInt8(ascii: ">") {
                while cursor < count, isSpace(bytes[cursor]) || bytes[cursor] == UInt8(ascii: "/") { cursor += 1 }
                let nameStart = cursor
                while cursor < count, !isSpace(bytes[cursor]), bytes[cursor] != UInt8(ascii: "="),
                    bytes[cursor] != UInt8(ascii: ">")
                {
                    cursor += 1
                }
                let name = UnsafeBufferPointer(rebasing: bytes[nameStart..<cursor])
                while cursor < count, isSpace(bytes[cursor]) { cursor += 1 }
                guard cursor < count, bytes[cursor] == UInt8(ascii: "=") else {
                    if cursor == nameStart { cursor += 1 }
                    continue
                }
                cursor += 1
                while cursor < count, isSpace(bytes[cursor]) { cursor += 1 }
                guard cursor < count else { break }
                let quote = bytes[cursor]
                let valueStart: Int
                let valueEnd: Int
                if quote == 0x22 || quote == 0x27 {
                    valueStart = cursor + 1
                    var end = valueStart
                    while end < count, bytes[end] != quote { end += 1 }
                    valueEnd = end
                    cursor = min(end + 1, count)
                } else {
                    valueStart = cursor
                    while cursor < count, !isSpace(bytes[cursor]), bytes[cursor] != UInt8(ascii: ">") { cursor += 1 }
                    valueEnd = cursor
                }
                guard isURLAttribute(name) else { continue }
                let valueBytes = UnsafeBufferPointer(rebasing: bytes[valueStart..<valueEnd])
                // Most values are absolute already: tell from the bytes, without making a string. (A reference
                // cannot hide in a scheme that reads as one: `&` is not a scheme character.)
                if hasScheme(valueBytes) { continue }
                let hasReference = valueBytes.contains(UInt8(ascii: "&"))
                let value = String(decoding: valueBytes, as: UTF8.self)
                let decodedValue = hasReference ? HTMLEntities.decoded(value) : value
                guard !URLResolver.hasScheme(URLResolver.trimmed(decodedValue)) else { continue }
                let resolved = URLResolver.resolve(decodedValue, against: base)
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<valueStart]))
                output.append(contentsOf: escaped(resolved, quotes: true).utf8)
                copied = valueEnd
            }
            index = cursor
        }
        guard copied > 0 else { return nil }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
        return String(decoding: output, as: UTF8.self)
    }

    /// Whether the bytes, after leading white space, start with `scheme:` (as `URLResolver.hasScheme` of
    /// `URLResolver.trimmed` says for the same text).
    private static func hasScheme(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        guard index < bytes.count, isLetter(bytes[index]) else { return false }
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ":") { return true }
            let isOther =
                (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: ".")
            guard isLetter(byte) || isOther else { return false }
            index += 1
        }
        return false
    }

    // MARK: - Bytes

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A)
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C
    }
}

extension String {
    /// Whether `needle` occurs in the string, byte for byte: far cheaper than `contains(_:)` on `String`,
    /// which compares by grapheme (through the regex library), for the ASCII needles the parser looks for.
    func containsBytes(_ needle: StaticString) -> Bool {
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard let first = pattern.first else { return true }
        func search(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            guard bytes.count >= pattern.count else { return false }
            for start in 0...(bytes.count - pattern.count) where bytes[start] == first {
                if UnsafeBufferPointer(rebasing: bytes[start..<start + pattern.count]).elementsEqual(pattern) {
                    return true
                }
            }
            return false
        }
        return utf8.withContiguousStorageIfAvailable(search) ?? Array(utf8).withUnsafeBufferPointer(search)
    }
}
