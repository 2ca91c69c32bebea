internal import FoundationEssentials

/// A JSON value as `JSONDecoder` reads it, for documents whose shape is only known at run time.
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent that fits 64 bits.
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            // Members in name order, so that the first bad one (and so the error) is always the same one.
            let object = try decoder.container(keyedBy: MemberName.self)
            var members: [String: JSONValue] = [:]
            for name in object.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
                members[name.stringValue] = try object.decode(JSONValue.self, forKey: name)
            }
            self = .object(members)
        }
    }

    private struct MemberName: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Parses a whole JSON text (any value at the top, not only an object).
    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    /// The text with control characters inside strings escaped (`\u0000`; tab and line breaks as `\t`,
    /// `\n`, `\r`), which JSON forbids raw but careless generators write; and how many there were.
    static func escapingControlCharacters(_ bytes: [UInt8]) -> (text: [UInt8], count: Int) {
        var output: [UInt8] = []
        var count = 0
        var inString = false
        var escaped = false
        for (index, byte) in bytes.enumerated() {
            if inString && byte < 0x20 {
                if count == 0 {
                    output.reserveCapacity(bytes.count + 16)
                    output.append(contentsOf: bytes[0..<index])
                }
                count += 1
                escaped = false
                switch byte {
                case 0x09: output.append(contentsOf: Array(#"\t"#.utf8))
                case 0x0A: output.append(contentsOf: Array(#"\n"#.utf8))
                case 0x0D: output.append(contentsOf: Array(#"\r"#.utf8))
                default:
                    let digits = Array("0123456789abcdef".utf8)
                    output.append(contentsOf: Array(#"\u00"#.utf8))
                    output.append(digits[Int(byte >> 4)])
                    output.append(digits[Int(byte & 0xF)])
                }
                continue
            }
            if count > 0 { output.append(byte) }
            if escaped {
                escaped = false
            } else if inString && byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString.toggle()
            }
        }
        return count == 0 ? (bytes, 0) : (output, count)
    }

    /// The text with every `\u` escape of a lone UTF-16 surrogate (a high one `\uD800`-`\uDBFF` not
    /// followed by the escape of a low one, or a low one `\uDC00`-`\uDFFF` on its own) written as
    /// `\uFFFD`, and how many there were. `JSONDecoder` refuses the whole text for one of them, where a
    /// broken character should cost only itself, as invalid UTF-8 does.
    static func replacingLoneSurrogates(_ bytes: [UInt8]) -> (text: [UInt8], count: Int) {
        var output: [UInt8] = []
        var count = 0
        var inString = false
        var copied = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if !inString {
                if byte == UInt8(ascii: "\"") { inString = true }
                index += 1
                continue
            }
            if byte == UInt8(ascii: "\"") {
                inString = false
                index += 1
                continue
            }
            guard byte == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            guard let unit = unicodeEscape(bytes, at: index) else {
                index += 2  // another escape: the backslash and the character it escapes
                continue
            }
            if (0xD800...0xDBFF).contains(unit), let next = unicodeEscape(bytes, at: index + 6),
                (0xDC00...0xDFFF).contains(next)
            {
                index += 12  // a valid pair
                continue
            }
            guard (0xD800...0xDFFF).contains(unit) else {
                index += 6
                continue
            }
            if count == 0 { output.reserveCapacity(bytes.count) }
            output.append(contentsOf: bytes[copied..<index])
            output.append(contentsOf: Array(#"\ufffd"#.utf8))
            count += 1
            index += 6
            copied = index
        }
        guard count > 0 else { return (bytes, 0) }
        output.append(contentsOf: bytes[copied...])
        return (output, count)
    }

    /// The code unit of a `\uXXXX` escape starting at `index`, or nil when there is none.
    private static func unicodeEscape(_ bytes: [UInt8], at index: Int) -> UInt16? {
        guard index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
        else { return nil }
        var unit: UInt16 = 0
        for byte in bytes[(index + 2)..<(index + 6)] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            unit = unit << 4 | UInt16(digit)
        }
        return unit
    }

    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }

    var string: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    var array: [JSONValue]? {
        guard case .array(let values) = self else { return nil }
        return values
    }

    var isObject: Bool {
        guard case .object = self else { return false }
        return true
    }

    /// An integer, or a number with no fraction that fits 64 bits.
    var int64: Int64? {
        switch self {
        case .integer(let value): return value
        case .number(let value) where value.rounded() == value && abs(value) < 9.2e18: return Int64(value)
        default: return nil
        }
    }
}
