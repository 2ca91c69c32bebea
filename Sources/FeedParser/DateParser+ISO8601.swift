import FeedModel

/// RFC 3339, ISO 8601 and W3C-DTF: `2003-12-31T10:14:55Z` and its partial, basic, ordinal and week
/// forms, with `t`/`z` in lower case, a space for `T`, fractional seconds (dropped), and a zone that
/// is an offset, `Z` or a zone name.
extension DateParser {
    /// Nil when the text does not start like an ISO 8601 date (four digits, then `-`, `W`, more digits
    /// for the basic format, or the end); the forgiving reader then tries it.
    static func scanISO8601(_ bytes: [UInt8]) throws(DateReadFailure) -> DateFields? {
        var cursor = ByteCursor(bytes)
        let run = cursor.digitRunLength
        guard run == 4 || run == 7 || run == 8 else { return try scanTwoDigitYear(&cursor) }
        var fields: DateFields
        if run == 8 {
            // Basic format: 20031231.
            let year = cursor.number(digits: 4)
            let month = cursor.number(digits: 2)
            fields = DateFields(year: year, month: month, day: cursor.number(digits: 2))
        } else if run == 7 {
            // Basic ordinal: 2003335.
            let year = cursor.number(digits: 4)
            fields = try ordinalDate(year: year, day: cursor.number(digits: 3))
        } else {
            let year = cursor.number(digits: 4)
            if cursor.isAtEnd { return DateFields(year: year, month: 1, day: 1) }
            if cursor.skip("W") || cursor.skip("w") {
                guard cursor.digitRunLength == 3 else { throw DateReadFailure("bad week date") }
                let week = cursor.number(digits: 2)
                fields = try weekDate(year: year, week: week, weekday: cursor.number(digits: 1))
            } else if cursor.skip("-") {
                guard let extended = try extendedDate(year: year, &cursor) else { return nil }
                fields = extended
            } else {
                return nil
            }
        }
        return try timeAndZone(&fields, &cursor) ? fields : nil
    }

    /// ISO 8601's truncated forms with a two-digit year: `031231`, `03-12-31`, `03335` (ordinal),
    /// `-0312` and `-03-12` (year and month). The year is read in the 2000s, as feedparser does this
    /// century, with a warning. Nil for any other shape, so `12-31-2003` still goes to the forgiving
    /// reader.
    static func scanTwoDigitYear(_ cursor: inout ByteCursor) throws(DateReadFailure) -> DateFields? {
        var fields: DateFields
        if cursor.skip("-") {
            let run = cursor.digitRunLength
            if run == 4 {
                let year = 2000 + cursor.number(digits: 2)
                fields = DateFields(year: year, month: cursor.number(digits: 2), day: 1)
            } else if run == 2, cursor.peek(2) == UInt8(ascii: "-"), cursor.peek(3).map(isDigit) == true,
                cursor.peek(4).map(isDigit) == true, cursor.peek(5).map(isDigit) != true
            {
                let year = 2000 + cursor.number(digits: 2)
                cursor.advance()
                fields = DateFields(year: year, month: cursor.number(digits: 2), day: 1)
            } else {
                return nil
            }
        } else {
            let run = cursor.digitRunLength
            if run == 6 {
                let year = 2000 + cursor.number(digits: 2)
                let month = cursor.number(digits: 2)
                fields = DateFields(year: year, month: month, day: cursor.number(digits: 2))
            } else if run == 5 {
                let year = 2000 + cursor.number(digits: 2)
                guard let ordinal = try? ordinalDate(year: year, day: cursor.number(digits: 3)) else { return nil }
                fields = ordinal
            } else if run == 2, cursor.peek(2) == UInt8(ascii: "-"), cursor.peek(5) == UInt8(ascii: "-"),
                (3...4).allSatisfy({ cursor.peek($0).map(isDigit) == true }),
                (6...7).allSatisfy({ cursor.peek($0).map(isDigit) == true }), cursor.peek(8).map(isDigit) != true
            {
                let year = 2000 + cursor.number(digits: 2)
                cursor.advance()
                let month = cursor.number(digits: 2)
                cursor.advance()
                fields = DateFields(year: year, month: month, day: cursor.number(digits: 2))
            } else {
                return nil
            }
        }
        let written = fields.year - 2000
        fields.notes.append("two-digit year \"\(written < 10 ? "0" : "")\(written)\" read as \(fields.year)")
        return try timeAndZone(&fields, &cursor) ? fields : nil
    }

