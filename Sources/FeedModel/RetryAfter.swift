/// A `Retry-After` value (RFC 9110 section 10.2.3): a delay, or an instant. The fetcher and the
/// webhook hook both read the header with this one parser.
///
/// The date form is turned into a delay against the response's own `Date` when it has one, so
/// that a server whose clock is off still gets the pause it asked for.
public enum RetryAfter: Sendable, Hashable, CustomStringConvertible {
    /// Wait this many seconds.
    case seconds(Int)
    /// Wait until this instant (the response had no `Date` to measure it against).
    case date(Timestamp)

    /// Reads `120` or an HTTP date in any of the three formats of RFC 9110 section 5.6.7
    /// (`Timestamp(httpDate:)`), the date measured against `serverDate` when there is one. Nil when
    /// the value is neither form, or a negative number.
    public init?(header value: String, serverDate: Timestamp? = nil) {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        let trimmed = String(value.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
        if let seconds = Int(trimmed) {
            guard seconds >= 0 else { return nil }
            self = .seconds(seconds)
            return
        }
        guard let instant = Timestamp(httpDate: trimmed) else { return nil }
        if let serverDate {
            self = .seconds(Int(max(instant.secondsSince1970 - serverDate.secondsSince1970, 0)))
        } else {
            self = .date(instant)
        }
    }

    /// How many seconds to wait from `now`, never negative.
    public func seconds(from now: Timestamp) -> Int {
        switch self {
        case .seconds(let seconds):
            return max(seconds, 0)
        case .date(let date):
            return Int(max(date.secondsSince1970 - now.secondsSince1970, 0))
        }
    }

    /// The wait from `now` as a duration.
    public func wait(from now: Timestamp) -> Duration { .seconds(seconds(from: now)) }

    public var description: String {
        switch self {
        case .seconds(let seconds): "\(seconds) s"
        case .date(let date): date.rfc3339
        }
    }
}
