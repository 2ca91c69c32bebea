public import FeedModel

/// Reads a `Retry-After` value: a number of seconds, or an HTTP date (RFC 9110 section 10.2.3) in
/// any of the three formats of section 5.6.7. (The fetcher has its own copy of the date reader:
/// `Hooks` does not import `Fetcher`.)
public enum RetryAfter {
    /// The wait the value asks for at `now`, or nil when it is neither form. A date in the past
    /// asks for no wait.
    public static func wait(_ value: String, now: Timestamp) -> Duration? {
        let text = value.trimmingTrailingWhitespace.drop { $0 == " " }
        if let seconds = Int64(text) {
            return seconds >= 0 ? .seconds(seconds) : nil
        }
        guard let date = parseDate(String(text)) else { return nil }
        return .seconds(max(date.secondsSince1970 - now.secondsSince1970, 0))
    }

    static func parseDate(_ text: String) -> Timestamp? {
        var day: Int?
        var month: Int?
        var year: Int?
        var time: (Int, Int, Int)?
        for token in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" }) {
            if token.contains(":") {
                let parts = token.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 3 else { return nil }
                time = (parts[0], parts[1], parts[2])
            } else if let number = Int(token) {
                if day == nil, token.count <= 2 {
                    day = number
                } else if token.count == 4 {
                    year = number
                } else if token.count == 2 {
                    year = number < 70 ? 2000 + number : 1900 + number
                } else {
                    return nil
                }
            } else if let index = months.firstIndex(of: token.lowercased()) {
                month = index + 1
            }
        }
        guard let day, let month, let year, let (hour, minute, second) = time else { return nil }
        return Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
}
