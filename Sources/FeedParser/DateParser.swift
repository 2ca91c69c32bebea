import FeedModel

/// What `DateParser.parse` made of a feed's date text.
struct DateParseResult: Sendable, Equatable {
    /// The instant, or nil when the text could not be read as a date.
    var timestamp: Timestamp?
    /// One sentence for the document's `warnings`: why the date is unreadable, or what was ignored or
    /// guessed while reading it. Nil for a clean date.
    var warning: String?
}

/// Reads the dates found in feeds: RFC 822/1123/2822 and their many real-world variants, RFC 3339 and
/// ISO 8601 / W3C-DTF, asctime, numeric and localized dates.
///
/// A small scanner over the UTF-8 bytes, with no `DateFormatter`: fast, locale-free and total (it
/// never traps, whatever the input). Two readers share the name tables of `DateParser+Names.swift`:
/// a strict ISO 8601 scanner for text that starts like `2003-12-31` or `20031231`, and a forgiving
/// token reader for everything else (`DateParser+RFC822.swift`).
enum DateParser {
    /// Longer text is not a date, and is refused before any scanning.
    static let maximumLength = 256

    static func parse(_ text: String) -> DateParseResult {
        let bytes = trimmed(Array(text.utf8))
        guard !bytes.isEmpty else { return DateParseResult(timestamp: nil, warning: "empty date") }
        guard bytes.count <= maximumLength else {
            return DateParseResult(timestamp: nil, warning: "unreadable date \(quote(bytes)): too long")
        }
        if let timestamp = fastRFC1123(bytes) { return DateParseResult(timestamp: timestamp, warning: nil) }
        do throws(DateReadFailure) {
            let fields: DateFields
            if let iso = try scanISO8601(bytes) {
                fields = iso
            } else if let unix = scanUnixTime(bytes) {
                fields = unix
            } else {
                fields = try scanRFC822(bytes)
            }
            return try finish(fields, bytes: bytes)
        } catch {
            return DateParseResult(timestamp: nil, warning: "unreadable date \(quote(bytes)): \(error.reason)")
        }
    }

    /// Earliest and latest instants RFC 3339 can print: 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
    static let representable: ClosedRange<Int64> = -62_135_596_800...253_402_300_799

    /// Checks the fields, makes the instant and words the warning.
    static func finish(_ fields: DateFields, bytes: [UInt8]) throws(DateReadFailure) -> DateParseResult {
        try checkRanges(fields)
        guard
            let timestamp = Timestamp(
                year: fields.year, month: fields.month, day: fields.day, hour: fields.hour,
                minute: fields.minute, second: fields.second, offsetSeconds: fields.offsetSeconds),
            representable.contains(timestamp.secondsSince1970)
        else { throw DateReadFailure("outside the years 1 to 9999") }
        var notes = fields.notes
        if let written = fields.weekday, let actual = weekday(year: fields.year, month: fields.month, day: fields.day),
            written.value != actual
        {
            let date = "\(fields.year)-\(pad2(fields.month))-\(pad2(fields.day))"
            notes.append("weekday \"\(written.text)\" is wrong (\(date) is a \(weekdayNames[actual])), ignored")
        }
        let warning = notes.isEmpty ? nil : "date \(quote(bytes)): " + notes.joined(separator: "; ")
        return DateParseResult(timestamp: timestamp, warning: warning)
    }

    /// Names the first field out of range, so the warning says what is wrong with the date.
    static func checkRanges(_ fields: DateFields) throws(DateReadFailure) {
        guard (1...9999).contains(fields.year) else { throw DateReadFailure("year \(fields.year) out of range") }
        guard (1...12).contains(fields.month) else { throw DateReadFailure("month \(fields.month) does not exist") }
        let days = Timestamp.daysInMonth(year: fields.year, month: fields.month)
        guard (1...days).contains(fields.day) else {
            throw DateReadFailure("day \(fields.day) does not exist in \(monthNames[fields.month - 1]) \(fields.year)")
        }
        let isMidnight24 = fields.hour == 24 && fields.minute == 0 && fields.second == 0
        guard (0...23).contains(fields.hour) || isMidnight24, (0...59).contains(fields.minute),
            (0...60).contains(fields.second)
        else {
            throw DateReadFailure(
                "time \(pad2(fields.hour)):\(pad2(fields.minute)):\(pad2(fields.second)) does not exist")
        }
    }

    /// A run of 9 or 10 digits (or 12 or 13: milliseconds) read as seconds since 1970, with a warning.
    static func scanUnixTime(_ bytes: [UInt8]) -> DateFields? {
        guard [9, 10, 12, 13].contains(bytes.count), bytes.allSatisfy(isDigit) else { return nil }
        var value: Int64 = 0
        for byte in bytes { value = value * 10 + Int64(byte - UInt8(ascii: "0")) }
        if bytes.count >= 12 { value /= 1000 }
        let c = Timestamp(secondsSince1970: value).components
        var fields = DateFields(year: c.year, month: c.month, day: c.day, hour: c.hour, minute: c.minute)
        fields.second = c.second
        fields.notes.append("read as a Unix time (seconds since 1970)")
        return fields
    }

    /// Day of the week of a civil date, 0 for Sunday.
    static func weekday(year: Int, month: Int, day: Int) -> Int? {
        guard let midnight = Timestamp(year: year, month: month, day: day) else { return nil }
        let days =
            midnight.secondsSince1970 >= 0
            ? midnight.secondsSince1970 / 86_400
            : (midnight.secondsSince1970 - 86_399) / 86_400
        // 1970-01-01 was a Thursday.
        return Int(((days % 7) + 7 + 4) % 7)
    }

    static let weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    static func pad2(_ value: Int) -> String { value >= 0 && value < 10 ? "0\(value)" : "\(value)" }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
            || byte == UInt8(ascii: "\r")
    }

    /// Drops white space (ASCII and no-break space, U+00A0) at both ends.
    static func trimmed(_ bytes: [UInt8]) -> [UInt8] {
        guard let first = bytes.first, let last = bytes.last,
            isSpace(first) || isSpace(last) || first == 0xC2
                || last == 0xA0
        else { return bytes }
        var start = 0
        var end = bytes.count
        while start < end {
            if isSpace(bytes[start]) {
                start += 1
            } else if start + 1 < end, bytes[start] == 0xC2, bytes[start + 1] == 0xA0 {
                start += 2
            } else {
                break
            }
        }
        while end > start {
            if isSpace(bytes[end - 1]) {
                end -= 1
            } else if end - 2 >= start, bytes[end - 2] == 0xC2, bytes[end - 1] == 0xA0 {
                end -= 2
            } else {
                break
            }
        }
        return Array(bytes[start..<end])
    }

    /// The text in double quotes for a warning, cut at 80 bytes on a character boundary.
    static func quote(_ bytes: [UInt8]) -> String {
        let limit = 80
        guard bytes.count > limit else { return "\"" + String(decoding: bytes, as: UTF8.self) + "\"" }
        var end = limit
        while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return "\"" + String(decoding: bytes[..<end], as: UTF8.self) + "…\""
    }

    /// The text of a byte range, for warnings.
    static func text(_ bytes: [UInt8], _ range: Range<Int>) -> String {
        String(decoding: bytes[range.clamped(to: 0..<bytes.count)], as: UTF8.self)
    }
}
