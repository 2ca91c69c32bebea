import Glibc

/// Text runs: long text after a plain start tag decoded and diverted around libxml2.
extension RepairScanner {
    /// Diverts the text after a plain start tag ending at `tagEnd` when it qualifies (see
    /// `XMLRepairer.divertText`); returns where reading goes on (the `<` after the text), or nil.
    mutating func divertText(afterTagEndingAt tagEnd: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let textStart = tagEnd + 1
        let count = bytes.count
        guard count - textStart >= diversion.minimumLength,
            let hit = memchr(base + textStart, 0x3C, count - textStart)
        else { return nil }
        let textEnd = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        guard textEnd - textStart >= diversion.minimumLength, let divert = diversion.divert,
            let lineFeeds = decodeText(UnsafeBufferPointer(rebasing: bytes[textStart..<textEnd]))
        else { return nil }
        diversion.decoded.withUnsafeBufferPointer { divert($0) }
        replaceWithPlaceholder(textStart, textEnd, lineFeeds: lineFeeds)
        return textEnd
    }

    /// What a start tag looks like to this pass, which decides whether text after it may be diverted.
    enum TagShape {
        /// Well formed with nothing to mend; the `>` is at this index.
        case plain(Int)
        /// Well formed, but the main loop has something to mend in it (a reference, a control character),
        /// or it is an empty-element tag: no text of its own to divert.
        case sound
        /// libxml2 will report an error here and recover in its own way: stop diverting.
        case malformed
        /// The piece ends inside it.
        case cut
    }

    /// The longest start tag read whole to decide on its shape; a longer one counts as malformed.
    static let longestTag = 4096

