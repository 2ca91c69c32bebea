import Glibc

/// Turns bytes in a named character encoding into UTF-8, through iconv (glibc knows hundreds of
/// encodings), with fast paths of our own for UTF-8 and windows-1252 and its labels.
public enum TextDecoder {
    /// The result of a conversion: UTF-8 bytes and how many input sequences were invalid (each
    /// became U+FFFD, or a windows-1252 character for `repairingUTF8`).
    public struct Decoded: Sendable {
        public var utf8: [UInt8]
        public var invalidCount: Int
    }

    /// The canonical name of an encoding label, or nil when it names no encoding this machine can
    /// decode. ISO-8859-1 and US-ASCII labels answer `windows-1252`, as web browsers read them.
    public static func canonicalName(_ label: String) -> String? {
        var name = label.lowercased().filter { !$0.isWhitespace && $0 != "\"" && $0 != "'" }
        name = name.replacingAll("_", with: "-")
        if let alias = aliases[name] { name = alias }
        if name == "utf-8" || name == "utf8" { return "utf-8" }
        if windows1252Labels.contains(name) { return "windows-1252" }
        return canOpen(name) ? name : nil
    }

    /// Decodes `bytes` from the encoding `name` (a canonical name from `canonicalName`); nil when the
    /// encoding cannot be opened.
    public static func decode(_ bytes: [UInt8], from name: String) -> Decoded? {
        switch name {
        case "utf-8":
            return isValidUTF8(bytes) ? Decoded(utf8: bytes, invalidCount: 0) : repairingUTF8(bytes)
        case "windows-1252": return decodeWindows1252(bytes)
        default: return decodeWithIconv(bytes, from: name)
        }
    }

