import FeedModel

/// What a feed and its server say about when to ask again. Each is optional; the policy takes the
/// longest of them, within the user's bounds.
struct FreshnessHints: Sendable, Hashable {
    /// RSS `<ttl>`, in minutes.
    var ttlMinutes: Int?
    /// RSS `<skipHours>`: hours (0-23, UTC) in which not to poll.
    var skipHours: Set<Int> = []
    /// RSS `<skipDays>`: days (0 Sunday … 6 Saturday, UTC) on which not to poll.
    var skipDays: Set<Int> = []
    /// `sy:updatePeriod` / `sy:updateFrequency`, as seconds between updates.
    var updatePeriodSeconds: Int?
    /// `Cache-Control: max-age`, in seconds.
    var maxAge: Int?
    /// `Expires` measured against the response's `Date` (or our clock), in seconds from now.
    var expiresIn: Int?

    /// The longest wait any hint asks for, in seconds.
    var longestWait: Int64 {
        let waits = [ttlMinutes.map { $0 * 60 }, updatePeriodSeconds, maxAge, expiresIn].compactMap { $0 }
        return Int64(waits.max() ?? 0)
    }
}

/// When to poll a feed next after a poll: a pure function of the outcome, the feed's interval, the
/// settings, the time and a random number (STYLE.md section 5: no clock, no randomness of its own).
struct SchedulePolicy: Sendable {
    /// The outcome of a poll, as far as timing goes.
    enum Outcome: Sendable, Hashable {
        /// A document or a 304, with the hints it carried.
        case success(FreshnessHints)
        /// A failure; `consecutiveFailures` counts this one; `retryAfter` is the server's wish, in seconds.
        case failure(consecutiveFailures: Int, retryAfter: Int?)
    }

    /// When to poll next, and whether a failing feed has reached the backoff cap.
    struct Decision: Sendable, Hashable {
        var nextDue: Timestamp
        /// The failure backoff has reached `backoffCap`: the feed is retried at the cap from now on.
        var isAtBackoffCap = false
    }

    let settings: ScheduleSettings

    /// The next due time after `outcome` at `now` for a feed polled every `interval`; `unitRandom` in
    /// `0..<1` picks the jitter.
    func decide(_ outcome: Outcome, interval: Duration, now: Timestamp, unitRandom: Double) -> Decision {
        let interval = Self.seconds(interval)
        switch outcome {
        case .success(let hints):
            var wait = max(interval, hints.longestWait)
            wait = jittered(wait, unitRandom: unitRandom)
            wait = min(max(wait, Self.seconds(settings.minInterval)), Self.seconds(settings.maxInterval))
            let due = Timestamp(secondsSince1970: now.secondsSince1970 + max(wait, 1))
            let latest = now.secondsSince1970 + Self.seconds(settings.maxInterval)
            let skipped = Self.skipping(due, hours: hints.skipHours, days: hints.skipDays)
            return Decision(nextDue: Timestamp(secondsSince1970: min(skipped.secondsSince1970, latest)))
        case .failure(let failures, let retryAfter):
            let cap = max(Self.seconds(settings.backoffCap), interval)
            let doublings = min(max(failures - 1, 0), 40)
            let grown = interval.multipliedReportingOverflow(by: Int64(1) << Int64(doublings))
            let backoff = grown.overflow ? cap : min(grown.partialValue, cap)
            var wait = jittered(backoff, unitRandom: unitRandom)
            wait = max(wait, Self.seconds(settings.minInterval))
            if let retryAfter {
                wait = max(wait, min(Int64(retryAfter), Self.seconds(settings.maxRetryAfter)))
            }
            return Decision(
                nextDue: Timestamp(secondsSince1970: now.secondsSince1970 + max(wait, 1)),
                isAtBackoffCap: backoff >= cap)
        }
    }

    /// `wait` moved by up to `jitter` of itself, either way.
    private func jittered(_ wait: Int64, unitRandom: Double) -> Int64 {
        let share = min(max(settings.jitter, 0), 1)
        let unit = min(max(unitRandom, 0), 1)
        return wait + Int64((Double(wait) * share * (2 * unit - 1)).rounded())
    }

    /// `due`, or the start of the first hour after it that is neither a skipped hour nor on a skipped
    /// day (UTC). Unchanged when every hour is skipped.
    static func skipping(_ due: Timestamp, hours: Set<Int>, days: Set<Int>) -> Timestamp {
        guard !hours.isEmpty || !days.isEmpty else { return due }
        var candidate = due.secondsSince1970
        for _ in 0..<(24 * 8) {
            let hour = Int((candidate / 3600) % 24)
            let day = Int(((candidate / 86_400) + 4) % 7)  // 1970-01-01 was a Thursday.
            if !hours.contains(hour) && !days.contains(day) { return Timestamp(secondsSince1970: candidate) }
            candidate = (candidate / 3600 + 1) * 3600
        }
        return due
    }

    static func seconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds + (attoseconds > 0 ? 1 : 0)
    }
}
