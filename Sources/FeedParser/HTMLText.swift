import XML

/// Text clean-up for the document's fields (spec/feed-json.md): plain text from HTML, white space
/// folding, HTML escaping, and relative URLs in HTML made absolute. Works on UTF-8 bytes.
enum HTMLText {
    /// Folds runs of XML white space to one space and trims. U+00A0 is not white space.
    static func folded(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for byte in text.utf8 {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                pendingSpace = !output.isEmpty
            } else {
                if pendingSpace {
                    output.append(0x20)
                    pendingSpace = false
                }
                output.append(byte)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Plain text of an HTML fragment: tags and comments dropped, references decoded, white space folded.
    static func plainText(fromHTML html: String) -> String {
        let bytes = Array(html.utf8)
        guard bytes.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "&") }) else {
            return folded(html)
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "<"), index + 1 < bytes.count, startsTag(bytes[index + 1]) {
                if bytes[index...].starts(with: Array("<!--".utf8)) {
                    index = find(Array("-->".utf8), in: bytes, from: index + 4).map { $0 + 3 } ?? bytes.count
                } else {
                    index = tagEnd(bytes, from: index + 1)
                }
                // A tag separates words (`<br>`, `</p><p>`).
                output.append(0x20)
                continue
            }
            if byte == UInt8(ascii: "&"), let (scalar, end) = reference(in: bytes, at: index) {
                TextBytes.appendUTF8(scalar, to: &output)
                index = end
                continue
            }
            output.append(byte)
            index += 1
        }
        return folded(String(decoding: output, as: UTF8.self))
    }

    /// Escapes text for HTML: `&`, `<`, `>` (and `"` when `quotes`).
    static func escaped(_ text: String, quotes: Bool = false) -> String {
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || (quotes && $0 == 0x22) }) else {
            return text
        }
        var output = ""
        output.reserveCapacity(text.utf8.count + 16)
        for character in text.unicodeScalars {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"" where quotes: output += "&quot;"
            default: output.unicodeScalars.append(character)
            }
        }
        return output
    }

    /// Whether the text has anything that looks like markup or a reference.
    static func looksLikeHTML(_ text: String) -> Bool {
        let bytes = text.utf8
        var previousWasLessThan = false
        for byte in bytes {
            if previousWasLessThan && startsTag(byte) { return true }
            if byte == UInt8(ascii: "&") { return true }
            previousWasLessThan = byte == UInt8(ascii: "<")
        }
        return false
    }

    // MARK: - Relative URLs inside HTML

    /// Attributes whose value is a URL.
    private static let urlAttributes: Set<String> = [
        "href", "src", "cite", "action", "background", "longdesc", "poster", "usemap", "codebase", "data",
        "profile", "dynsrc", "lowsrc",
    ]

    /// The HTML with relative URLs in URL attributes resolved against `base`.
    static func resolvingURLs(in html: String, base: String?) -> String {
        guard let base, html.utf8.contains(UInt8(ascii: "=")) else { return html }
        let bytes = Array(html.utf8)
        var output: [UInt8] = []
        var copied = 0
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "<"), index + 1 < bytes.count, isLetter(bytes[index + 1]) else {
                index += 1
                continue
            }
            // Inside a start tag: walk its attributes.
            var cursor = index + 1
            while cursor < bytes.count, !isSpace(bytes[cursor]), bytes[cursor] != UInt8(ascii: ">") { cursor += 1 }
            while cursor < bytes.count, bytes[cursor] != UInt8(ascii: ">") {
                while cursor < bytes.count, isSpace(bytes[cursor]) || bytes[cursor] == UInt8(ascii: "/") {
                    cursor += 1
                }
                let nameStart = cursor
                while cursor < bytes.count, !isSpace(bytes[cursor]), bytes[cursor] != UInt8(ascii: "="),
                    bytes[cursor] != UInt8(ascii: ">")
                {
                    cursor += 1
                }
                let name = String(decoding: bytes[nameStart..<cursor], as: UTF8.self).lowercased()
                while cursor < bytes.count, isSpace(bytes[cursor]) { cursor += 1 }
                guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "=") else {
                    if cursor == nameStart { cursor += 1 }
                    continue
                }
                cursor += 1
                while cursor < bytes.count, isSpace(bytes[cursor]) { cursor += 1 }
                guard cursor < bytes.count else { break }
                let quote = bytes[cursor]
                let valueStart: Int
                let valueEnd: Int
                if quote == 0x22 || quote == 0x27 {
                    valueStart = cursor + 1
                    var end = valueStart
                    while end < bytes.count, bytes[end] != quote { end += 1 }
                    valueEnd = end
                    cursor = min(end + 1, bytes.count)
                } else {
                    valueStart = cursor
                    while cursor < bytes.count, !isSpace(bytes[cursor]), bytes[cursor] != UInt8(ascii: ">") {
                        cursor += 1
                    }
                    valueEnd = cursor
                }
                guard urlAttributes.contains(name) else { continue }
                let value = String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self)
                let decodedValue = value.contains("&") ? plainReference(value) : value
                guard !URLResolver.hasScheme(URLResolver.trimmed(decodedValue)) else { continue }
                let resolved = URLResolver.resolve(decodedValue, against: base)
                output.append(contentsOf: bytes[copied..<valueStart])
                output.append(contentsOf: escaped(resolved, quotes: true).utf8)
                copied = valueEnd
            }
            index = cursor
        }
        guard copied > 0 else { return html }
        output.append(contentsOf: bytes[copied...])
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes references in an attribute value (no tags there).
    private static func plainReference(_ value: String) -> String {
        let bytes = Array(value.utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "&"), let (scalar, end) = reference(in: bytes, at: index) {
                TextBytes.appendUTF8(scalar, to: &output)
                index = end
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: - Bytes

    static func startsTag(_ byte: UInt8) -> Bool {
        isLetter(byte) || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?")
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A)
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C
    }

    /// The index after the `>` that ends a tag whose name starts at `index`, skipping quoted values.
    private static func tagEnd(_ bytes: [UInt8], from index: Int) -> Int {
        var cursor = index
        var quote: UInt8? = nil
        while cursor < bytes.count {
            let byte = bytes[cursor]
            if let open = quote {
                if byte == open { quote = nil }
            } else if (byte == 0x22 || byte == 0x27) && cursor > index && bytes[cursor - 1] == UInt8(ascii: "=") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                return cursor + 1
            }
            cursor += 1
        }
        return bytes.count
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    /// The character of the reference at `&` and the index after it, or nil when it is not one.
    static func reference(in bytes: [UInt8], at index: Int) -> (UInt32, Int)? {
        var cursor = index + 1
        guard cursor < bytes.count else { return nil }
        if bytes[cursor] == UInt8(ascii: "#") {
            cursor += 1
            var hex = false
            if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "x") || bytes[cursor] == UInt8(ascii: "X") {
                hex = true
                cursor += 1
            }
            var value: UInt32 = 0
            let start = cursor
            while cursor < bytes.count, cursor - start < 8 {
                let byte = bytes[cursor]
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x61...0x66 where hex: digit = UInt32(byte - 0x61 + 10)
                case 0x41...0x46 where hex: digit = UInt32(byte - 0x41 + 10)
                default: digit = 99
                }
                if digit == 99 { break }
                value = value * (hex ? 16 : 10) + digit
                cursor += 1
            }
            guard cursor > start, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value), value != 0 else { return nil }
            if cursor < bytes.count, bytes[cursor] == UInt8(ascii: ";") { cursor += 1 }
            if (0x80...0x9F).contains(value) { value = TextBytes.windows1252(UInt8(value)) }
            return (value, cursor)
        }
        let start = cursor
        while cursor < bytes.count, cursor - start < 32,
            isLetter(bytes[cursor]) || (bytes[cursor] >= 0x30 && bytes[cursor] <= 0x39)
        {
            cursor += 1
        }
        guard cursor > start, cursor < bytes.count, bytes[cursor] == UInt8(ascii: ";") else { return nil }
        let name = String(decoding: bytes[start..<cursor], as: UTF8.self)
        let value: UInt32?
        switch name {
        case "amp": value = 0x26
        case "lt": value = 0x3C
        case "gt": value = 0x3E
        case "quot": value = 0x22
        case "apos": value = 0x27
        default: value = HTMLEntities.codePoint(named: name)
        }
        guard let value else { return nil }
        return (value, cursor + 1)
    }
}
