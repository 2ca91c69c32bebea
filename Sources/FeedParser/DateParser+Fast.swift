import FeedModel

extension DateParser {
    /// The form nearly every RSS feed writes, `Thu, 28 Nov 2024 03:59:00 +0000` (or `GMT`), read in one
    /// pass without the general scanner. Nil for anything else, including a wrong weekday, so that the
    /// general scanner reads it and words its warning: the result never differs from the scanner's.
    static func fastRFC1123(_ bytes: [UInt8]) -> Timestamp? {
        // "Www, D Mmm YYYY HH:MM:SS" and a zone: 24 or 25 bytes before the zone.
        let count = bytes.count
        guard count >= 28, count <= 31, bytes[3] == UInt8(ascii: ","), bytes[4] == 0x20 else { return nil }
        var index = 5
        func digits(_ length: Int) -> Int? {
            guard index + length <= count else { return nil }
            var value = 0
            for offset in 0..<length {
                let digit = Int(bytes[index + offset]) - 0x30
                guard digit >= 0 && digit <= 9 else { return nil }
                value = value * 10 + digit
            }
            index += length
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        let dayLength = bytes[6] == 0x20 ? 1 : 2
        guard let day = digits(dayLength), expect(0x20), index + 4 <= count,
            let month = Self.fastMonth(bytes[index], bytes[index + 1], bytes[index + 2]), bytes[index + 3] == 0x20
        else { return nil }
        index += 4
        guard let year = digits(4), expect(0x20), let hour = digits(2), expect(UInt8(ascii: ":")),
            let minute = digits(2), expect(UInt8(ascii: ":")), let second = digits(2), expect(0x20),
            year >= 1000, hour < 24, minute < 60, second < 60
        else { return nil }
        let zone = bytes[index...]
        let offset: Int
        if zone.elementsEqual("GMT".utf8) || zone.elementsEqual("UTC".utf8) || zone.elementsEqual("UT".utf8) {
            offset = 0
        } else if zone.count == 5, zone.first == UInt8(ascii: "+") || zone.first == UInt8(ascii: "-") {
            let sign = zone.first == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let hours = digits(2), let minutes = digits(2), hours < 24, minutes < 60 else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        guard
            let weekday = Self.fastWeekday(bytes[0], bytes[1], bytes[2]),
            weekday == Self.weekday(year: year, month: month, day: day),
            let timestamp = Timestamp(
                year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                offsetSeconds: offset),
            representable.contains(timestamp.secondsSince1970)
        else { return nil }
        return timestamp
    }

    /// The month of an English abbreviation as RFC 1123 writes it (`Jan`), or nil.
    private static func fastMonth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        switch (a, b, c) {
        case (0x4A, 0x61, 0x6E): return 1  // Jan
        case (0x46, 0x65, 0x62): return 2  // Feb
        case (0x4D, 0x61, 0x72): return 3  // Mar
        case (0x41, 0x70, 0x72): return 4  // Apr
        case (0x4D, 0x61, 0x79): return 5  // May
        case (0x4A, 0x75, 0x6E): return 6  // Jun
        case (0x4A, 0x75, 0x6C): return 7  // Jul
        case (0x41, 0x75, 0x67): return 8  // Aug
        case (0x53, 0x65, 0x70): return 9  // Sep
        case (0x4F, 0x63, 0x74): return 10  // Oct
        case (0x4E, 0x6F, 0x76): return 11  // Nov
        case (0x44, 0x65, 0x63): return 12  // Dec
        default: return nil
        }
    }

    /// The weekday (0 is Sunday) of an English abbreviation as RFC 1123 writes it (`Thu`), or nil.
    private static func fastWeekday(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        switch (a, b, c) {
        case (0x53, 0x75, 0x6E): return 0  // Sun
        case (0x4D, 0x6F, 0x6E): return 1  // Mon
        case (0x54, 0x75, 0x65): return 2  // Tue
        case (0x57, 0x65, 0x64): return 3  // Wed
        case (0x54, 0x68, 0x75): return 4  // Thu
        case (0x46, 0x72, 0x69): return 5  // Fri
        case (0x53, 0x61, 0x74): return 6  // Sat
        default: return nil
        }
    }
}
