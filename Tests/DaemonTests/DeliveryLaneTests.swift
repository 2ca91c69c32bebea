import FeedModel
import Hooks
import Store
import TestSupport
import Testing

@testable import Daemon

/// The delivery lifecycle as a pure state machine: rows and outcomes in, calls and records out. Every
/// time comes from a `ManualClock` the test moves; nothing sleeps and no hook runs.
@Suite("Delivery lane")
struct DeliveryLaneTests {
    let clock = ManualClock()

    /// A row of the outbox: pending, due now, created now, unless told otherwise.
    func row(
        _ id: UInt64, feed: String = "a", status: Store.Delivery.Status = .pending, attempt: Int = 0,
        dueIn: Int64 = 0, createdAgo: Int64 = 0, event: ItemEvent = .new
    ) -> Store.Delivery {
        let now = clock.now().secondsSince1970
        return Store.Delivery(
            id: id, hook: "h", feed: feed, itemKey: "k\(id)", event: event, status: status, attempt: attempt,
            nextAttempt: Timestamp(secondsSince1970: now + dueIn),
            created: Timestamp(secondsSince1970: now - createdAgo))
    }

    func lane(batch: Bool = false, concurrency: Int = 1, policy: RetryPolicy = RetryPolicy()) -> DeliveryLane {
        DeliveryLane(batch: batch, concurrency: concurrency, policy: policy)
    }

    func later(_ seconds: Int64) -> Timestamp {
        Timestamp(secondsSince1970: clock.now().secondsSince1970 + seconds)
    }

    @Test("due rows are attempted in id order; held rows, rows not yet due and rows behind a retry are not")
    func dueRows() {
        var lane = lane(concurrency: 8)
        let rows = [
            row(5, feed: "b"), row(2), row(3, status: .held), row(4, feed: "c", dueIn: 30), row(7, feed: "d"),
            row(9, feed: "d"),
        ]
        // Feed d has row 8 waiting for its retry: row 9 waits behind it, row 7 (earlier) goes.
        let calls = lane.start(due: rows, waiting: ["d": 8], now: clock.now())
        #expect(calls.map(\.ids) == [[2], [5], [7]])
        #expect(calls.map(\.attempt) == [1, 1, 1])
    }

    @Test("a delivered attempt records the rows as delivered, with the hook's details")
    func delivered() {
        var lane = lane()
        let call = lane.start(due: [row(1)], waiting: [:], now: clock.now())[0]
        clock.advance(2)
        let records = lane.ended(
            call, .init(outcome: .delivered("HTTP 200")), now: clock.now(), unitRandom: 0.5)
        #expect(records == [.delivered(ids: [1], details: "HTTP 200")])
        #expect(DeliveryLane.step(of: records, attempted: .init(outcome: .delivered("HTTP 200"))) == .delivered)
        #expect(lane.recorded(call, as: .delivered).isEmpty)
        #expect(lane.isDone)
    }