    /// Whether `bytes` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
    public static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            let count = buffer.count
            guard let base = buffer.baseAddress else { return true }
            let raw = UnsafeRawPointer(base)
            while index < count {
                // Eight ASCII bytes at a time.
                if index + 8 <= count,
                    raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
                {
                    index += 8
                    continue
                }
                if buffer[index] < 0x80 {
                    index += 1
                    continue
                }
                let length = sequenceLength(buffer, at: index)
                if length == 0 { return false }
                index += length
            }
            return true
        }
    }

    /// Decodes UTF-8, reading each byte that is not part of a valid sequence as windows-1252: the usual
    /// state of a feed that mixes UTF-8 with text pasted from a legacy editor.
    public static func repairingUTF8(_ bytes: [UInt8]) -> Decoded {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 8)
        var invalid = 0
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                let byte = buffer[index]
                if byte < 0x80 {
                    output.append(byte)
                    index += 1
                    continue
                }
                let length = sequenceLength(buffer, at: index)
                if length > 0 {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[index..<index + length]))
                    index += length
                } else {
                    appendUTF8(windows1252High[Int(byte - 0x80)], to: &output)
                    invalid += 1
                    index += 1
                }
            }
        }
        return Decoded(utf8: output, invalidCount: invalid)
    }

    /// Length of the valid UTF-8 sequence starting at a non-ASCII byte, or 0 if it is not valid.
    static func sequenceLength(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let lead = buffer[index]
        let remaining = buffer.count - index
        func continuation(_ offset: Int) -> Bool { buffer[index + offset] & 0xC0 == 0x80 }
        switch lead {
        case 0xC2...0xDF:
            return remaining >= 2 && continuation(1) ? 2 : 0
        case 0xE0...0xEF:
            guard remaining >= 3, continuation(1), continuation(2) else { return 0 }
            let second = buffer[index + 1]
            if lead == 0xE0 && second < 0xA0 { return 0 }  // overlong
            if lead == 0xED && second >= 0xA0 { return 0 }  // surrogate
            return 3
        case 0xF0...0xF4:
            guard remaining >= 4, continuation(1), continuation(2), continuation(3) else { return 0 }
            let second = buffer[index + 1]
            if lead == 0xF0 && second < 0x90 { return 0 }  // overlong
            if lead == 0xF4 && second >= 0x90 { return 0 }  // past U+10FFFF
            return 4
        default:
            return 0
        }
    }

    static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case 0..<0x80: output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | (scalar >> 6)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | (scalar >> 12)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            output.append(UInt8(0xF0 | (scalar >> 18)))
            output.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    // MARK: - windows-1252

    /// 0x80-0xFF of windows-1252; the five bytes it leaves undefined map to the C1 controls, as WHATWG does.
    static let windows1252High: [UInt32] = {
        let c1: [UInt32] = [
            0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
            0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
            0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
        ]
        return c1 + (0xA0...0xFF).map { UInt32($0) }
    }()

    static let windows1252Labels: Set<String> = [
        "windows-1252", "cp1252", "x-cp1252", "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1",
        "iso-ir-100", "ibm819", "cp819", "csisolatin1", "iso-8859-1:1987", "us-ascii", "ascii", "ansi-x3.4-1968",
        "iso646-us", "us", "ms-ansi", "csascii", "iso-8859-15:1998",
    ]

    static func decodeWindows1252(_ bytes: [UInt8]) -> Decoded {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 8)
        for byte in bytes {
            if byte < 0x80 {
                output.append(byte)
            } else {
                appendUTF8(windows1252High[Int(byte - 0x80)], to: &output)
            }
        }
        return Decoded(utf8: output, invalidCount: 0)
    }

    // MARK: - iconv

    /// Python and web labels that glibc's iconv spells differently.
    static let aliases: [String: String] = [
        "macroman": "macintosh", "mac-roman": "macintosh", "x-mac-roman": "macintosh",
        "maclatin2": "mac-centraleurope", "maccentraleurope": "mac-centraleurope", "x-mac-ce": "mac-centraleurope",
        "maciceland": "mac-is", "csibm861": "ibm861", "ibm039": "ibm037", "x-mac-cyrillic": "mac-cyrillic",
        "cp-is": "cp861", "winbaltrim": "cp1257",
        "csucs4": "ucs-4", "csunicode": "ucs-2", "unicode": "utf-16", "ucs-2": "utf-16",
        "x-sjis": "shift_jis", "shift-jis": "shift_jis", "sjis": "shift_jis", "ks_c_5601-1987": "cp949",
        "ks-c-5601-1987": "cp949", "x-euc-jp": "euc-jp", "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030",
        "big5-hkscs": "big5-hkscs", "utf-16le": "utf-16le", "utf-16be": "utf-16be",
    ]

    private static func canOpen(_ name: String) -> Bool {
        let handle = iconv_open("UTF-8", name)
        guard let handle, handle != UnsafeMutableRawPointer(bitPattern: -1) else { return false }
        iconv_close(handle)
        return true
    }

    private static func decodeWithIconv(_ bytes: [UInt8], from name: String) -> Decoded? {
        let handle = iconv_open("UTF-8", name)
        guard let handle, handle != UnsafeMutableRawPointer(bitPattern: -1) else { return nil }
        defer { iconv_close(handle) }
        var output = [UInt8](repeating: 0, count: max(64, bytes.count * 2))
        var produced = 0
        var invalid = 0
        var input = bytes
        input.withUnsafeMutableBufferPointer { inBuffer in
            guard let inBase = inBuffer.baseAddress else { return }
            var consumed = 0
            while consumed < inBuffer.count {
                if output.count - produced < 16 { output.append(contentsOf: repeatElement(0, count: output.count)) }
                var inLeft = inBuffer.count - consumed
                var outLeft = output.count - produced
                var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBase + consumed)
                    .assumingMemoryBound(to: CChar.self)
                let result = output.withUnsafeMutableBufferPointer { outBuffer -> Int in
                    guard let outBase = outBuffer.baseAddress else { return 0 }
                    var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBase + produced)
                        .assumingMemoryBound(to: CChar.self)
                    return iconv(handle, &inPointer, &inLeft, &outPointer, &outLeft)
                }
                let code = errno
                consumed = inBuffer.count - inLeft
                produced = output.count - outLeft
                if result != -1 { break }
                switch code {
                case E2BIG:
                    output.append(contentsOf: repeatElement(0, count: output.count))
                case EILSEQ:
                    invalid += 1
                    consumed += 1
                    appendReplacement(&output, &produced)
                default:  // EINVAL: an incomplete sequence at the end
                    invalid += 1
                    appendReplacement(&output, &produced)
                    consumed = inBuffer.count
                }
            }
        }
        output.removeSubrange(produced...)
        return Decoded(utf8: output, invalidCount: invalid)
    }

    private static func appendReplacement(_ output: inout [UInt8], _ produced: inout Int) {
        if output.count - produced < 3 { output.append(contentsOf: repeatElement(0, count: output.count + 3)) }
        output[produced] = 0xEF
        output[produced + 1] = 0xBF
        output[produced + 2] = 0xBD
        produced += 3
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
