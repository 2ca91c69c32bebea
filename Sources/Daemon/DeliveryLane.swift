import FeedModel
import Hooks
import Store

/// The delivery lifecycle of one pass of a hook's outbox lane, as a state machine (STYLE.md section 5):
/// events in (the rows due, an attempt ended, its record written), actions out (attempt these calls,
/// record that), with no I/O, no clock and no randomness of its own; `OutboxWorker` performs the actions.
///
/// A row of the outbox is *due* (pending, its next attempt reached), *waiting* (pending, to be retried
/// later), *held* (by the flood guard, until `feedd held release`), *delivered* (it leaves the outbox) or
/// *dead* (given up: the hook refused it for good, `max_attempts` or `max_age` was reached, or its item
/// is no longer readable). A pass:
/// - takes the due rows in id order, leaving out held rows and every row of a feed behind an earlier one
///   that waits for its retry, so that a feed's items reach the hook in the order they were found;
/// - groups them into calls: one row each, or for a batch hook the rows of one commit (same feed, time,
///   attempt and event);
/// - keeps up to `concurrency` calls in flight, never two of one feed, and after a call of a feed
///   failed (to be retried) starts no later call of that feed in this pass;
/// - turns each attempt's outcome into a record through the hook's `RetryPolicy` (backoff with jitter,
///   `Retry-After`, the dead-letter limits), with the time and the random number the event brings.
struct DeliveryLane: Sendable {
    /// One call of the hook: one row, or the rows of one commit for a batch hook.
    struct Call: Sendable, Hashable {
        var rows: [Store.Delivery]

        var feed: String { rows[0].feed }
        /// The number of this attempt: 1 for the first.
        var attempt: Int { rows[0].attempt + 1 }
        var firstAttemptAt: Timestamp { rows[0].created }
        var ids: [UInt64] { rows.map(\.id) }
    }

    /// What came of an attempt, as the worker saw it.
    struct Attempted: Sendable, Hashable {
        /// What the worker could not hand to the hook.
        enum Lost: Sendable, Hashable {
            /// The item is no longer stored (retention dropped it).
            case gone
            /// The item's stored body is damaged; the text says where.
            case damaged(String)
        }

        /// Rows whose item could not be read, and why.
        var lost: [UInt64: Lost] = [:]
        /// The hook's answer for the other rows; nil when the hook was not called (every item lost, or
        /// the store could not be read).
        var outcome: DeliveryOutcome?
        /// The store could not be read (not a damaged record: the disk); the call is tried again later.
        var readFailure: String?

        init(lost: [UInt64: Lost] = [:], outcome: DeliveryOutcome? = nil, readFailure: String? = nil) {
            self.lost = lost
            self.outcome = outcome
            self.readFailure = readFailure
        }
    }

    /// A change of the outbox to write, and to log.
    enum Record: Sendable, Hashable {
        /// The hook has the rows: they leave the outbox.
        case delivered(ids: [UInt64], details: String)
        /// Attempt number `attempts` failed; try again at `at`.
        case retry(ids: [UInt64], attempts: Int, at: Timestamp, reason: String)
        /// Given up after attempt number `attempt`: dead letters.
        case dead(ids: [UInt64], attempt: Int, reason: String)
        /// The row's item cannot be read: a dead letter at once (a damaged body never heals, and a gone
        /// one never comes back), so that it does not hold the feed's later rows back.
        case lost(id: UInt64, reason: String, isDamaged: Bool)
    }

    /// How a call ended, once its records are written: what the pass counts.
    enum Step: Sendable, Hashable {
        case delivered, retried, dead
    }

    let batch: Bool
    let concurrency: Int
    let policy: RetryPolicy

    private var queue: [Call] = []
    private var inFlight: Set<String> = []
    private var blocked: Set<String> = []

    init(batch: Bool, concurrency: Int, policy: RetryPolicy) {
        self.batch = batch
        self.concurrency = max(concurrency, 1)
        self.policy = policy
    }

    /// Calls in flight.
    var inFlightCount: Int { inFlight.count }

    /// True once every call is started and ended.
    var isDone: Bool { queue.isEmpty && inFlight.isEmpty }

    // MARK: Events

