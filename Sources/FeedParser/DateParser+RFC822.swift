/// The forgiving reader: RFC 822/1123/2822 dates and everything feeds write instead of them, such as
/// asctime, missing or extra commas and spaces, `26-Jan-2004`, localized names, `8:56 am`,
/// `2020/1/10 14:16:00`, `22.11.2022`, `2004년 05월 28일`. The text is cut into tokens (numbers,
/// words, single symbols) and each token is given the role its shape and place allow.
extension DateParser {
    static func scanRFC822(_ bytes: [UInt8]) throws(DateReadFailure) -> DateFields {
        var reader = LooseDateReader(bytes: bytes, tokens: tokenize(bytes))
        return try reader.read()
    }

    /// Numbers, words (ASCII letters and any non-ASCII character) and single symbols; white space
    /// (including U+00A0) only separates.
    static func tokenize(_ bytes: [UInt8]) -> [DateToken] {
        var tokens: [DateToken] = []
        var index = 0
        var isGlued = false
        while index < bytes.count {
            let byte = bytes[index]
            if isSpace(byte) || (byte == 0xC2 && index + 1 < bytes.count && bytes[index + 1] == 0xA0) {
                index += byte == 0xC2 ? 2 : 1
                isGlued = false
                continue
            }
            let start = index
            let kind: DateToken.Kind
            if isDigit(byte) {
                var value = 0
                while index < bytes.count, isDigit(bytes[index]) {
                    // Long runs are never a date field; stop the value before it could overflow.
                    if index - start < 9 { value = value * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
                    index += 1
                }
                kind = .number(value: value, digits: index - start)
            } else if isWordByte(bytes, index) {
                while index < bytes.count, isWordByte(bytes, index) { index += 1 }
                kind = .word(normalizedWord(bytes[start..<index]))
            } else {
                index += 1
                kind = .symbol(byte)
            }
            tokens.append(DateToken(kind: kind, range: start..<index, isGlued: isGlued))
            isGlued = true
        }
        return tokens
    }

    /// ASCII letters and any non-ASCII byte except those of U+00A0.
    static func isWordByte(_ bytes: [UInt8], _ index: Int) -> Bool {
        let byte = bytes[index]
        if isLetter(byte) { return true }
        guard byte >= 0x80 else { return false }
        return !(byte == 0xC2 && index + 1 < bytes.count && bytes[index + 1] == 0xA0)
    }
}

struct DateToken {
    enum Kind: Equatable {
        case number(value: Int, digits: Int)
        /// Normalized by `DateParser.normalizedWord`.
        case word([UInt8])
        case symbol(UInt8)
    }

    var kind: Kind
    var range: Range<Int>
    /// No space between this token and the one before.
    var isGlued: Bool
}
