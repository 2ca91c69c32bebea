internal import Synchronization

/// "Poll this feed now" requests (the listener's `POST /api/feeds/NAME/poll`), handed to the poll loop,
/// which owns the scheduler: the feed is made due at once and polled by the loop like any other, within
/// `concurrency` and host pauses, and the request gets the loop's report of that poll.
///
/// A request made while the feed is being polled gets the report of that poll.
final class PollRequests: Sendable {
    private struct State {
        var queued: [String] = []
        var nextID: UInt64 = 0
        var waiters: [String: [UInt64: CheckedContinuation<PollReport?, Never>]] = [:]
        var isClosed = false
    }

    private let state = Mutex(State())

    /// Asks for a poll of `feed` and waits for its report, for at most `timeout`. Nil when the wait ended
    /// first (the poll stays asked for, and happens), when the task was cancelled, or when the daemon stops.
    func poll(_ feed: String, timeout: Duration, wake: Wakeup) async -> PollReport? {
        let id = state.withLock { state -> UInt64? in
            guard !state.isClosed else { return nil }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return nil }
        return await withTaskGroup(of: PollReport?.self) { group in
            group.addTask { await self.wait(feed, id: id, wake: wake) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.resume(feed, id: id, with: nil)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// The feeds asked for since the last call (for the poll loop).
    func take() -> [String] {
        state.withLock { state in
            defer { state.queued = [] }
            return state.queued
        }
    }

    /// A poll of `feed` ended (nil: it will not happen, e.g. the feed is not configured): its waiters get
    /// the report.
    func finished(_ feed: String, _ report: PollReport?) {
        let waiters = state.withLock { $0.waiters.removeValue(forKey: feed) } ?? [:]
        for waiter in waiters.values { waiter.resume(returning: report) }
    }

    /// The daemon stops: every waiter gets nil, and no new request is taken.
    func close() {
        let waiters = state.withLock { state in
            state.isClosed = true
            defer { state.waiters = [:] }
            return state.waiters.values.flatMap(\.values)
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// Registers the waiter and queues the request under one lock, so that no report can slip between.
    private func wait(_ feed: String, id: UInt64, wake: Wakeup) async -> PollReport? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<PollReport?, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.isClosed || Task.isCancelled { return true }
                    state.waiters[feed, default: [:]][id] = continuation
                    if !state.queued.contains(feed) { state.queued.append(feed) }
                    return false
                }
                if resumeNow {
                    continuation.resume(returning: nil)
                } else {
                    wake.notify()
                }
            }
        } onCancel: {
            resume(feed, id: id, with: nil)
        }
    }

    private func resume(_ feed: String, id: UInt64, with report: PollReport?) {
        let waiter = state.withLock { state -> CheckedContinuation<PollReport?, Never>? in
            let waiter = state.waiters[feed]?.removeValue(forKey: id)
            if state.waiters[feed]?.isEmpty == true { state.waiters[feed] = nil }
            return waiter
        }
        waiter?.resume(returning: report)
    }
}
