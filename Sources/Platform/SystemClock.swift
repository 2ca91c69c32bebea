public import FeedModel

/// The system's clocks: `CLOCK_REALTIME` for the wall time, Swift's `ContinuousClock` (monotonic) for
/// instants and sleeping.
public struct SystemClock: TimeSource {
    public init() {}

    public func now() -> Timestamp {
        Timestamp(secondsSince1970: OS.wallClock().seconds)
    }

    public func monotonicNow() -> ContinuousClock.Instant {
        ContinuousClock.now
    }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
