import FeedModel
import Fetcher
import Hooks
import InMemoryLogging
import Logging
import Platform
import Store
import Synchronization
import TestSupport
import Testing

@testable import Daemon

/// The gate the poll loop and the outbox wait behind while a shared store does not answer, and the
/// lease and instance rules of a shared store, without a database: the gate's time comes from a
/// `ManualClock`, and its probe is a closure the test answers.
@Suite("Store availability")
struct StoreAvailabilityTests {
    private static let unavailable = StoreError.unavailable(
        location: "postgres://db/feedd", reason: "connection refused")

    @Test("the gate logs an outage once and the return once, with how long the store was away")
    func gateStateMachine() {
        var gate = StoreAvailability.Gate()
        let start = Timestamp(secondsSince1970: 1_800_000_000)
        #expect(gate.isOpen)
        #expect(gate.answered(now: start) == .none)
        #expect(gate.failed(reason: "connection refused", now: start) == .logLost(reason: "connection refused"))
        #expect(!gate.isOpen)
        // Further failures in the same outage say nothing new.
        #expect(gate.failed(reason: "timeout", now: Timestamp(secondsSince1970: 1_800_000_010)) == .none)
        #expect(gate.reason == "connection refused")
        #expect(gate.answered(now: Timestamp(secondsSince1970: 1_800_000_042)) == .logBack(downSeconds: 42))
        #expect(gate.isOpen)
        #expect(gate.answered(now: Timestamp(secondsSince1970: 1_800_000_050)) == .none)
    }

    @Test("only StoreError.unavailable closes the gate; other store errors are the caller's")
    func onlyUnavailableCloses() {
        let availability = StoreAvailability(logger: quietLogger, clock: ManualClock())
        #expect(!availability.note(.unknownFeed("a")))
        #expect(!availability.note(.leaseLost(what: "feed a", owner: "other")))
        #expect(availability.isAvailable)
        #expect(availability.note(Self.unavailable))
        #expect(!availability.isAvailable)
    }

    @Test("a closed gate probes the store every few seconds of the clock and opens when it answers")
    func probesUntilBack() async throws {
        let clock = ManualClock()
        let logs = InMemoryLogHandler()
        let availability = StoreAvailability(logger: Logger(label: "feedd") { _ in logs }, clock: clock)
        let probe = ScriptedProbe()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await availability.watch(
                    probe: { () throws(StoreError) in try probe.answer() },
                    isStopping: { probe.state.withLock { $0.isStopping } },
                    onBack: { probe.state.withLock { $0.backs += 1 } })
            }
            // Open: the watcher waits and probes nothing, however long the clock runs.
            #expect(await clock.waitForSleepers(1))
            clock.advance(by: StoreAvailability.probeInterval * 3)
            #expect(probe.probes == 0)

            #expect(availability.note(Self.unavailable))
            #expect(availability.note(Self.unavailable))
            // Two probes that fail, then one that answers: each after one probe interval of the clock.
            for round in 1...2 {
                #expect(await advanceUntil(clock) { probe.probes >= round })
                #expect(!availability.isAvailable)
            }
            probe.state.withLock { $0.isDown = false }
            #expect(await advanceUntil(clock) { availability.isAvailable })
            #expect(probe.probes >= 3)
            #expect(probe.state.withLock { $0.backs } == 1)

