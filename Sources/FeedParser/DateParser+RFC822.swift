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

/// Gives each token a role, left to right.
struct LooseDateReader {
    let bytes: [UInt8]
    let tokens: [DateToken]
    var index = 0

    var year: Int?
    var month: Int?
    var day: Int?
    var time: (hour: Int, minute: Int, second: Int)?
    var isAfternoon: Bool?
    var offsetSeconds: Int?
    var weekday: (value: Int, text: String)?
    var isKorean = false
    var unknownZone: String?
    var ignored: [String] = []
    var notes: [String] = []

    init(bytes: [UInt8], tokens: [DateToken]) {
        self.bytes = bytes
        self.tokens = tokens
    }

    var isDateComplete: Bool { year != nil && month != nil && day != nil }

    func token(_ offset: Int) -> DateToken? {
        let at = index + offset
        return at < tokens.count ? tokens[at] : nil
    }

    /// The token `offset` ahead if it is the symbol `character` written right after the one before it.
    func isGluedSymbol(_ offset: Int, _ character: Unicode.Scalar) -> Bool {
        guard let next = token(offset) else { return false }
        return next.isGlued && next.kind == .symbol(UInt8(ascii: character))
    }

    func gluedNumber(_ offset: Int) -> (value: Int, digits: Int)? {
        guard let next = token(offset), next.isGlued, case .number(let value, let digits) = next.kind else {
            return nil
        }
        return (value, digits)
    }

    func text(_ token: DateToken) -> String { DateParser.text(bytes, token.range) }

    mutating func read() throws(DateReadFailure) -> DateFields {
        while let current = token(0) {
            switch current.kind {
            case .number(let value, let digits): try readNumber(value, digits: digits)
            case .word(let word): try readWord(word, current)
            case .symbol(let symbol): try readSymbol(symbol, current)
            }
        }
        return try assemble()
    }

    mutating func readNumber(_ value: Int, digits: Int) throws(DateReadFailure) {
        if isGluedSymbol(1, ":") {
            try readTime()
            return
        }
        if year == nil, month == nil, day == nil, time == nil, try readNumericDate() { return }
        if let next = token(1), next.isGlued, case .word(let word) = next.kind {
            if let marker = DateParser.unitMarker(word) {
                try setUnit(marker.unit, value, digits: digits)
                isKorean = isKorean || marker.isKorean
                index += 2
                return
            }
            if digits <= 2, ["st", "nd", "rd", "th"].contains(String(decoding: word, as: UTF8.self)), day == nil {
                day = value
                index += 2
                return
            }
        }
        defer { index += 1 }
        if time != nil {
            if year == nil, digits <= 4 { setYear(value, digits: digits) } else { ignore(tokens[index]) }
        } else if digits == 4, isDateComplete, value / 100 <= 24, value % 100 < 60 {
            // RFC 822 dates from old software: `03 Apr 02 1500 GMT`.
            time = (value / 100, value % 100, 0)
        } else if digits == 3 || digits == 4 {
            if year == nil { setYear(value, digits: digits) } else { ignore(tokens[index]) }
        } else if digits <= 2 {
            if day == nil {
                day = value
            } else if year == nil {
                setYear(value, digits: digits)
            } else {
                ignore(tokens[index])
            }
        } else {
            ignore(tokens[index])
        }
    }

    mutating func setUnit(_ unit: DateParser.DateUnit, _ value: Int, digits: Int) throws(DateReadFailure) {
        switch unit {
        case .year:
            guard year == nil else { throw DateReadFailure("two years") }
            setYear(value, digits: digits)
        case .month:
            guard month == nil else { throw DateReadFailure("two months") }
            month = value
        case .day:
            guard day == nil else { throw DateReadFailure("two days") }
            day = value
        }
    }

    /// Four digits as written; two digits by the RFC 2822 rule (00-49 is 20xx, 50-99 is 19xx), three
    /// digits plus 1900, each with a note.
    mutating func setYear(_ value: Int, digits: Int) {
        let written = DateParser.text(bytes, tokens[index].range)
        switch digits {
        case 1, 2:
            year = value < 50 ? 2000 + value : 1900 + value
            notes.append("two-digit year \"\(written)\" read as \(year ?? 0)")
        case 3:
            year = 1900 + value
            notes.append("three-digit year \"\(written)\" read as \(year ?? 0)")
        default:
            year = value
        }
    }

