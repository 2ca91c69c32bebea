public import FeedModel

/// Reads a `Retry-After` value: a number of seconds, or an HTTP date (RFC 9110 section 10.2.3) in
/// any of the three formats of section 5.6.7 (`Timestamp(httpDate:)`, shared with the fetcher).
public enum RetryAfter {
    /// The wait the value asks for at `now`, or nil when it is neither form. A date in the past
    /// asks for no wait.
    public static func wait(_ value: String, now: Timestamp) -> Duration? {
        let text = value.trimmingTrailingWhitespace.drop { $0 == " " }
        if let seconds = Int64(text) {
            return seconds >= 0 ? .seconds(seconds) : nil
        }
        guard let date = Timestamp(httpDate: String(text)) else { return nil }
        return .seconds(max(date.secondsSince1970 - now.secondsSince1970, 0))
    }
}
