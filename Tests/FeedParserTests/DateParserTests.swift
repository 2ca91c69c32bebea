import FeedModel
import Testing

@testable import FeedParser

/// Compares bytes: a combining mark after the quote would make `String.hasPrefix` see another character.
private func hasPrefix(_ text: String, _ prefix: String) -> Bool {
    text.utf8.starts(with: prefix.utf8)
}

@Suite("Feed date parser")
struct DateParserTests {
    static let readableCases =
        feedparserCases + rfc822Cases + localizedCases + iso8601Cases + warnedCases + realWorldCases

    @Test(
        "reads real-world dates to RFC 3339 in UTC, warning only where something was ignored or guessed",
        arguments: readableCases)
    func readsDate(_ date: DateCase) throws {
        let result = DateParser.parse(date.input)
        #expect(result.timestamp?.rfc3339 == date.expected)
        if let phrase = date.warning {
            let warning = try #require(result.warning)
            #expect(hasPrefix(warning, "date \""), "\(warning)")
            #expect(warning.contains(phrase), "\(warning)")
        } else {
            #expect(result.warning == nil)
        }
    }

    @Test("unreadable text is a null date and a warning that names it", arguments: unreadableCases)
    func refusesUnreadable(_ date: DateCase) throws {
        let result = DateParser.parse(date.input)
        #expect(result.timestamp == nil)
        let warning = try #require(result.warning)
        #expect(hasPrefix(warning, "unreadable date \""), "\(warning)")
        if let phrase = date.warning { #expect(warning.contains(phrase), "\(warning)") }
    }

    @Test("empty and blank text is an empty date", arguments: ["", " ", "\n\t ", "\u{00A0}"])
    func emptyText(_ text: String) {
        #expect(DateParser.parse(text) == DateParseResult(timestamp: nil, warning: "empty date"))
    }

    @Test("the warning quotes the date and says what was guessed, in one sentence")
    func warningWording() {
        #expect(
            DateParser.parse("Mon, 26 Jan 2004 16:31:00 XYZ").warning
                == "date \"Mon, 26 Jan 2004 16:31:00 XYZ\": unknown time zone \"XYZ\", read as UTC")
        #expect(DateParser.parse("Foo 32, 2004").warning == "unreadable date \"Foo 32, 2004\": no month")
        #expect(
            DateParser.parse("Tue, 26 Jan 04 16:31:00 XYZ").warning
                == "date \"Tue, 26 Jan 04 16:31:00 XYZ\": two-digit year \"04\" read as 2004; unknown time zone "
                + "\"XYZ\", read as UTC; weekday \"Tue\" is wrong (2004-01-26 is a Monday), ignored")
    }

    @Test("a long unreadable text is cut in the warning")
    func longTextIsCut() throws {
        let text = "é" + String(repeating: "x", count: 100)
        let warning = try #require(DateParser.parse(text).warning)
        #expect(warning.count < 110)
        #expect(warning.hasSuffix("…\": no month"))
    }

    @Test("dates from 1600 to 2400 survive RFC 3339 and RFC 822 round trips")
    func roundTrips() throws {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        var stamp = try #require(Timestamp(year: 1600, month: 1, day: 1, hour: 7, minute: 8, second: 9))
        let end = try #require(Timestamp(year: 2400, month: 1, day: 1))
        while stamp < end {
            let c = stamp.components
            let iso = DateParser.parse(stamp.rfc3339)
            #expect(iso == DateParseResult(timestamp: stamp, warning: nil))
            let weekday = try #require(DateParser.weekday(year: c.year, month: c.month, day: c.day))
            let time = String(stamp.rfc3339.dropFirst(11).prefix(8))
            let rfc822 = "\(days[weekday]), \(c.day) \(months[c.month - 1]) \(c.year) \(time) GMT"
            #expect(DateParser.parse(rfc822) == DateParseResult(timestamp: stamp, warning: nil), "\(rfc822)")
            stamp.secondsSince1970 += 86_400 * 7 + 3_607
        }
    }

    @Test("the RFC 1123 fast path reads exactly what the general scanner reads, and declines the rest")
    func fastPathAgrees() throws {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let zones = ["GMT", "UT", "UTC", "+0000", "-0500", "+0530", "+2359", "-2400", "EST", "Z", "+05", "+00:00"]
        var random = SplitMix64(seed: 0xFA57_DA7E)
        var fast = 0
        for round in 0..<5_000 {
            let stamp = Timestamp(secondsSince1970: Int64(random.next() % 8_000_000_000) - 2_000_000_000)
            let c = stamp.components
            let weekday = try #require(DateParser.weekday(year: c.year, month: c.month, day: c.day))
            // Every tenth date gets a wrong weekday, every seventh a lower-case month.
            let written = round % 10 == 0 ? (weekday + 1) % 7 : weekday
            let month = round % 7 == 0 ? months[c.month - 1].lowercased() : months[c.month - 1]
            let day = round % 2 == 0 ? "\(c.day)" : (c.day < 10 ? "0\(c.day)" : "\(c.day)")
            let time = String(stamp.rfc3339.dropFirst(11).prefix(8))
            let zone = zones[Int(random.next() % UInt64(zones.count))]
            let text = "\(days[written]), \(day) \(month) \(c.year) \(time) \(zone)"
            let bytes = Array(text.utf8)
            let general: DateParseResult
            do throws(DateReadFailure) {
                general = try DateParser.finish(try DateParser.scanRFC822(bytes), bytes: bytes)
            } catch {
                general = DateParseResult(timestamp: nil, warning: error.reason)
            }
            if let quick = DateParser.fastRFC1123(bytes) {
                fast += 1
                #expect(general == DateParseResult(timestamp: quick, warning: nil), "\(text)")
            }
            #expect(DateParser.parse(text).timestamp == general.timestamp, "\(text)")
        }
        #expect(fast > 1_000)
    }

    @Test("random bytes and mutated dates never crash: each result is null with a warning, or a valid date")
    func fuzz() {
        var random = SplitMix64(seed: 0x5EED_DA7E)
        let seeds = Self.readableCases.map(\.input) + unreadableCases.map(\.input)
        let alphabet = Array("0123456789 :+-./,TtZzWAPMampGMTUTJanDecMon()'年월日\u{00A0}é".unicodeScalars)
        var readCount = 0
        for round in 0..<20_000 {
            let text: String
            if round % 4 == 0 {
                // Random bytes, decoded leniently as a feed's text would be.
                let length = Int(random.next() % 40)
                let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                text = String(decoding: bytes, as: UTF8.self)
            } else {
                var scalars = Array(seeds[Int(random.next() % UInt64(seeds.count))].unicodeScalars)
                for _ in 0..<(1 + random.next() % 4) {
                    let position = scalars.isEmpty ? 0 : Int(random.next() % UInt64(scalars.count))
                    let scalar = alphabet[Int(random.next() % UInt64(alphabet.count))]
                    switch random.next() % 4 {
                    case 0: scalars.insert(scalar, at: position)
                    case 1: if !scalars.isEmpty { scalars.remove(at: position) }
                    case 2: if !scalars.isEmpty { scalars[position] = scalar }
                    default: scalars.insert(contentsOf: scalars[position...].prefix(6), at: position)
                    }
                }
                var mutated = String.UnicodeScalarView()
                mutated.append(contentsOf: scalars)
                text = String(mutated)
            }
            let result = DateParser.parse(text)
            if let timestamp = result.timestamp {
                readCount += 1
                #expect(DateParser.representable.contains(timestamp.secondsSince1970), "\(text)")
                #expect(DateParser.parse(timestamp.rfc3339) == DateParseResult(timestamp: timestamp, warning: nil))
                if let warning = result.warning { #expect(hasPrefix(warning, "date \""), "\(text)") }
            } else {
                let warning = result.warning ?? ""
                #expect(hasPrefix(warning, "unreadable date \"") || warning == "empty date", "\(text)")
            }
        }
        // The mutations keep many dates readable, so both branches above are exercised.
        #expect(readCount > 1_000)
    }
}

/// A small deterministic generator (SplitMix64), so the fuzz test sees the same inputs on every run.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
