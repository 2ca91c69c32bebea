/// Where feedd reads the time and waits: the wall clock (for what is stored, shown and compared with
/// dates from outside), a monotonic clock (for intervals and deadlines, which a change of the system
/// time must not bend), and sleeping on that monotonic clock.
///
/// Injected wherever code reads the time or waits (the poll loop's tick, the outbox lanes, the
/// listener's sweeper, retry schedules, hooks that date what they write), so that tests run on a
/// clock they move by hand, without sleeping (STYLE.md section 5). `SystemClock` (in `Platform`) is the
/// real one; `ManualClock` (in the tests' support target) is the fake.
public protocol TimeSource: Sendable {
    /// The current instant on the wall clock.
    func now() -> Timestamp

    /// The current instant on the monotonic clock.
    func monotonicNow() -> ContinuousClock.Instant

    /// Suspends for `duration` on the monotonic clock; throws `CancellationError` when the task is
    /// cancelled first.
    func sleep(for duration: Duration) async throws
}
