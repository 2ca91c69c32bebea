/// When to try a failed delivery again, and when to give up on it (dead letter).
///
/// Exponential backoff with full jitter: after failed attempt `n` the next one waits a uniformly
/// random time in `0…min(maxDelay, baseDelay · 2^(n-1))`, or exactly what the receiver asked for
/// with `Retry-After`. A delivery is dead after `maxAttempts` attempts or once it is `maxAge` old;
/// the wait is cut so that the last attempt happens at that age, not never.
///
/// Pure: no clock and no random source of its own. The caller passes the delivery's age and a
/// number in `0..<1` (`HookRunner` uses its injected clock and random source).
public struct RetryPolicy: Sendable, Hashable {
    /// The first retry waits up to this long (default 30 s).
    public var baseDelay: Duration
    /// No wait is longer than this (default 6 h).
    public var maxDelay: Duration
    /// Attempts in all, the first included (default 20).
    public var maxAttempts: Int
    /// A delivery older than this (since its first attempt) is given up (default 3 days).
    public var maxAge: Duration

    public init(
        baseDelay: Duration = .seconds(30),
        maxDelay: Duration = .seconds(6 * 3600),
        maxAttempts: Int = 20,
        maxAge: Duration = .seconds(3 * 86_400)
    ) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxAttempts = maxAttempts
        self.maxAge = maxAge
    }

    /// What follows a failed attempt.
    public enum Decision: Sendable, Hashable {
        /// Try again after this wait.
        case retry(after: Duration)
        /// Give up: the delivery goes to the dead letters, for this reason.
        case giveUp(reason: String)
    }

    /// The decision after attempt number `attempt` (1-based) failed, `age` after the delivery's
    /// first attempt, when the receiver asked to wait `retryAfter` (or nil), with `unitRandom` in `0..<1`.
    public func decision(
        afterFailedAttempt attempt: Int,
        age: Duration,
        retryAfter: Duration? = nil,
        unitRandom: Double
    ) -> Decision {
        if attempt >= maxAttempts {
            return .giveUp(reason: "gave up after \(attempt) attempts (max_attempts \(maxAttempts))")
        }
        if age >= maxAge {
            return .giveUp(reason: "gave up after \(Self.format(age)) (max_age \(Self.format(maxAge)))")
        }
        let wait = min(retryAfter ?? jitter(afterAttempt: attempt, unitRandom: unitRandom), maxAge - age)
        return .retry(after: max(wait, .zero))
    }

    /// The longest wait after failed attempt `attempt`: `min(maxDelay, baseDelay · 2^(attempt-1))`.
    public func ceiling(afterAttempt attempt: Int) -> Duration {
        let doublings = min(max(attempt - 1, 0), 62)
        let base = seconds(baseDelay)
        let grown = base * Double(UInt64(1) << UInt64(doublings))
        return .milliseconds(Int64(min(grown, seconds(maxDelay)) * 1000))
    }

    private func jitter(afterAttempt attempt: Int, unitRandom: Double) -> Duration {
        let unit = min(max(unitRandom, 0), 1)
        return .milliseconds(Int64((seconds(ceiling(afterAttempt: attempt)) * unit * 1000).rounded(.down)))
    }

    private func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    private static func format(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        if seconds % 86_400 == 0 && seconds > 0 { return "\(seconds / 86_400)d" }
        if seconds % 3600 == 0 && seconds > 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 && seconds > 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}