    /// `h:mm`, `hh:mm:ss`, with an optional fraction of a second (dropped).
    mutating func readTime() throws(DateReadFailure) {
        guard time == nil else { throw DateReadFailure("two times") }
        guard case .number(let hour, let hourDigits) = tokens[index].kind, hourDigits <= 2,
            let minute = gluedNumber(2), minute.digits <= 2
        else { throw DateReadFailure("bad time") }
        index += 3
        var second = 0
        if isGluedSymbol(0, ":") {
            guard let seconds = gluedNumber(1), seconds.digits <= 2 else { throw DateReadFailure("bad time") }
            second = seconds.value
            index += 2
            if isGluedSymbol(0, ":") { throw DateReadFailure("bad time") }
        }
        if isGluedSymbol(0, ".") || isGluedSymbol(0, ","), gluedNumber(1) != nil { index += 2 }
        time = (hour, minute.value, second)
    }

    /// `2020/1/10`, `22.11.2022`, `2004-05-25`, `01/31/2004`: year first, or day and month in the order
    /// their values allow (day first with dots). Returns false when the tokens are not such a date.
    mutating func readNumericDate() throws(DateReadFailure) -> Bool {
        guard case .number(let first, let firstDigits) = tokens[index].kind, let separator = token(1),
            separator.isGlued, case .symbol(let mark) = separator.kind,
            mark == UInt8(ascii: "/") || mark == UInt8(ascii: ".") || mark == UInt8(ascii: "-"),
            let second = gluedNumber(2), let separator2 = token(3), separator2.isGlued,
            separator2.kind == .symbol(mark), let third = gluedNumber(4), second.digits <= 2
        else { return false }
        let written = DateParser.text(bytes, tokens[index].range.lowerBound..<tokens[index + 4].range.upperBound)
        if firstDigits == 4, third.digits <= 2 {
            year = first
            month = second.value
            day = third.value
            index += 5
            return true
        }
        guard firstDigits <= 2, third.digits == 4 || third.digits == 2 else { return false }
        if mark == UInt8(ascii: ".") || (first > 12 && second.value <= 12) {
            day = first
            month = second.value
        } else if second.value > 12 && first <= 12 {
            month = first
            day = second.value
        } else if first == second.value {
            day = first
            month = first
        } else {
            throw DateReadFailure("day and month of \"\(written)\" could be either way round")
        }
        index += 4
        setYear(third.value, digits: third.digits)
        index += 1
        return true
    }

    mutating func readSymbol(_ symbol: UInt8, _ current: DateToken) throws(DateReadFailure) {
        switch symbol {
        case UInt8(ascii: ","), UInt8(ascii: "."):
            index += 1
        case UInt8(ascii: "("):
            // A comment, as in `-0800 (PST)`.
            while let next = token(0), next.kind != .symbol(UInt8(ascii: ")")) { index += 1 }
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            if let number = gluedNumber(1), time != nil || (isDateComplete && number.digits == 4) {
                try readOffset(sign: symbol == UInt8(ascii: "-") ? -1 : 1)
            } else if time != nil && symbol == UInt8(ascii: "+") {
                throw DateReadFailure("bad time zone offset")
            } else if symbol == UInt8(ascii: "-") && time == nil {
                index += 1
            } else {
                ignore(current)
                index += 1
            }
        case UInt8(ascii: "'"):
            // `Jan 26 '04`
            if let number = gluedNumber(1), number.digits == 2 { index += 1 } else { ignore(current); index += 1 }
        default:
            ignore(current)
            index += 1
        }
    }

    /// `+0100`, `-05`, `+01:00`, `+530` after the sign.
    mutating func readOffset(sign: Int) throws(DateReadFailure) {
        let start = tokens[index].range.lowerBound
        guard let (value, digits) = gluedNumber(1) else { throw DateReadFailure("bad time zone offset") }
        var hours = value
        var minutes = 0
        index += 2
        switch digits {
        case 1, 2:
            if isGluedSymbol(0, ":") {
                guard let extra = gluedNumber(1), extra.digits <= 2 else {
                    throw DateReadFailure("bad time zone offset")
                }
                minutes = extra.value
                index += 2
            }
        case 3, 4:
            hours = value / 100
            minutes = value % 100
        default:
            throw DateReadFailure("bad time zone offset")
        }
        guard hours < 24, minutes < 60 else { throw DateReadFailure("time zone offset out of range") }
        if offsetSeconds == nil {
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        } else {
            ignored.append(DateParser.text(bytes, start..<tokens[index - 1].range.upperBound))
        }
    }