            probe.state.withLock { $0.isStopping = true }
            availability.wake()
            try await group.waitForAll()
        }
        let messages = logs.entries.map(\.message.description)
        #expect(messages.filter { $0.hasPrefix("store unavailable") }.count == 1)
        #expect(messages.filter { $0.hasPrefix("store available again") }.count == 1)
        let lost = try #require(logs.entries.first { $0.message.description.hasPrefix("store unavailable") })
        #expect(lost.level == .error)
        #expect(lost.metadata["reason"]?.description == "connection refused")
    }

    @Test("in the running daemon no poll starts while the store is unavailable; polling goes on once it answers")
    func daemonWaitsForStore() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1]]) { bed in
            let clock = ManualClock()
            let logs = InMemoryLogHandler()
            let daemon = try await bed.daemon(
                [bed.feed("a", "/a.xml")], interval: .seconds(3600), logger: Logger(label: "feedd") { _ in logs },
                clock: clock, random: { 0.5 })
            // As a database that went away would: the first unavailable answer closes the gate.
            daemon.runtime.availability.note(Self.unavailable)
            await ClockTests.running(daemon, clock: clock) {
                // Ticks of the poll loop, short of the first probe: the feed is due, and not polled.
                for _ in 0..<3 {
                    #expect(await clock.waitForSleepers())
                    clock.advance(1)
                }
                try? await Task.sleep(for: .milliseconds(200))
                #expect(await bed.server.hits("/a.xml") == 0)
                #expect(!daemon.runtime.availability.isAvailable)
                // The probe (the file store always answers) opens the gate; the poll follows.
                #expect(
                    await eventually {
                        clock.advance(1)
                        return await bed.server.hits("/a.xml") == 1
                    })
                #expect(daemon.runtime.availability.isAvailable)
            }
            try await daemon.close()
            let messages = logs.entries.map(\.message.description)
            #expect(messages.filter { $0.hasPrefix("store unavailable") }.count == 1)
            #expect(messages.filter { $0.hasPrefix("store available again") }.count == 1)
            // Not a failure of the feed.
            #expect(try daemon.files.fetchState(feed: "a")?.consecutiveFailures == 0)
        }
    }

    @Test("instances with another configuration seen in the last ten minutes are reported, others not")
    func differingInstances() {
        let now = Timestamp(secondsSince1970: 1_800_000_000)
        func instance(_ name: String, _ digest: String, seenAgo: Int64) -> InstanceRecord {
            InstanceRecord(
                name: name, configDigest: digest, started: Timestamp(secondsSince1970: 1_700_000_000),
                lastSeen: Timestamp(secondsSince1970: now.secondsSince1970 - seenAgo))
        }
        let ours = instance("a-1", "aaa", seenAgo: 0)
        let all = [
            ours, instance("b-2", "aaa", seenAgo: 5), instance("c-3", "ccc", seenAgo: 30),
            instance("d-4", "ddd", seenAgo: 601), instance("e-5", "eee", seenAgo: 600),
        ]
        #expect(Daemon.differingInstances(all, from: ours, now: now).map(\.name) == ["c-3", "e-5"])
    }

    @Test("the configuration digest is SHA-256 of the text, and the instance name host and process")
    func digestAndName() {
        #expect(
            Daemon.configurationDigest(of: "abc".utf8)
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(DaemonSettings.defaultInstance.hasSuffix("-\(OS.processID)"))
    }

    @Test("leases: a poll holds its feed twice the fetch limit and 10 s; a delivery pass its attempts and 60 s")
    func leases() throws {
        #expect(PollPipeline.lease(for: FetchLimits(totalTimeout: .seconds(60))) == .seconds(130))
        let exec = try ExecHook(
            name: "run", configuration: .init(command: ["/bin/true"], timeout: .seconds(10), killGrace: .seconds(2)))
        let single = OutboxWorker.claim(for: HookSettings(hook: exec, concurrency: 2))
        #expect(single.limit == 8)
        #expect(single.lease == .seconds(12 * 4 + 60))
        // The file store's claims never expire: a page, so that rows held behind a waiting one of their
        // feed never crowd out the other feeds' rows.
        #expect(OutboxWorker.claim(for: HookSettings(hook: exec, concurrency: 2), isShared: false).limit == 512)
        let local = OutboxWorker.claim(
            for: HookSettings(hook: try JSONLinesHook(name: "log", configuration: .init(path: "/tmp/x.jsonl"))))
        #expect(local.limit == OutboxWorker.pageSize)
        #expect(local.lease == .seconds(60))
    }

    /// Moves `clock` one probe interval at a time (each time a sleep waits for it) until `condition`
    /// holds; false after 30 s of the real clock.
    private func advanceUntil(_ clock: ManualClock, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            if ContinuousClock.now >= deadline { return false }
            if clock.sleeperCount > 0 { clock.advance(by: StoreAvailability.probeInterval) }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return true
    }
}

/// A store probe the test answers: down (`StoreError.unavailable`) until told otherwise; counts probes.
private final class ScriptedProbe: Sendable {
    struct State {
        var isDown = true
        var probes = 0
        var backs = 0
        var isStopping = false
    }

    let state = Mutex(State())

    var probes: Int { state.withLock { $0.probes } }

    func answer() throws(StoreError) {
        let isDown = state.withLock { state in
            state.probes += 1
            return state.isDown
        }
        if isDown { throw .unavailable(location: "postgres://db/feedd", reason: "connection refused") }
    }
}
