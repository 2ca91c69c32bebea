public import FeedModel
internal import Platform

/// The wall clock, injected so that retry schedules can be tested without waiting.
public protocol WallClock: Sendable {
    /// The current instant.
    func now() -> Timestamp
}

/// The system's real-time clock.
public struct SystemClock: WallClock {
    public init() {}

    public func now() -> Timestamp {
        Timestamp(secondsSince1970: OS.wallClock().seconds)
    }
}

/// Runs one attempt of a delivery through a hook and turns the outcome into what the outbox
/// records next: done, a retry at a given time (with the next attempt number), or a dead letter.
///
/// It holds no state between attempts: the outbox keeps the delivery (id, attempt, first-attempt
/// time) and calls `attempt` again when the time comes. Filtering happens before a delivery is
/// written to the outbox (`filtered(_:)`), not here.
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
    public let filter: ItemFilter
    public let policy: RetryPolicy
    private let clock: any WallClock
    private let random: @Sendable () -> Double

    /// - Parameters:
    ///   - random: a number in `0..<1` per retry, for the jitter; the system's generator by default.
    public init(
        hook: any Hook,
        filter: ItemFilter = ItemFilter(),
        policy: RetryPolicy = RetryPolicy(),
        clock: any WallClock = SystemClock(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.hook = hook
        self.filter = filter
        self.policy = policy
        self.clock = clock
        self.random = random
    }

    /// The delivery with the items this hook's filter rejects taken out, or nil when none is left
    /// (then nothing is written to the outbox for this hook).
    public func filtered(_ delivery: Delivery) -> Delivery? {
        switch delivery.content {
        case .item(let item):
            return filter.accepts(item) ? delivery : nil
        case .batch(let items):
            let kept = items.filter(filter.accepts)
            guard !kept.isEmpty else { return nil }
            var copy = delivery
            copy.content = .batch(kept)
            return copy
        }
    }

    /// Makes attempt number `delivery.attempt` of a delivery first tried at `firstAttemptAt`.
    public func attempt(_ delivery: Delivery, firstAttemptAt: Timestamp) async -> Step {
        let outcome = await hook.deliver(delivery)
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
        let now = clock.now()
        let age = Duration.seconds(max(now.secondsSince1970 - firstAttemptAt.secondsSince1970, 0))
        switch policy.decision(
            afterFailedAttempt: delivery.attempt, age: age, retryAfter: retryAfter, unitRandom: random())
        {
        case .giveUp(let why):
            return .dead(reason: "\(reason); \(why)")
        case .retry(let wait):
            let (seconds, attoseconds) = wait.components
            let at = Timestamp(secondsSince1970: now.secondsSince1970 + seconds + (attoseconds > 0 ? 1 : 0))
            return .retry(attempt: delivery.attempt + 1, at: at, reason: reason)
        }
    }
}
