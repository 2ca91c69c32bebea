import Config
import FeedModel
import Hooks
import Store
import Synchronization
import TestSupport
import Testing

@testable import Daemon

/// The injected clock drives every wait of the daemon: wake-ups, the poll loop's tick, the outbox's
/// retries. These tests move a `ManualClock` by hand; nothing waits for real time to pass.
@Suite("Injected clock")
struct ClockTests {
    @Test("a wake-up's timeout runs on the injected clock: it ends when the clock passes it, not before")
    func wakeupTimeout() async {
        let clock = ManualClock()
        let wakeup = Wakeup(clock: clock)
        let waiter = Task { await wakeup.wait(timeout: .seconds(3600)) }
        guard await clock.waitForSleepers() else {
            // Never left waiting for a clock nobody moves: the wait is cancelled, the test fails.
            Issue.record("the wait did not begin")
            waiter.cancel()
            await waiter.value
            return
        }
        clock.advance(3599)
        // The sleep is still there: the hour has not passed on the clock.
        #expect(clock.sleeperCount == 1)
        clock.advance(1)
        await waiter.value
        #expect(clock.sleeperCount == 0)
    }

    @Test("a wake-up's notify ends a wait at once, and a notify with nobody waiting ends the next wait")
    func wakeupNotify() async {
        let clock = ManualClock()
        let wakeup = Wakeup(clock: clock)
        await withDiscardingTaskGroup { group in
            group.addTask { await wakeup.wait(timeout: .seconds(3600)) }
            #expect(await clock.waitForSleepers())
            wakeup.notify()
        }
        // The timer of the ended wait was cancelled, not left behind.
        #expect(clock.sleeperCount == 0)
        wakeup.notify()
        await wakeup.wait(timeout: .seconds(3600))
        #expect(clock.sleeperCount == 0)
    }

    @Test("the poll loop polls a feed again when the injected clock reaches its next due time")
    func pollLoopFollowsClock() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1]]) { bed in
            let clock = ManualClock()
            let daemon = try await bed.daemon(
                [bed.feed("a", "/a.xml")],
                interval: .seconds(3600), logger: quietLogger, clock: clock, random: { 0.5 })
            await Self.running(daemon, clock: clock) {
                // The loop's first tick comes a second after the start, on the clock; the poll stores the
                // next due time, an hour later on the clock.
                var due: Timestamp? = nil
                #expect(
                    await eventually {
                        clock.advance(1)
                        due = (try? daemon.files.fetchState(feed: "a"))?.nextDue
                        return due != nil
                    })
                guard let due else { return }
                #expect(due.secondsSince1970 - clock.now().secondsSince1970 > 3000)
                // Ticks go by on the clock, up to a minute before it: no second poll.
                while clock.now().secondsSince1970 < due.secondsSince1970 - 120 {
                    #expect(await clock.waitForSleepers())
                    clock.advance(min(600, due.secondsSince1970 - 60 - clock.now().secondsSince1970))
                }
                try? await Task.sleep(for: .milliseconds(200))
                #expect(await bed.server.hits("/a.xml") == 1)
                bed.feeds.set("/a.xml", items: [1, 2])
                // The due time passes on the clock.
                #expect(
                    await eventually {
                        clock.advance(1)
                        return await bed.server.hits("/a.xml") == 2
                    })
                #expect(await eventually { bed.logged == ["Item 2"] })
            }
            try await daemon.close()
        }
    }

    @Test("a failed delivery is retried when the injected clock reaches its retry time, in the running daemon")
    func outboxRetryFollowsClock() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1]]) { bed in
            let clock = ManualClock()
            let flaky = ScriptedHook(name: "flaky", outcomes: [.retry(after: .seconds(600), reason: "busy")])
            let daemon = try await bed.daemon(
                [bed.feed("a", "/a.xml", hooks: ["flaky"])],
                hooks: [HookSettings(hook: flaky)], notifyExisting: .all, logger: quietLogger, clock: clock,
                random: { 0.5 })
            await Self.running(daemon, clock: clock) {
                // The first attempt fails with Retry-After: 600 s; the outbox records the retry time.
                var retryAt: Timestamp? = nil
                #expect(
                    await eventually {
                        clock.advance(1)
                        retryAt =
                            (try? daemon.files.pendingDeliveries(hook: "flaky"))?.first { $0.attempt == 1 }?
                            .nextAttempt
                        return retryAt != nil
                    })
                guard let retryAt else { return }
                #expect(flaky.attempts == 1)
                #expect(retryAt.secondsSince1970 - clock.now().secondsSince1970 > 500)
                // Up to a second before it on the clock: no second attempt.
                clock.advance(retryAt.secondsSince1970 - 1 - clock.now().secondsSince1970)
                try? await Task.sleep(for: .milliseconds(200))
                #expect(flaky.attempts == 1)
                // Then the clock goes on a second at a time (a lane that was between two sleeps when it
                // moved still sees the retry come due). A loaded machine took more than the default 10 s.
                #expect(
                    await eventually(timeout: .seconds(30)) {
                        clock.advance(1)
                        return flaky.delivered == ["Item 1"]
                    })
                #expect(flaky.attempts == 2)
            }
            #expect(try daemon.files.pendingDeliveries().isEmpty)
            try await daemon.close()
        }
    }
}

extension ClockTests {
    /// Runs `daemon` while `body` runs, then stops it and moves the clock on until `run()` has returned
    /// (a part that began a wait just as the stop came ends it at its timeout, on this clock).
    static func running(_ daemon: Daemon, clock: ManualClock, _ body: () async -> Void) async {
        let ended = Flag()
        await withDiscardingTaskGroup { group in
            group.addTask {
                await daemon.run()
                ended.set()
            }
            await body()
            daemon.stop()
            group.addTask {
                while !ended.isSet {
                    clock.advance(1)
                    try? await Task.sleep(for: .milliseconds(10))
                }
            }
        }
    }
}

/// A flag set once, read from any task.
final class Flag: Sendable {
    private let value = Mutex(false)

    var isSet: Bool { value.withLock { $0 } }

    func set() { value.withLock { $0 = true } }
}

/// A hook that answers each call with the next scripted outcome, then delivers; it counts attempts.
final class ScriptedHook: Hook {
    let name: String
    private let state: Mutex<(outcomes: [DeliveryOutcome], attempts: Int, delivered: [String])>

    init(name: String, outcomes: [DeliveryOutcome]) {
        self.name = name
        state = Mutex((outcomes, 0, []))
    }

    var attempts: Int { state.withLock { $0.attempts } }
    var delivered: [String] { state.withLock { $0.delivered } }

    func deliver(_ delivery: Hooks.Delivery) async -> DeliveryOutcome {
        state.withLock { state in
            state.attempts += 1
            if !state.outcomes.isEmpty { return state.outcomes.removeFirst() }
            state.delivered += delivery.items.compactMap(\.title)
            return .delivered("ok")
        }
    }
}
