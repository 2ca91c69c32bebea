import CLibXML2

/// The one table of HTML named character references and the one decoder of HTML character references,
/// for everything in feedd that reads them: the XML repair pass (`&eacute;` in a feed without a DTD), the
/// parser's plain text and URL attributes, and the plain text hooks get (`PlainText`).
///
/// The table is libxml2's: the 253 names of HTML 4.01 (`&apos;` included), matched case-sensitively. It is
/// the table the parser has always used, so its output stays as it was; HTML5's longer list (`&NotEqual;`,
/// names without a semicolon) is not read.
public enum HTMLEntities {
    /// The longest name looked up; no name in the table comes near it.
    static let longestName = 40

    /// The code point of `&name;` (`name` without `&` and `;`), or nil.
    public static func codePoint(named name: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard !name.isEmpty, name.count <= longestName else { return nil }
        // libxml2 wants a terminated string: a small buffer on the stack, no allocation per lookup.
        return withUnsafeTemporaryAllocation(of: xmlChar.self, capacity: name.count + 1) { buffer in
            guard let base = buffer.baseAddress else { return nil }
            for index in 0..<name.count {
                // A NUL would end the name early; no name in the table holds one.
                guard name[index] != 0 else { return nil }
                base[index] = name[index]
            }
            base[name.count] = 0
            guard let entry = htmlEntityLookup(base) else { return nil }
            return entry.pointee.value
        }
    }

    /// The code point of `&name;` (`name` without `&` and `;`), or nil.
    public static func codePoint(named name: String) -> UInt32? {
        var name = name
        return name.withUTF8 { codePoint(named: $0) }
    }

    /// The character of the reference at `bytes[index]` (an `&`) and the index after it, or nil when no
    /// reference starts there. Read as browsers read text:
    /// - `&#N;` and `&#xN;` (the `;` may be missing); 0, surrogates and values past U+10FFFF are not
    ///   references, and U+0080-U+009F are read as the windows-1252 characters their authors meant
    ///   (`&#146;` is a right quote);
    /// - `&name;` with a name of the table (the `;` is required).
    public static func reference(in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (scalar: UInt32, end: Int)? {
        var cursor = index + 1
        let count = bytes.count
        guard cursor < count else { return nil }
        if bytes[cursor] == UInt8(ascii: "#") {
            cursor += 1
            var hex = false
            if cursor < count, bytes[cursor] == UInt8(ascii: "x") || bytes[cursor] == UInt8(ascii: "X") {
                hex = true
                cursor += 1
            }
            var value: UInt32 = 0
            let start = cursor
            while cursor < count, cursor - start < 8, let digit = digit(bytes[cursor], hex: hex) {
                value = value * (hex ? 16 : 10) + digit
                cursor += 1
            }
            guard cursor > start, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value), value != 0 else { return nil }
            if cursor < count, bytes[cursor] == UInt8(ascii: ";") { cursor += 1 }
            if (0x80...0x9F).contains(value) { value = TextDecoder.windows1252High[Int(value - 0x80)] }
            return (value, cursor)
        }
        let start = cursor
        while cursor < count, cursor - start < 32, isLetterOrDigit(bytes[cursor]) { cursor += 1 }
        guard cursor > start, cursor < count, bytes[cursor] == UInt8(ascii: ";") else { return nil }
        guard let value = codePoint(named: UnsafeBufferPointer(rebasing: bytes[start..<cursor])) else { return nil }
        return (value, cursor + 1)
    }

    /// The text with its references decoded (`reference(in:at:)`); an `&` that starts none stays as it is.
    public static func decoded(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "&")) else { return text }
        var text = text
        return text.withUTF8 { bytes in
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count)
            var index = 0
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "&"), let (scalar, end) = reference(in: bytes, at: index) {
                    TextDecoder.appendUTF8(scalar, to: &output)
                    index = end
                } else {
                    output.append(bytes[index])
                    index += 1
                }
            }
            return String(decoding: output, as: UTF8.self)
        }
    }

    @inline(__always)
    static func digit(_ byte: UInt8, hex: Bool) -> UInt32? {
        switch byte {
        case 0x30...0x39: return UInt32(byte - 0x30)
        case 0x61...0x66 where hex: return UInt32(byte - 0x61 + 10)
        case 0x41...0x46 where hex: return UInt32(byte - 0x41 + 10)
        default: return nil
        }
    }

    @inline(__always)
    static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
    }
}
