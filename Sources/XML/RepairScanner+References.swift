/// References: bare `&`, HTML entities without a DTD, character references to mend.
extension RepairScanner {
    /// Checks the reference at `&`, mending it where needed; returns the index after it, or nil when the
    /// piece ends before the reference does.
    mutating func mendReference(at index: Int) -> Int? {
        let count = bytes.count
        // The five predefined entities become character references: libxml2 drops every entity reference in
        // text once it has met an error anywhere in the document, but never a character reference.
        if let (scalar, end) = Self.predefinedEntity(bytes, at: index) {
            replace(index, end, with: Self.characterReference(scalar))
            return end
        }
        var cursor = index + 1
        if needsMore(cursor) { return nil }
        if cursor < count && bytes[cursor] == UInt8(ascii: "#") {
            cursor += 1
            if needsMore(cursor) { return nil }
            var hex = false
            if cursor < count && (bytes[cursor] == UInt8(ascii: "x") || bytes[cursor] == UInt8(ascii: "X")) {
                hex = true
                cursor += 1
            }
            let upperX = hex && bytes[cursor - 1] == UInt8(ascii: "X")
            var value: UInt32 = 0
            let digitsStart = cursor
            while cursor < count, cursor - digitsStart < 8, let digit = HTMLEntities.digit(bytes[cursor], hex: hex) {
                value = value * (hex ? 16 : 10) + digit
                cursor += 1
            }
            if needsMore(cursor) { return nil }
            guard cursor > digitsStart, cursor < count, bytes[cursor] == UInt8(ascii: ";") else {
                note(.bareAmpersand, at: index)
                replace(index, index + 1, with: "&amp;")
                return index + 1
            }
            let end = cursor + 1
            if (0x80...0x9F).contains(value) {
                // Browsers read these as windows-1252 (`&#146;` is a quote); so does everyone who wrote one.
                replace(index, end, with: Array("&#\(TextDecoder.windows1252High[Int(value - 0x80)]);".utf8))
            } else if !Self.isXMLCharacter(value) {
                note(.badReference, at: index, exampleEnd: end)
                replace(index, end, with: "")
            } else if upperX {
                replace(index, end, with: Array("&#\(value);".utf8))
            }
            return end
        }
        let nameStart = cursor
        while cursor < count, cursor - nameStart < 40, Self.isNameByte(bytes[cursor]) { cursor += 1 }
        if needsMore(cursor) { return nil }
        guard cursor > nameStart, cursor < count, bytes[cursor] == UInt8(ascii: ";"), !Self.isDigit(bytes[nameStart])
        else {
            note(.bareAmpersand, at: index)
            replace(index, index + 1, with: "&amp;")
            return index + 1
        }
        let name = UnsafeBufferPointer(rebasing: bytes[nameStart..<cursor])
        let end = cursor + 1
        if doctype.declared.contains(Array(name)) { return end }
        if doctype.external.contains(Array(name)) {
            note(.externalReference, at: index, exampleEnd: end)
            replace(index, end, with: "")
            return end
        }
        if let value = HTMLEntities.codePoint(named: name) {
            if !doctype.hasExternalDTD {
                note(.htmlEntity, at: index, exampleEnd: end)
            }
            replace(index, end, with: Array("&#\(value);".utf8))
        } else {
            note(.unknownEntity, at: index, exampleEnd: end)
            replace(index, index + 1, with: "&amp;")
        }
        return end
    }

    /// Whether a byte after `<` can begin a tag, end tag, comment, CDATA section or instruction.
    static func canStartMarkup(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte == UInt8(ascii: "/")
            || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: ":") || byte >= 0x80
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func isXMLCharacter(_ value: UInt32) -> Bool {
        switch value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }
}
