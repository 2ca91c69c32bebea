import Platform
internal import Synchronization

/// The HTTP listener's open connections, each with its phase and the instant it must be done by. The
/// accept loop admits connections (closing the longest-idle one at the limit); a sweeper shuts down
/// those past their deadline; each connection's task reports its phase and removes itself before it
/// closes its descriptor.
///
/// A connection is ended by `shutdown(2)`, never `close(2)`: its task is then woken (end of file) and
/// closes the descriptor itself, after removing its entry under the lock. So a descriptor shut down
/// here is always still open, and never one reused by another file.
final class ListenerConnections: Sendable {
    enum Phase: Sendable, Hashable {
        /// Waiting for the first byte of a request: just connected, or kept alive between requests.
        case idle
        /// A request header (or body) is arriving.
        case reading
        /// The request is answered and the response written.
        case answering
    }

    private struct Entry {
        var descriptor: Int32
        var phase: Phase
        var deadline: ContinuousClock.Instant
        /// When it last became idle, to close the longest-idle first.
        var idleSince: ContinuousClock.Instant
        /// Shut down already (evicted or timed out), waiting for its task to close it.
        var isEnding = false
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var nextID: UInt64 = 1
        var timedOut = 0
        var evicted = 0
        var refused = 0
    }

    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// What `admit` decided.
    enum Admission: Sendable, Hashable {
        case admitted(UInt64)
        /// At the limit with no idle connection to close: answer 503 and close.
        case refused
    }

    /// Takes a new connection on `descriptor`, whose request header is due by `deadline`. At the limit
    /// the longest-idle connection is shut down to make room, one with bytes already waiting counting
    /// as busy (its request has arrived; only its task has not run yet).
    func admit(descriptor: Int32, deadline: ContinuousClock.Instant, now: ContinuousClock.Instant) -> Admission {
        state.withLock { state in
            let live = state.entries.values.count { !$0.isEnding }
            if live >= limit {
                let idle = state.entries.filter { _, entry in
                    !entry.isEnding && entry.phase == .idle && !OS.hasPendingInput(entry.descriptor)
                }
                guard let oldest = idle.min(by: { $0.value.idleSince < $1.value.idleSince }) else {
                    state.refused += 1
                    return .refused
                }
                state.entries[oldest.key]?.isEnding = true
                state.evicted += 1
                OS.shutdownSocket(oldest.value.descriptor)
            }
            let id = state.nextID
            state.nextID += 1
            state.entries[id] = Entry(descriptor: descriptor, phase: .idle, deadline: deadline, idleSince: now)
            return .admitted(id)
        }
    }

    /// Records the connection's new phase and deadline (nil: the deadline stays).
    func update(_ id: UInt64, phase: Phase, deadline: ContinuousClock.Instant?, now: ContinuousClock.Instant) {
        state.withLock { state in
            guard var entry = state.entries[id] else { return }
            if phase == .idle && entry.phase != .idle { entry.idleSince = now }
            entry.phase = phase
            if let deadline { entry.deadline = deadline }
            state.entries[id] = entry
        }
    }

    /// Forgets the connection; its task closes the descriptor right after.
    func remove(_ id: UInt64) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    /// Shuts down every connection past its deadline; returns how many.
    @discardableResult
    func endOverdue(now: ContinuousClock.Instant) -> Int {
        state.withLock { state in
            var count = 0
            for (id, entry) in state.entries where !entry.isEnding && entry.deadline <= now {
                state.entries[id]?.isEnding = true
                OS.shutdownSocket(entry.descriptor)
                count += 1
            }
            state.timedOut += count
            return count
        }
    }

    /// Open connections (those being ended included) and what happened so far.
    var counts: (open: Int, timedOut: Int, evicted: Int, refused: Int) {
        state.withLock { ($0.entries.count, $0.timedOut, $0.evicted, $0.refused) }
    }
}