    mutating func readWord(_ word: [UInt8], _ current: DateToken) throws(DateReadFailure) {
        defer { index += 1 }
        if let meridiem = DateParser.meridiem(word) {
            isAfternoon = meridiem.isAfternoon
            isKorean = isKorean || meridiem.isKorean
            return
        }
        if DateParser.unitMarker(word) != nil { return }
        if time == nil {
            // `2003/12/31T10:14:55`
            if word == [UInt8(ascii: "t")], current.isGlued, gluedNumber(1) != nil { return }
            if year == nil, month == nil, day == nil, weekday == nil, let value = DateParser.weekday(word),
                DateParser.month(word) == nil || laterWordIsMonth()
            {
                weekday = (value, text(current))
                return
            }
            if let named = DateParser.month(word) {
                try setMonth(named, current)
                return
            }
            if DateParser.noiseWords.contains(word) { return }
            if !isDateComplete {
                ignore(current)
                return
            }
        }
        if time != nil, readMeridiem(word) { return }
        if word == Array("etc".utf8), isGluedSymbol(1, "/") {
            index += 1
            return
        }
        if ["gmt", "utc", "ut"].contains(String(decoding: word, as: UTF8.self)),
            isGluedSymbol(1, "+") || isGluedSymbol(1, "-")
        {
            return
        }
        switch DateParser.zoneName(word) {
        case .offset(let seconds)?:
            if offsetSeconds == nil { offsetSeconds = seconds } else if offsetSeconds != seconds { ignore(current) }
        case .military?:
            if offsetSeconds == nil {
                offsetSeconds = 0
                notes.append("military time zone \"\(text(current))\" is ambiguous, read as UTC")
            } else {
                ignore(current)
            }
        case nil:
            if month == nil, let named = DateParser.month(word) {
                try setMonth(named, current)
            } else if word == Array("uhr".utf8) {
                return
            } else if offsetSeconds == nil, unknownZone == nil {
                // A zone like `Europe/Berlin` is one name.
                var end = current.range.upperBound
                while let next = token(1), next.isGlued,
                    next.kind == .symbol(UInt8(ascii: "/")) || next.kind == .symbol(UInt8(ascii: "_"))
                        || { if case .word = next.kind { true } else { false } }()
                {
                    end = next.range.upperBound
                    index += 1
                }
                unknownZone = DateParser.text(bytes, current.range.lowerBound..<end)
                offsetSeconds = 0
            } else {
                ignore(current)
            }
        }
    }

    /// `am`, `pm`, `a.m.`, `p.m.` after the time.
    mutating func readMeridiem(_ word: [UInt8]) -> Bool {
        switch String(decoding: word, as: UTF8.self) {
        case "am":
            isAfternoon = false
        case "pm":
            isAfternoon = true
        case "a", "p":
            guard isGluedSymbol(1, "."), let next = token(2), next.isGlued, next.kind == .word([UInt8(ascii: "m")])
            else { return false }
            isAfternoon = word == [UInt8(ascii: "p")]
            index += 2
        default:
            return false
        }
        return true
    }

    mutating func setMonth(_ named: Int, _ current: DateToken) throws(DateReadFailure) {
        if month == nil {
            month = named
        } else if month == named {
            ignore(current)
        } else {
            throw DateReadFailure("two months")
        }
    }

    /// Whether a month name follows: then a first word like `mar` is Tuesday (martes, mardi), not March.
    func laterWordIsMonth() -> Bool {
        tokens[(index + 1)...].contains { token in
            if case .word(let word) = token.kind { DateParser.month(word) != nil } else { false }
        }
    }

    mutating func ignore(_ token: DateToken) {
        ignored.append(text(token))
    }

    mutating func assemble() throws(DateReadFailure) -> DateFields {
        guard let month else { throw DateReadFailure("no month") }
        guard let day else { throw DateReadFailure("no day") }
        guard let year else { throw DateReadFailure("no year") }
        var fields = DateFields(year: year, month: month, day: day)
        if let time {
            fields.hour = time.hour
            fields.minute = time.minute
            fields.second = time.second
            if let isAfternoon {
                guard (1...12).contains(time.hour) || (time.hour == 0 && !isAfternoon) else {
                    throw DateReadFailure("hour \(time.hour) with am or pm")
                }
                if isAfternoon, time.hour < 12 { fields.hour += 12 }
                if !isAfternoon, time.hour == 12 { fields.hour = 0 }
            }
        }
        fields.weekday = weekday
        fields.notes = notes
        if let unknownZone {
            fields.notes.append("unknown time zone \"\(unknownZone)\", read as UTC")
        }
        if let offsetSeconds {
            fields.offsetSeconds = offsetSeconds
        } else if isKorean, time != nil {
            fields.offsetSeconds = 9 * 3600
        } else if time != nil {
            fields.notes.append("no time zone, read as UTC")
        }
        if !ignored.isEmpty {
            fields.notes.append("ignored " + ignored.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        return fields
    }
}
