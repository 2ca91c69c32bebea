public import FeedModel

/// A host that asked to be left alone: it answered `429 Too Many Requests` (with or without
/// `Retry-After`) or `503 Service Unavailable` with `Retry-After`.
///
/// The pause runs from the moment the response arrived, not from when its request was made or
/// queued: with a busy host a request can wait long for its turn, and the server counts from its
/// answer. Until `until` the fetcher starts no request for `host`; requests already in flight
/// finish.
public struct HostPause: Sendable, Hashable {
    /// `host:port`, the key of the per-host limit (`HTTPFetcher.hostKey(of:)`).
    public var host: String
    /// The status that asked for it: 429 or 503.
    public var httpStatus: Int
    /// When the response arrived (wall clock, whole seconds).
    public var since: Timestamp
    /// The first second at which a request may go to `host` again: the response's arrival plus the
    /// pause, rounded up to a whole second.
    public var until: Timestamp

    public init(host: String, httpStatus: Int, since: Timestamp, until: Timestamp) {
        self.host = host
        self.httpStatus = httpStatus
        self.since = since
        self.until = until
    }
}

/// Which responses pause their host, and for how long.
public struct HostPausePolicy: Sendable, Hashable {
    /// The pause after a 429 without a usable `Retry-After` (daemon setting `host_pause`, 1 min).
    public var withoutRetryAfter: Duration
    /// The longest pause honoured, whatever `Retry-After` says (daemon setting `max_retry_after`, 1 day).
    public var longest: Duration

    public init(withoutRetryAfter: Duration = .seconds(60), longest: Duration = .seconds(86_400)) {
        self.withoutRetryAfter = withoutRetryAfter
        self.longest = longest
    }

    /// How long a response with `status` and `retryAfter` pauses its host, read at `now` (for a
    /// `Retry-After` date with no `Date` beside it); nil when it does not pause it.
    ///
    /// A 429 always pauses (its `Retry-After`, else `withoutRetryAfter`); a 503 only with a
    /// `Retry-After`, since a plain 503 is as often a broken backend as an overloaded one; other
    /// statuses never. A zero wait pauses nothing. The result is at most `longest`.
    public func pause(status: Int, retryAfter: RetryAfter?, now: Timestamp) -> Duration? {
        let wait: Duration
        switch (status, retryAfter) {
        case (429, .some(let after)), (503, .some(let after)):
            wait = .seconds(after.seconds(from: now))
        case (429, .none):
            wait = withoutRetryAfter
        default:
            return nil
        }
        let capped = min(wait, longest)
        return capped > .zero ? capped : nil
    }
}

/// The pauses in force, per host, on the driver thread: a plain value, given its times, so that it
/// is tested without waiting.
///
/// Each pause has two faces: `HostPause.until` (wall clock, whole seconds, for the scheduler, the logs
/// and `feedd feeds`) and `end` (monotonic, which the driver obeys, so that a wall-clock step
/// neither shortens nor stretches a pause). `end` is the instant the wall clock reaches `until`.
struct HostPauseTable {
    struct Entry {
        var pause: HostPause
        var end: ContinuousClock.Instant
    }

    private(set) var entries: [String: Entry] = [:]

    /// A pause of `duration` for `host` beginning at `arrival` (monotonic) when the wall clock read
    /// `wallNow`. An earlier pause that ends later stays. Returns the pause now in force.
    @discardableResult
    mutating func begin(
        host: String, status: Int, duration: Duration, arrival: ContinuousClock.Instant, wallNow: WallTime
    ) -> HostPause {
        let until = wallNow.roundedUp(adding: duration)
        let end = arrival + wallNow.duration(until: until)
        let candidate = Entry(
            pause: HostPause(host: host, httpStatus: status, since: wallNow.timestamp, until: until), end: end)
        if let current = entries[host], current.end >= end, current.end > arrival {
            return current.pause
        }
        entries[host] = candidate
        return candidate.pause
    }

    /// Installs `pause` (one the daemon stored before a restart) if it lies ahead at `wallNow`.
    mutating func restore(_ pause: HostPause, now: ContinuousClock.Instant, wallNow: WallTime) {
        let remaining = wallNow.duration(until: pause.until)
        guard remaining > .zero else { return }
        let end = now + remaining
        if let current = entries[pause.host], current.end >= end { return }
        entries[pause.host] = Entry(pause: pause, end: end)
    }

    /// The pause of `host` in force at `now`, if any; an ended one is forgotten.
    mutating func pause(of host: String, at now: ContinuousClock.Instant) -> HostPause? {
        guard let entry = entries[host] else { return nil }
        guard entry.end > now else {
            entries[host] = nil
            return nil
        }
        return entry.pause
    }
}

/// A wall-clock reading with its sub-second part, so that pauses round up, never down.
struct WallTime: Sendable, Hashable {
    var seconds: Int64
    var nanoseconds: Int64

    var timestamp: Timestamp { Timestamp(secondsSince1970: seconds) }

    /// This reading plus `duration`, rounded up to a whole second.
    func roundedUp(adding duration: Duration) -> Timestamp {
        let (whole, attoseconds) = duration.components
        let fraction = nanoseconds + attoseconds / 1_000_000_000
        let carry = (fraction + 999_999_999) / 1_000_000_000
        return Timestamp(secondsSince1970: seconds + whole + carry)
    }

    /// From this reading until the start of second `until` (negative when it has passed).
    func duration(until: Timestamp) -> Duration {
        .seconds(until.secondsSince1970 - seconds) - .nanoseconds(nanoseconds)
    }
}
