import FeedModel
import Fetcher

extension FreshnessHints {
    /// The hints of a fetch: `Cache-Control: max-age` and `Expires` (against the response's `Date`).
    mutating func add(_ cache: CacheHints, now: Timestamp) {
        maxAge = cache.maxAge
        if let expires = cache.expires {
            let reference = cache.date ?? now
            expiresIn = Int(max(expires.secondsSince1970 - reference.secondsSince1970, 0))
        }
    }

    /// The hints of an RSS document's channel: `<ttl>`, `<skipHours>`, `<skipDays>`,
    /// `<sy:updatePeriod>` and `<sy:updateFrequency>`.
    ///
    /// `FeedDocument` (spec/feed-json.md) does not carry these, and they only matter to the scheduler,
    /// so this side channel reads them from the bytes of the channel header: everything before the
    /// first `<item` or `<entry`, at most 64 KiB. It looks for the elements by name (the `sy` prefix
    /// as nearly every feed writes it), skips comments and CDATA only as far as the names go, and
    /// takes nothing it cannot read as a number or day name.
    static func reading(channelOf body: [UInt8]) -> FreshnessHints {
        var hints = FreshnessHints()
        var scanner = HeaderScanner(body: body)
        var period: Int?
        var frequency: Int?
        while let (name, text) = scanner.nextElement() {
            switch name {
            case "ttl":
                if let minutes = Int(text), minutes > 0 { hints.ttlMinutes = minutes }
            case "hour":
                if let hour = Int(text), (0...24).contains(hour) { hints.skipHours.insert(hour % 24) }
            case "day":
                if let day = Self.dayNumber(text) { hints.skipDays.insert(day) }
            case "sy:updatePeriod":
                period = Self.periodSeconds(text)
            case "sy:updateFrequency":
                if let value = Int(text), value > 0 { frequency = value }
            default:
                break
            }
        }
        if let period { hints.updatePeriodSeconds = period / (frequency ?? 1) }
        return hints
    }

    private static func dayNumber(_ text: String) -> Int? {
        let days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
        return days.firstIndex(of: text.lowercased())
    }

    private static func periodSeconds(_ text: String) -> Int? {
        switch text.lowercased() {
        case "hourly": 3600
        case "daily": 86_400
        case "weekly": 7 * 86_400
        case "monthly": 30 * 86_400
        case "yearly": 365 * 86_400
        default: nil
        }
    }
}

/// Finds `<name>text</name>` pairs of simple elements in a document's head, stopping at the first item.
private struct HeaderScanner {
    let body: [UInt8]
    let end: Int
    var position = 0

    /// Elements whose text is wanted; the others are passed over.
    static let wanted: Set<String> = ["ttl", "hour", "day", "sy:updatePeriod", "sy:updateFrequency"]

    init(body: [UInt8]) {
        self.body = body
        end = min(body.count, 64 * 1024)
    }

    mutating func nextElement() -> (String, String)? {
        while let open = find(UInt8(ascii: "<"), from: position) {
            position = open + 1
            guard let close = find(UInt8(ascii: ">"), from: position) else { return nil }
            let tag = String(decoding: body[position..<close], as: UTF8.self)
            position = close + 1
            let name = String(tag.prefix { $0 != " " && $0 != "/" && $0 != "\t" && $0 != "\n" })
            if name == "item" || name == "entry" || name.hasSuffix(":item") { return nil }
            guard Self.wanted.contains(name), !tag.hasSuffix("/") else { continue }
            guard let textEnd = find(UInt8(ascii: "<"), from: position) else { return nil }
            let text = String(decoding: body[position..<textEnd], as: UTF8.self)
            position = textEnd
            return (name, text.trimmingWhitespace())
        }
        return nil
    }

    private func find(_ byte: UInt8, from start: Int) -> Int? {
        var index = start
        while index < end {
            if body[index] == byte { return index }
            index += 1
        }
        return nil
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line breaks.
    func trimmingWhitespace() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
