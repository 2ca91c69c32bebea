import FeedModel
import Logging
import Store
internal import Synchronization

/// Whether the store answers, as the poll loop and the outbox see it. A database that cannot be reached
/// (`StoreError.unavailable`: a restart, a failover, a network cut) is not a feed's failure nor a hook's:
/// the first such error closes the gate (logged once, with the reason), no poll or delivery starts
/// while it is closed, and `watch` probes the store every `probeInterval` until it answers (logged once),
/// which opens the gate again. Nothing acknowledged is lost: a poll whose commit failed is polled again,
/// a delivery whose record failed is attempted again.
///
/// The file store never reports itself unavailable, so with it the gate stays open.
final class StoreAvailability: Sendable {
    /// How often a closed gate probes the store.
    static let probeInterval: Duration = .seconds(5)

    /// The gate as a state machine: events in, what to log out; no I/O, no clock.
    struct Gate: Sendable, Hashable {
        /// Why the store is unavailable, and since when; nil while it answers.
        private(set) var reason: String?
        private(set) var since: Timestamp?

        var isOpen: Bool { reason == nil }

        enum Action: Sendable, Hashable {
            /// Log that the store went away (once per outage).
            case logLost(reason: String)
            /// Log that the store is back, and after how long.
            case logBack(downSeconds: Int64)
            case none
        }

        /// A call failed with `StoreError.unavailable`.
        mutating func failed(reason: String, now: Timestamp) -> Action {
            guard isOpen else { return .none }
            self.reason = reason
            since = now
            return .logLost(reason: reason)
        }

        /// A probe (or any call) answered.
        mutating func answered(now: Timestamp) -> Action {
            guard !isOpen else { return .none }
            let down = now.secondsSince1970 - (since ?? now).secondsSince1970
            reason = nil
            since = nil
            return .logBack(downSeconds: max(down, 0))
        }
    }

    private let gate = Mutex(Gate())
    private let logger: Logger
    private let clock: any TimeSource
    /// Poked when the gate closes (the watcher starts probing) and when it opens (waiters go on).
    private let changed: Wakeup

    init(logger: Logger, clock: any TimeSource) {
        self.logger = logger
        self.clock = clock
        changed = Wakeup(clock: clock)
    }

    /// True while the store answers: polls and deliveries may start.
    var isAvailable: Bool { gate.withLock { $0.isOpen } }

    /// Notes `error` when it says the store is unavailable (closing the gate) and returns true; false for
    /// any other error, which the caller handles as before.
    @discardableResult
    func note(_ error: StoreError) -> Bool {
        guard case .unavailable(_, let reason) = error else { return false }
        let action = gate.withLock { $0.failed(reason: reason, now: clock.now()) }
        perform(action, error: error)
        return true
    }

    /// Until `isStopping` says stop: while the gate is closed, probes the store with `probe` every
    /// `probeInterval` and opens the gate when it answers; while open, waits for it to close. `onBack`
    /// runs when the store came back (to wake the outbox lanes).
    func watch(
        probe: @escaping @Sendable () async throws(StoreError) -> Void, isStopping: @escaping @Sendable () -> Bool,
        onBack: @escaping @Sendable () -> Void
    ) async {
        while !isStopping(), !Task.isCancelled {
            if isAvailable {
                await changed.wait(timeout: .seconds(3600))
                continue
            }
            try? await clock.sleep(for: Self.probeInterval)
            guard !isStopping(), !Task.isCancelled else { return }
            do throws(StoreError) {
                try await probe()
                let action = gate.withLock { $0.answered(now: clock.now()) }
                perform(action, error: nil)
                if action != .none { onBack() }
            } catch {
                logger.debug("store still unavailable", metadata: ["error": "\(error.description)"])
            }
        }
    }

    /// Wakes `watch` (at stop).
    func wake() { changed.notify() }

    /// Waits until the gate is open, `timeout` passes, or the task is cancelled.
    func waitUntilAvailable(timeout: Duration) async {
        guard !isAvailable else { return }
        await changed.wait(timeout: timeout)
    }

    private func perform(_ action: Gate.Action, error: StoreError?) {
        switch action {
        case .logLost(let reason):
            logger.error(
                "store unavailable; polls and deliveries wait until it answers",
                metadata: ["error": "\(error?.description ?? reason)", "reason": "\(reason)"])
            changed.notify()
        case .logBack(let seconds):
            logger.notice("store available again; polls and deliveries go on", metadata: ["down.seconds": "\(seconds)"])
            changed.notify()
        case .none:
            break
        }
    }
}
