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

    /// `26th`, `1st`: English day numbers.
    static let ordinalSuffixes: Set<[UInt8]> = Set(["st", "nd", "rd", "th"].map { Array($0.utf8) })
    /// Zone names that may carry an offset: `GMT+0100`, `UTC-5`.
    static let offsetBases: Set<[UInt8]> = Set(["gmt", "utc", "ut"].map { Array($0.utf8) })
    /// `am` and `pm` after the time (afternoon true); `a.m.` and `p.m.` are read letter by letter.
    static let meridiemWords: [[UInt8]: Bool] = [Array("am".utf8): false, Array("pm".utf8): true]
    static let etc = Array("etc".utf8)
    static let uhr = Array("uhr".utf8)

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
            if digits <= 2, Self.ordinalSuffixes.contains(word), day == nil {
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
}