    /// The part after `YYYY-`: `MM`, `MM-DD`, `DDD`, `Www`, `Www-D`, Google's `0MM-DD`, or a month
    /// name (the Hungarian `2004-július-13`).
    static func extendedDate(year: Int, _ cursor: inout ByteCursor) throws(DateReadFailure) -> DateFields? {
        if cursor.skip("W") || cursor.skip("w") {
            guard cursor.digitRunLength == 2 else { throw DateReadFailure("bad week date") }
            let week = cursor.number(digits: 2)
            var weekday = 1
            if cursor.skip("-") {
                guard cursor.digitRunLength == 1 else { throw DateReadFailure("bad week date") }
                weekday = cursor.number(digits: 1)
            }
            return try weekDate(year: year, week: week, weekday: weekday)
        }
        var month: Int
        let run = cursor.digitRunLength
        if run == 0 {
            let start = cursor.position
            while let byte = cursor.current, byte >= 0x80 || isLetter(byte) { cursor.advance() }
            guard let named = DateParser.month(normalizedWord(cursor.bytes[start..<cursor.position])) else {
                return nil
            }
            month = named
        } else if run == 3 {
            guard cursor.current == UInt8(ascii: "0"), cursor.peek(3) == UInt8(ascii: "-") else {
                return try ordinalDate(year: year, day: cursor.number(digits: 3))
            }
            month = cursor.number(digits: 3)
        } else if run == 1 || run == 2 {
            month = cursor.number(digits: run)
        } else {
            throw DateReadFailure("bad month")
        }
        guard cursor.skip("-") else {
            // Year and month only: 2003-12.
            return run == 0 ? nil : DateFields(year: year, month: month, day: 1)
        }
        let dayRun = cursor.digitRunLength
        guard dayRun == 1 || dayRun == 2 else { throw DateReadFailure("bad day") }
        return DateFields(year: year, month: month, day: cursor.number(digits: dayRun))
    }

    /// Reads an optional time and zone after the date. False when what follows is not ISO 8601 at all
    /// (`2004-05-25 오후 11:23:17`), so the forgiving reader should try the whole text.
    static func timeAndZone(_ fields: inout DateFields, _ cursor: inout ByteCursor) throws(DateReadFailure) -> Bool {
        if cursor.isAtEnd { return true }
        var hasTime = false
        if cursor.skip("T") || cursor.skip("t") {
            guard cursor.digitRunLength > 0 else { throw DateReadFailure("no time after \"T\"") }
            hasTime = true
        } else if let byte = cursor.current, isSpace(byte) {
            let save = cursor.position
            cursor.skipSpaces()
            if cursor.digitRunLength > 0 {
                hasTime = true
            } else {
                cursor.position = save
            }
        }
        if hasTime { try time(&fields, &cursor) }
        return try zone(&fields, &cursor, hasTime: hasTime)
    }

    /// `hh`, `hh:mm`, `hh:mm:ss`, `hhmm`, `hhmmss`, each with an optional fraction; one-digit fields
    /// (`T9:15`, `12:35:1`) are sloppy but unambiguous.
    static func time(_ fields: inout DateFields, _ cursor: inout ByteCursor) throws(DateReadFailure) {
        let run = cursor.digitRunLength
        if run <= 2, cursor.peek(run) == UInt8(ascii: ":") {
            fields.hour = cursor.number(digits: run)
            cursor.advance()
            let minuteRun = cursor.digitRunLength
            guard minuteRun == 1 || minuteRun == 2 else { throw DateReadFailure("bad minutes") }
            fields.minute = cursor.number(digits: minuteRun)
            if cursor.skip(":") {
                let secondRun = cursor.digitRunLength
                guard secondRun == 1 || secondRun == 2 else { throw DateReadFailure("bad seconds") }
                fields.second = cursor.number(digits: secondRun)
                if cursor.current == UInt8(ascii: ":") { throw DateReadFailure("bad time") }
            }
        } else if run == 2 || run == 4 || run == 6 {
            fields.hour = cursor.number(digits: 2)
            if run >= 4 { fields.minute = cursor.number(digits: 2) }
            if run == 6 { fields.second = cursor.number(digits: 2) }
        } else {
            throw DateReadFailure("bad time")
        }
        if let mark = cursor.current, mark == UInt8(ascii: ".") || mark == UInt8(ascii: ","),
            cursor.peek(1).map(isDigit) == true
        {
            cursor.advance()
            while let byte = cursor.current, isDigit(byte) { cursor.advance() }
        }
    }