    @Test("a failed attempt is retried after a jittered backoff that doubles with each attempt")
    func backoff() {
        let lane = lane(policy: RetryPolicy(baseDelay: .seconds(30)))
        let failed = DeliveryLane.Attempted(outcome: .retry(after: nil, reason: "HTTP 503"))
        // First attempt failed: up to 30 s, half of it with 0.5.
        let first = DeliveryLane.Call(rows: [row(1)])
        #expect(
            lane.ended(first, failed, now: clock.now(), unitRandom: 0.5)
                == [.retry(ids: [1], attempts: 1, at: later(15), reason: "HTTP 503")])
        // Third attempt failed: up to 120 s.
        let third = DeliveryLane.Call(rows: [row(1, attempt: 2, createdAgo: 100)])
        #expect(
            lane.ended(third, failed, now: clock.now(), unitRandom: 0.5)
                == [.retry(ids: [1], attempts: 3, at: later(60), reason: "HTTP 503")])
        #expect(
            DeliveryLane.step(of: lane.ended(third, failed, now: clock.now(), unitRandom: 0), attempted: failed)
                == .retried)
    }

    @Test("Retry-After is honoured exactly, whatever the jitter would have said")
    func retryAfter() {
        let lane = lane()
        let call = DeliveryLane.Call(rows: [row(1)])
        for random in [0.0, 0.5, 0.99] {
            #expect(
                lane.ended(
                    call, .init(outcome: .retry(after: .seconds(600), reason: "HTTP 429")), now: clock.now(),
                    unitRandom: random) == [.retry(ids: [1], attempts: 1, at: later(600), reason: "HTTP 429")])
        }
    }

    @Test("dead letters: a permanent failure at once, then the max_attempts and max_age limits")
    func deadLetters() {
        let lane = lane(policy: RetryPolicy(maxAttempts: 3, maxAge: .seconds(3600)))
        let busy = DeliveryLane.Attempted(outcome: .retry(after: nil, reason: "busy"))
        #expect(
            lane.ended(
                DeliveryLane.Call(rows: [row(1)]), .init(outcome: .permanent(reason: "HTTP 404")), now: clock.now(),
                unitRandom: 0.5) == [.dead(ids: [1], attempt: 1, reason: "HTTP 404")])
        // The third attempt of three.
        #expect(
            lane.ended(DeliveryLane.Call(rows: [row(2, attempt: 2)]), busy, now: clock.now(), unitRandom: 0.5)
                == [.dead(ids: [2], attempt: 3, reason: "busy; gave up after 3 attempts (max_attempts 3)")])
        // An hour old: given up, whatever the attempt.
        #expect(
            lane.ended(DeliveryLane.Call(rows: [row(3, createdAgo: 3600)]), busy, now: clock.now(), unitRandom: 0.5)
                == [.dead(ids: [3], attempt: 1, reason: "busy; gave up after 1h (max_age 1h)")])
        // Ten seconds short of the hour: the last wait is cut so that one more attempt comes at the hour.
        #expect(
            lane.ended(DeliveryLane.Call(rows: [row(4, createdAgo: 3590)]), busy, now: clock.now(), unitRandom: 0.9)
                == [.retry(ids: [4], attempts: 1, at: later(10), reason: "busy")])
        #expect(
            DeliveryLane.step(
                of: [.dead(ids: [1], attempt: 1, reason: "x")], attempted: .init(outcome: .permanent(reason: "x")))
                == .dead)
    }

    @Test("an item that is gone or damaged makes its row a dead letter; the call's other rows go to the hook")
    func lostItems() {
        let lane = lane(batch: true)
        let call = DeliveryLane.Call(rows: [row(1), row(2), row(3)])
        let attempted = DeliveryLane.Attempted(
            lost: [1: .gone, 2: .damaged("segment-00000001.items at offset 16: item body fails its checksum")],
            outcome: .delivered("ok"))
        #expect(
            lane.ended(call, attempted, now: clock.now(), unitRandom: 0.5) == [
                .lost(id: 1, reason: "the item is no longer stored", isDamaged: false),
                .lost(
                    id: 2,
                    reason: "the stored item cannot be read: segment-00000001.items at offset 16: item body fails "
                        + "its checksum (see `feedd store check`)", isDamaged: true),
                .delivered(ids: [3], details: "ok"),
            ])
        // Every item lost: no hook call, and the call counts as dead.
        let allLost = DeliveryLane.Attempted(lost: [1: .gone, 2: .gone, 3: .gone])
        let records = lane.ended(call, allLost, now: clock.now(), unitRandom: 0.5)
        #expect(records.count == 3)
        #expect(DeliveryLane.step(of: records, attempted: allLost) == .dead)
        // The store could not be read: nothing recorded, the call is tried again in a later pass.
        let unread = DeliveryLane.Attempted(readFailure: "I/O error")
        #expect(lane.ended(call, unread, now: clock.now(), unitRandom: 0.5).isEmpty)
        #expect(DeliveryLane.step(of: [], attempted: unread) == .retried)
    }

    @Test("in order per feed: a later delivery never overtakes an earlier one that is retrying")
    func inOrderPerFeed() {
        var lane = lane()
        // Feed a: 1, 2, 4; feed b: 3.
        var calls = lane.start(due: [row(4), row(2), row(3, feed: "b"), row(1)], waiting: [:], now: clock.now())
        #expect(calls.map(\.ids) == [[1]])
        let records = lane.ended(
            calls[0], .init(outcome: .retry(after: nil, reason: "down")), now: clock.now(), unitRandom: 0.5)
        #expect(
            DeliveryLane.step(of: records, attempted: .init(outcome: .retry(after: nil, reason: "down"))) == .retried)
        // Rows 2 and 4 of feed a wait behind row 1; feed b goes on.
        calls = lane.recorded(calls[0], as: .retried)
        #expect(calls.map(\.ids) == [[3]])
        #expect(lane.recorded(calls[0], as: .delivered).isEmpty)
        #expect(lane.isDone)

        // The next pass, once the clock passes row 1's retry time: 1 is due again, and the rest follow it.
        clock.advance(20)
        var next = self.lane()
        let retried = row(1, attempt: 1, createdAgo: 20)
        calls = next.start(due: [row(2), retried, row(4)], waiting: [:], now: clock.now())
        #expect(calls.map(\.ids) == [[1]])
        #expect(calls[0].attempt == 2)
        // Before it: row 1 waits (its first waiting id is 1), so 2 and 4 are not due, even though their time is.
        var early = self.lane()
        #expect(early.start(due: [row(2), row(4)], waiting: ["a": 1], now: clock.now()).isEmpty)
        #expect(early.isDone)
    }

    @Test("with concurrency, feeds go in parallel but never two calls of one feed")
    func concurrency() {
        var lane = lane(concurrency: 3)
        var calls = lane.start(
            due: [row(1), row(2), row(3), row(4, feed: "b"), row(5, feed: "c"), row(6, feed: "d")], waiting: [:],
            now: clock.now())
        // Three slots: a's first, b, c; not a's second.
        #expect(calls.map(\.ids) == [[1], [4], [5]])
        #expect(lane.inFlightCount == 3)
        calls = lane.recorded(DeliveryLane.Call(rows: [row(1)]), as: .delivered)
        #expect(calls.map(\.ids) == [[2]])
        calls = lane.recorded(DeliveryLane.Call(rows: [row(4, feed: "b")]), as: .delivered)
        #expect(calls.map(\.ids) == [[6]])
        // a's second fails: a's third does not start, and nothing else is left.
        #expect(lane.recorded(DeliveryLane.Call(rows: [row(2)]), as: .retried).isEmpty)
        _ = lane.recorded(DeliveryLane.Call(rows: [row(5, feed: "c")]), as: .delivered)
        _ = lane.recorded(DeliveryLane.Call(rows: [row(6, feed: "d")]), as: .delivered)
        #expect(lane.isDone)
    }

    @Test("a batch hook gets the rows of one commit in one call; another commit or attempt is another call")
    func batches() {
        var lane = lane(batch: true, concurrency: 4)
        let calls = lane.start(
            due: [
                row(1, createdAgo: 10), row(2, createdAgo: 10), row(3), row(4, feed: "b"), row(5, feed: "b"),
                row(6, feed: "b", event: .updated),
            ], waiting: [:], now: clock.now())
        // a: 1-2 (one commit), then 3 later; b: 4-5, then 6 (an update) — one call per feed in flight.
        #expect(calls.map(\.ids) == [[1, 2], [4, 5]])
        #expect(DeliveryLane.calls([row(1), row(2, attempt: 1)], batch: true).map(\.ids) == [[1], [2]])
        #expect(DeliveryLane.calls([row(2), row(1)], batch: false).map(\.ids) == [[1], [2]])
    }

    @Test("stopping starts no more calls; those in flight still end")
    func stopping() {
        var lane = lane(concurrency: 1)
        let calls = lane.start(due: [row(1), row(2, feed: "b")], waiting: [:], now: clock.now())
        lane.stop()
        #expect(!lane.isDone)
        #expect(lane.recorded(calls[0], as: .delivered).isEmpty)
        #expect(lane.isDone)
    }

    @Test("a lane sleeps until the earliest waiting row, at least a second, at most a minute")
    func sleeping() {
        let now = clock.now()
        #expect(DeliveryLane.sleep(now: now, earliestWaiting: nil) == .seconds(60))
        #expect(DeliveryLane.sleep(now: now, earliestWaiting: later(15)) == .seconds(15))
        #expect(DeliveryLane.sleep(now: now, earliestWaiting: later(3600)) == .seconds(60))
        #expect(DeliveryLane.sleep(now: now, earliestWaiting: later(-5)) == .seconds(1))
    }
}