    /// The shape of the start tag at `start` (`<` followed by a name).
    func startTagShape(at start: Int) -> TagShape {
        let end = min(bytes.count, start + Self.longestTag)
        let needsLook = Self.needsLookTable
        let cut: TagShape = end < start + Self.longestTag && !isFinal ? .cut : .malformed
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }
        func isNameEnd(_ byte: UInt8) -> Bool {
            isSpace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=")
        }
        var plain = true
        /// Reads a name at `cursor`; false when it is empty or holds what no name may.
        func name(_ cursor: inout Int) -> Bool {
            let nameStart = cursor
            while cursor < end, !isNameEnd(bytes[cursor]) {
                let byte = bytes[cursor]
                if byte == 0x3C || byte == 0x26 || byte == 0x22 || byte == 0x27 { return false }
                if needsLook[Int(byte)] { plain = false }
                cursor += 1
            }
            return cursor > nameStart || cursor == end
        }
        var cursor = start + 1
        guard name(&cursor) else { return .malformed }
        while cursor < end {
            let before = cursor
            while cursor < end, isSpace(bytes[cursor]) { cursor += 1 }
            guard cursor < end else { return cut }
            if bytes[cursor] == UInt8(ascii: ">") { return plain ? .plain(cursor) : .sound }
            if bytes[cursor] == UInt8(ascii: "/") {
                guard cursor + 1 < end else { return cut }
                return bytes[cursor + 1] == UInt8(ascii: ">") ? .sound : .malformed
            }
            // An attribute, after white space: name = "value" or 'value'.
            guard cursor > before, name(&cursor) else { return .malformed }
            while cursor < end, isSpace(bytes[cursor]) { cursor += 1 }
            guard cursor < end else { return cut }
            guard bytes[cursor] == UInt8(ascii: "=") else { return .malformed }
            cursor += 1
            while cursor < end, isSpace(bytes[cursor]) { cursor += 1 }
            guard cursor < end else { return cut }
            guard bytes[cursor] == 0x22 || bytes[cursor] == 0x27 else { return .malformed }
            let quote = bytes[cursor]
            cursor += 1
            while cursor < end, bytes[cursor] != quote {
                let byte = bytes[cursor]
                if byte == 0x3C { return .malformed }
                if needsLook[Int(byte)] || byte == 0x0D { plain = false }
                cursor += 1
            }
            guard cursor < end else { return cut }
            cursor += 1
            guard cursor < end else { return cut }
            let next = bytes[cursor]
            guard isSpace(next) || next == UInt8(ascii: ">") || next == UInt8(ascii: "/") else { return .malformed }
        }
        return cut
    }

    /// Decodes a run of text into `decoded` as libxml2 would report it, and returns its line feeds; nil when
    /// it holds something to leave to the repair pass and libxml2: an entity other than the five predefined
    /// ones, a reference that needs mending, a control character or carriage return, a C1 control, U+FFFE,
    /// U+FFFF or `]]>`.
    mutating func decodeText(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = text.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        let count = text.count
        diversion.decoded.removeAll(keepingCapacity: true)
        var lineFeeds = 0
        var copied = 0
        var index = 0
        while index < count {
            index = ByteWord.skip(raw, from: index, count: count) { word in
                ByteWord.equal(word, 0x26) | ByteWord.below(word, 0x20) | ByteWord.equal(word, 0x5D)
                    | ByteWord.equal(word, 0xC2) | ByteWord.equal(word, 0xEF)
            }
            guard index < count else { break }
            let byte = text[index]
            switch byte {
            case 0x0A:
                lineFeeds += 1
                index += 1
            case 0x09:
                index += 1
            case 0x26:
                guard let (scalar, end) = Self.simpleReference(text, at: index) else { return nil }
                diversion.decoded.append(contentsOf: UnsafeBufferPointer(rebasing: text[copied..<index]))
                TextDecoder.appendUTF8(scalar, to: &diversion.decoded)
                index = end
                copied = end
            case 0x5D:
                if index + 2 < count && text[index + 1] == 0x5D && text[index + 2] == 0x3E { return nil }
                index += 1
            case 0xC2:
                if index + 1 < count && text[index + 1] >= 0x80 && text[index + 1] <= 0x9F { return nil }
                index += 1
            case 0xEF:
                if Self.forbiddenLength(text, at: index) > 0 { return nil }
                index += 1
            default:
                if byte < 0x20 { return nil }
                index += 1
            }
        }
        diversion.decoded.append(contentsOf: UnsafeBufferPointer(rebasing: text[copied..<count]))
        return lineFeeds
    }

    /// The character of a predefined entity or character reference at `&` that needs no mending, and the
    /// index after it; nil for anything else.
    static func simpleReference(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt32, Int)? {
        if let predefined = predefinedEntity(text, at: index) { return predefined }
        let count = text.count
        guard index + 3 < count, text[index + 1] == UInt8(ascii: "#") else { return nil }
        var cursor = index + 2
        let hex = text[cursor] == UInt8(ascii: "x")
        if hex { cursor += 1 }
        let digitsStart = cursor
        var value: UInt32 = 0
        while cursor < count, cursor - digitsStart < 8, let digit = HTMLEntities.digit(text[cursor], hex: hex) {
            value = value * (hex ? 16 : 10) + digit
            cursor += 1
        }
        guard cursor > digitsStart, cursor < count, text[cursor] == UInt8(ascii: ";"), isXMLCharacter(value),
            !(0x80...0x9F).contains(value)
        else { return nil }
        return (value, cursor + 1)
    }

    /// The character of `&lt;`, `&gt;`, `&amp;`, `&quot;` or `&apos;` at `index`, and the index after it.
    static func predefinedEntity(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt32, Int)? {
        let count = text.count
        guard index + 3 < count else { return nil }
        let (a, b, c) = (text[index + 1], text[index + 2], text[index + 3])
        if b == UInt8(ascii: "t") && c == UInt8(ascii: ";") {
            if a == UInt8(ascii: "l") { return (0x3C, index + 4) }
            if a == UInt8(ascii: "g") { return (0x3E, index + 4) }
        }
        guard index + 4 < count else { return nil }
        let d = text[index + 4]
        if a == UInt8(ascii: "a") && b == UInt8(ascii: "m") && c == UInt8(ascii: "p") && d == UInt8(ascii: ";") {
            return (0x26, index + 5)
        }
        guard index + 5 < count, text[index + 5] == UInt8(ascii: ";") else { return nil }
        if a == UInt8(ascii: "q") && b == UInt8(ascii: "u") && c == UInt8(ascii: "o") && d == UInt8(ascii: "t") {
            return (0x22, index + 6)
        }
        if a == UInt8(ascii: "a") && b == UInt8(ascii: "p") && c == UInt8(ascii: "o") && d == UInt8(ascii: "s") {
            return (0x27, index + 6)
        }
        return nil
    }

    /// `&#N;` for one of the predefined entities' characters.
    static func characterReference(_ scalar: UInt32) -> StaticString {
        switch scalar {
        case 0x3C: return "&#60;"
        case 0x3E: return "&#62;"
        case 0x26: return "&#38;"
        case 0x22: return "&#34;"
        default: return "&#39;"
        }
    }
}
