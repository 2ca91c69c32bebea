public import FeedModel
public import Platform

/// Runs one attempt of a delivery through a hook and turns the outcome into what the outbox
/// records next: done, a retry at a given time (with the next attempt number), or a dead letter.
///
/// It holds no state between attempts: the outbox keeps the delivery (id, attempt, first-attempt
/// time) and calls `attempt` again when the time comes. Filtering happens before a delivery is
/// written to the outbox (the daemon's poll pipeline applies the feed's and the hook's filters), not here.
public struct HookRunner: Sendable {
    /// What the outbox does after an attempt.
    public enum Step: Sendable, Hashable {
        /// The hook succeeded; the delivery leaves the outbox.
        case delivered(details: String)
        /// Try attempt number `attempt` at `at`; `reason` says why the last one failed.
        case retry(attempt: Int, at: Timestamp, reason: String)
        /// Give up: the delivery becomes a dead letter.
        case dead(reason: String)
    }

    public let hook: any Hook
    public let policy: RetryPolicy
    private let clock: any TimeSource
    private let random: @Sendable () -> Double

    /// - Parameters:
    ///   - random: a number in `0..<1` per retry, for the jitter; the system's generator by default.
    public init(
        hook: any Hook,
        policy: RetryPolicy = RetryPolicy(),
        clock: any TimeSource = SystemClock(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.hook = hook
        self.policy = policy
        self.clock = clock
        self.random = random
    }

    /// Makes attempt number `delivery.attempt` of a delivery first tried at `firstAttemptAt`.
    public func attempt(_ delivery: Delivery, firstAttemptAt: Timestamp) async -> Step {
        let outcome = await hook.deliver(delivery)
        return Self.step(
            after: outcome, attempt: delivery.attempt, firstAttemptAt: firstAttemptAt, now: clock.now(),
            policy: policy, unitRandom: random())
    }

    /// What follows attempt number `attempt` (1-based) that ended with `outcome` at `now`, for a delivery
    /// first tried at `firstAttemptAt`: pure, so that the outbox's state machine decides the same way
    /// with the time and the random number it is given.
    public static func step(
        after outcome: DeliveryOutcome, attempt: Int, firstAttemptAt: Timestamp, now: Timestamp,
        policy: RetryPolicy, unitRandom: Double
    ) -> Step {
        let reason: String
        let retryAfter: Duration?
        switch outcome {
        case .delivered(let details):
            return .delivered(details: details)
        case .permanent(let why):
            return .dead(reason: why)
        case .retry(let after, let why):
            reason = why
            retryAfter = after
        }
        let age = Duration.seconds(max(now.secondsSince1970 - firstAttemptAt.secondsSince1970, 0))
        switch policy.decision(afterFailedAttempt: attempt, age: age, retryAfter: retryAfter, unitRandom: unitRandom) {
        case .giveUp(let why):
            return .dead(reason: "\(reason); \(why)")
        case .retry(let wait):
            let (seconds, attoseconds) = wait.components
            let at = Timestamp(secondsSince1970: now.secondsSince1970 + seconds + (attoseconds > 0 ? 1 : 0))
            return .retry(attempt: attempt + 1, at: at, reason: reason)
        }
    }
}
