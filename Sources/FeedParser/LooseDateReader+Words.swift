/// Symbols, zone offsets and words: the roles of the tokens that are not numbers.
extension LooseDateReader {
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
        if word == Self.etc, isGluedSymbol(1, "/") {
            index += 1
            return
        }
        if Self.offsetBases.contains(word),
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
            } else if word == Self.uhr {
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
        if let afternoon = Self.meridiemWords[word] {
            isAfternoon = afternoon
            return true
        }
        let isA = word == [UInt8(ascii: "a")]
        guard isA || word == [UInt8(ascii: "p")], isGluedSymbol(1, "."), let next = token(2), next.isGlued,
            next.kind == .word([UInt8(ascii: "m")])
        else { return false }
        isAfternoon = !isA
        index += 2
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