    /// The zone and whatever trails it. Returns false when a date without a time is followed by
    /// something other than a zone.
    static func zone(_ fields: inout DateFields, _ cursor: inout ByteCursor, hasTime: Bool) throws(DateReadFailure)
        -> Bool
    {
        let afterTime = cursor.position
        cursor.skipSpaces()
        switch cursor.current {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            cursor.advance()
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = cursor.current == UInt8(ascii: "-") ? -1 : 1
            cursor.advance()
            fields.offsetSeconds = sign * (try offsetMinutes(&cursor)) * 60
        case let byte? where isLetter(byte):
            let start = cursor.position
            while let letter = cursor.current, isLetter(letter) { cursor.advance() }
            let name = text(cursor.bytes, start..<cursor.position)
            switch zoneName(normalizedWord(cursor.bytes[start..<cursor.position])) {
            case .offset(let seconds)?:
                fields.offsetSeconds = seconds
            case .military?:
                fields.notes.append("military time zone \"\(name)\" is ambiguous, read as UTC")
            case nil:
                // `2004-01-26 4:31 PM` is for the forgiving reader, which knows am and pm.
                guard hasTime,
                    !LooseDateReader.meridiemWords.keys.contains(normalizedWord(cursor.bytes[start..<cursor.position]))
                else { return false }
                fields.notes.append("unknown time zone \"\(name)\", read as UTC")
            }
        default:
            cursor.position = afterTime
            if !hasTime { return cursor.isAtEnd }
            fields.notes.append("no time zone, read as UTC")
        }
        finishTrailing(&fields, &cursor)
        return true
    }

    /// `hh`, `h`, `hh:mm` or `hhmm` after the sign of an offset, in minutes; at most 23:59.
    static func offsetMinutes(_ cursor: inout ByteCursor) throws(DateReadFailure) -> Int {
        let run = cursor.digitRunLength
        var hours = 0
        var minutes = 0
        if run == 1 || run == 2 {
            hours = cursor.number(digits: run)
            if cursor.skip(":") {
                let minuteRun = cursor.digitRunLength
                guard minuteRun == 1 || minuteRun == 2 else { throw DateReadFailure("bad time zone offset") }
                minutes = cursor.number(digits: minuteRun)
            }
        } else if run == 3 || run == 4 {
            hours = cursor.number(digits: run - 2)
            minutes = cursor.number(digits: 2)
        } else {
            throw DateReadFailure("bad time zone offset")
        }
        guard hours < 24, minutes < 60 else { throw DateReadFailure("time zone offset out of range") }
        return hours * 60 + minutes
    }

    /// Skips a parenthesized comment (`(PST)`) or an RFC 9557 zone suffix (`[Europe/Paris]`), and notes
    /// anything else left over.
    static func finishTrailing(_ fields: inout DateFields, _ cursor: inout ByteCursor) {
        cursor.skipSpaces()
        if cursor.current == UInt8(ascii: "("), cursor.bytes.last == UInt8(ascii: ")") { return }
        if cursor.current == UInt8(ascii: "["), cursor.bytes.last == UInt8(ascii: "]") { return }
        if !cursor.isAtEnd {
            fields.notes.append("ignored \"\(text(cursor.bytes, cursor.position..<cursor.bytes.count))\"")
        }
    }

    /// Day `day` (1 to 365 or 366) of `year`.
    static func ordinalDate(year: Int, day: Int) throws(DateReadFailure) -> DateFields {
        let length = Timestamp.isLeapYear(year) ? 366 : 365
        guard (1...length).contains(day) else { throw DateReadFailure("day \(day) of the year does not exist") }
        var month = 1
        var rest = day
        while rest > Timestamp.daysInMonth(year: year, month: month) {
            rest -= Timestamp.daysInMonth(year: year, month: month)
            month += 1
        }
        return DateFields(year: year, month: month, day: rest)
    }

    /// The ISO week date `year`-W`week`-`weekday` (1 for Monday); week 1 holds the year's first Thursday.
    static func weekDate(year: Int, week: Int, weekday: Int) throws(DateReadFailure) -> DateFields {
        guard (1...9999).contains(year), let jan4 = Timestamp(year: year, month: 1, day: 4),
            let jan4Weekday = DateParser.weekday(year: year, month: 1, day: 4)
        else { throw DateReadFailure("year \(year) out of range") }
        let isoJan4 = jan4Weekday == 0 ? 7 : jan4Weekday
        let weeksInYear: Int = {
            let jan1 = (jan4Weekday + 4) % 7  // 0 for Sunday
            return jan1 == 4 || (jan1 == 3 && Timestamp.isLeapYear(year)) ? 53 : 52
        }()
        guard (1...weeksInYear).contains(week), (1...7).contains(weekday) else {
            throw DateReadFailure("week \(week) day \(weekday) does not exist in \(year)")
        }
        let days = (week - 1) * 7 + (weekday - isoJan4)
        let c = Timestamp(secondsSince1970: jan4.secondsSince1970 + Int64(days) * 86_400).components
        return DateFields(year: c.year, month: c.month, day: c.day)
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }
}
