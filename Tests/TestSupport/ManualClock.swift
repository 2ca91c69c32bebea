package import FeedModel
internal import Synchronization

/// A `TimeSource` the test moves by hand: nothing happens until `advance`, and every `sleep` whose end
/// the clock passes returns then, so that timers, retries and ticks are tested without waiting.
///
/// The wall time and the monotonic time move together with `advance`; `set` moves only the wall time
/// (as a change of the system's time would).
package final class ManualClock: TimeSource {
    private struct Sleeper {
        var deadline: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var wallBase: Int64
        var elapsed = Duration.zero
        var nextID: UInt64 = 0
        var sleepers: [UInt64: Sleeper] = [:]
    }

    private let origin = ContinuousClock.now
    private let state: Mutex<State>

    /// Starts at `seconds` since 1970 (2027-01-15 by default).
    package init(_ seconds: Int64 = 1_800_000_000) {
        state = Mutex(State(wallBase: seconds))
    }

    package func now() -> Timestamp {
        state.withLock { Timestamp(secondsSince1970: $0.wallBase + $0.elapsed.components.seconds) }
    }

    package func monotonicNow() -> ContinuousClock.Instant {
        origin + state.withLock { $0.elapsed }
    }

    /// Returns once the clock has been advanced by `duration` (at once for zero or less).
    package func sleep(for duration: Duration) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let now = state.withLock { state -> Bool in
                    if duration <= .zero || Task.isCancelled { return true }
                    state.sleepers[id] = Sleeper(deadline: state.elapsed + duration, continuation: continuation)
                    return false
                }
                if now {
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        continuation.resume()
                    }
                }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves both clocks forward by `seconds`.
    package func advance(_ seconds: Int64) {
        advance(by: .seconds(seconds))
    }

    /// Moves both clocks forward by `duration`, ending the sleeps that are over.
    package func advance(by duration: Duration) {
        let due = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.elapsed += duration
            let elapsed = state.elapsed
            let ids = state.sleepers.filter { $0.value.deadline <= elapsed }.map(\.key)
            return ids.compactMap { state.sleepers.removeValue(forKey: $0)?.continuation }
        }
        for continuation in due { continuation.resume() }
    }

    /// Sets the wall clock to `timestamp`; the monotonic clock does not move.
    package func set(_ timestamp: Timestamp) {
        state.withLock { $0.wallBase = timestamp.secondsSince1970 - $0.elapsed.components.seconds }
    }

    /// How many `sleep`s are waiting for the clock.
    package var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Waits (on the real clock, up to `timeout`, generous for a loaded machine) until at least `count` sleeps
    /// wait for this clock: what a test does before `advance`, so that the sleep it means to end has begun.
    /// False on timeout.
    package func waitForSleepers(_ count: Int = 1, timeout: Duration = .seconds(60)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while sleeperCount < count {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return true
    }
}