    /// A pass begins with the rows due at `now` (in any order) and, per feed, the id of its first row
    /// that waits for a retry. Returns the calls to start now.
    mutating func start(due rows: [Store.Delivery], waiting: [String: UInt64], now: Timestamp) -> [Call] {
        let eligible = rows.filter { row in
            row.status == .pending && row.nextAttempt <= now && waiting[row.feed].map { row.id < $0 } ?? true
        }
        queue = Self.calls(eligible, batch: batch)
        inFlight = []
        blocked = []
        return nextCalls()
    }

    /// An attempt of `call` ended at `now` (`unitRandom` in `0..<1`, for the jitter of a retry): the
    /// records to write. The call stays in flight until `recorded`.
    func ended(_ call: Call, _ attempted: Attempted, now: Timestamp, unitRandom: Double) -> [Record] {
        var records: [Record] = []
        for row in call.rows {
            switch attempted.lost[row.id] {
            case .gone: records.append(.lost(id: row.id, reason: "the item is no longer stored", isDamaged: false))
            case .damaged(let why):
                records.append(
                    .lost(
                        id: row.id, reason: "the stored item cannot be read: \(why) (see `feedd store check`)",
                        isDamaged: true))
            case nil: break
            }
        }
        guard attempted.readFailure == nil, let outcome = attempted.outcome else { return records }
        let live = call.ids.filter { attempted.lost[$0] == nil }
        switch HookRunner.step(
            after: outcome, attempt: call.attempt, firstAttemptAt: call.firstAttemptAt, now: now, policy: policy,
            unitRandom: unitRandom)
        {
        case .delivered(let details):
            records.append(.delivered(ids: live, details: details))
        case .retry(let next, let at, let reason):
            records.append(.retry(ids: live, attempts: next - 1, at: at, reason: reason))
        case .dead(let reason):
            records.append(.dead(ids: live, attempt: call.attempt, reason: reason))
        }
        return records
    }

    /// How `call` ended once its records were written (or not: a write that failed makes it `retried`).
    /// A retried call holds its feed's later calls back until the next pass. Returns the calls to start.
    mutating func recorded(_ call: Call, as step: Step) -> [Call] {
        inFlight.remove(call.feed)
        if step == .retried { blocked.insert(call.feed) }
        return nextCalls()
    }

    /// The lane is stopping: no call starts any more; those in flight end.
    mutating func stop() {
        queue = []
    }

    // MARK: Derived

    /// How `call` ended, from the records `ended` gave for it.
    static func step(of records: [Record], attempted: Attempted) -> Step {
        if attempted.readFailure != nil { return .retried }
        for record in records {
            switch record {
            case .delivered: return .delivered
            case .retry: return .retried
            case .dead: return .dead
            case .lost: continue
            }
        }
        return .dead  // every item lost
    }

    /// How long a lane sleeps after a pass at `now`: until the earliest waiting row comes due (at least a
    /// second), at most `longest`. A commit's wake-up ends it sooner.
    static func sleep(now: Timestamp, earliestWaiting: Timestamp?, longest: Duration = .seconds(60)) -> Duration {
        guard let earliestWaiting else { return longest }
        return min(longest, .seconds(max(earliestWaiting.secondsSince1970 - now.secondsSince1970, 1)))
    }

    /// Rows in calls, in id order: one each, or for a batch hook runs of rows of one commit (same feed, same
    /// time, same attempt, same event).
    static func calls(_ rows: [Store.Delivery], batch: Bool) -> [Call] {
        let sorted = rows.sorted { $0.id < $1.id }
        guard batch else { return sorted.map { Call(rows: [$0]) } }
        var calls: [Call] = []
        for row in sorted {
            if let last = calls.last?.rows.last, last.feed == row.feed, last.created == row.created,
                last.attempt == row.attempt, last.event == row.event
            {
                calls[calls.count - 1].rows.append(row)
            } else {
                calls.append(Call(rows: [row]))
            }
        }
        return calls
    }

    /// Takes from the queue, in order, the calls that may start: while slots are free, the first call of
    /// a feed with nothing in flight and not held back. A feed's calls never pass each other.
    private mutating func nextCalls() -> [Call] {
        var started: [Call] = []
        var index = 0
        while index < queue.count, inFlight.count < concurrency {
            let feed = queue[index].feed
            if blocked.contains(feed) {
                queue.remove(at: index)
            } else if inFlight.contains(feed) {
                index += 1
            } else {
                let call = queue.remove(at: index)
                inFlight.insert(feed)
                started.append(call)
            }
        }
        return started
    }
}
