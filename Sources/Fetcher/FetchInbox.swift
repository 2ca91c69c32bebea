internal import Curl
internal import Synchronization

/// One fetch waiting for its result: the request and the continuation of the task that awaits it.
///
/// Exactly one of the driver (the result) or the cancellation handler (`.cancelled`) resumes
/// the continuation: `Mutex` guards the slot, and `finish` takes the continuation out of it.
final class PendingFetch: Sendable {
    let id: UInt64
    let request: FetchRequest
    private let slot = Mutex<Slot>(.waiting)

    private enum Slot {
        /// Not yet submitted.
        case waiting
        /// Submitted; someone is awaiting the result.
        case armed(CheckedContinuation<FetchResult, Never>)
        /// The result is delivered (or the fetch was cancelled before being armed).
        case finished
    }

    init(id: UInt64, request: FetchRequest) {
        self.id = id
        self.request = request
    }

    /// Stores the continuation; false when the fetch was already cancelled (the caller resumes it).
    func arm(_ continuation: CheckedContinuation<FetchResult, Never>) -> Bool {
        slot.withLock { slot in
            guard case .waiting = slot else {
                return false
            }
            slot = .armed(continuation)
            return true
        }
    }

    /// Delivers `result` unless one was delivered already.
    func finish(_ result: FetchResult) {
        let continuation: CheckedContinuation<FetchResult, Never>? = slot.withLock { slot in
            defer { slot = .finished }
            if case .armed(let continuation) = slot {
                return continuation
            }
            return nil
        }
        continuation?.resume(returning: result)
    }

    /// True once a result was delivered: the driver skips such fetches in its queues.
    var isFinished: Bool {
        slot.withLock { slot in
            if case .finished = slot {
                return true
            }
            return false
        }
    }
}

/// Where callers leave work for the driver thread; a `Mutex` guards all of it.
final class FetchInbox: Sendable {
    struct State: Sendable {
        var submitted: [PendingFetch] = []
        var cancelled: [UInt64] = []
        /// Pauses to install (stored by the daemon before a restart).
        var pauses: [HostPause] = []
        var isShuttingDown = false
        /// Set by the driver when it stops taking work; later submissions end at once.
        var isClosed = false
        /// Set by the driver once its multi handle exists, cleared (under this lock) before the
        /// handle is freed: only then is it safe to call from another thread.
        var waker: CurlMulti.Waker?
        /// A wake-up is on its way; spares a syscall per submission in a burst.
        var isWakePending = false
    }

    private let state = Mutex(State())

    func submit(_ pending: PendingFetch) {
        let accepted = state.withLock { state in
            guard !state.isClosed else {
                return false
            }
            state.submitted.append(pending)
            wake(&state)
            return true
        }
        if !accepted {
            pending.finish(.failure(.cancelled(url: pending.request.url)))
        }
    }

    func cancel(_ id: UInt64) {
        state.withLock { state in
            guard !state.isClosed else {
                return
            }
            state.cancelled.append(id)
            wake(&state)
        }
    }

    func pause(_ pause: HostPause) {
        state.withLock { state in
            guard !state.isClosed else {
                return
            }
            state.pauses.append(pause)
            wake(&state)
        }
    }

    func requestShutdown() {
        state.withLock { state in
            state.isShuttingDown = true
            wake(&state)
        }
    }

    /// The driver's side: publishes the waker of its fresh multi handle.
    func open(waker: CurlMulti.Waker) {
        state.withLock { state in
            state.waker = waker
            state.isWakePending = false
            waker.wake()
        }
    }

    /// The driver's side: takes what arrived since the last call, reusing the caller's buffers.
    func drain(submitted: inout [PendingFetch], cancelled: inout [UInt64], pauses: inout [HostPause]) -> Bool {
        state.withLock { state in
            swap(&submitted, &state.submitted)
            swap(&cancelled, &state.cancelled)
            swap(&pauses, &state.pauses)
            state.isWakePending = false
            return state.isShuttingDown
        }
    }

    /// The driver's side: refuses all later work, forgets the waker and returns what is left.
    func close() -> [PendingFetch] {
        state.withLock { state in
            state.isClosed = true
            state.waker = nil
            var left: [PendingFetch] = []
            swap(&left, &state.submitted)
            state.cancelled = []
            state.pauses = []
            return left
        }
    }

    private func wake(_ state: inout State) {
        guard !state.isWakePending else {
            return
        }
        state.isWakePending = true
        state.waker?.wake()
    }
}
