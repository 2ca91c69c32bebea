import Config
import FeedModel
import Hooks
import InMemoryLogging
import Logging
import Platform
import Store
import Synchronization
import TestSupport
import Testing

@testable import Daemon

/// The whole pipeline in-process: a real HTTP server on 127.0.0.1, the real fetcher, parser, store and a
/// `jsonl` hook.
@Suite("Poll pipeline")
struct PipelineTests {
    @Test("every new item reaches the hook once and none of the old; unchanged feeds cost a 304")
    func newItemsOnce() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1, 2, 3], "/b.xml": [10]]) { bed in
            let feeds = [bed.feed("a", "/a.xml"), bed.feed("b", "/b.xml")]
            let daemon = try await bed.daemon(feeds)
            // The first poll of a new feed stores its items silently.
            let first = await daemon.pollOnce()
            #expect(first.polled == 2 && first.failed == 0)
            #expect(JSONLines(path: bed.logPath).lines.isEmpty)
            #expect(await bed.server.requests(for: "/a.xml").allSatisfy { $0.header("If-None-Match") == nil })

            bed.feeds.set("/a.xml", items: [1, 2, 3, 4, 5])
            let second = await daemon.pollOnce()
            #expect(second.newItems == 2)
            #expect(second.notModified == 1)
            #expect(second.delivered == 2)
            #expect(bed.logged == ["Item 4", "Item 5"])
            // b was asked with its validator and answered 304.
            #expect(await bed.server.requests(for: "/b.xml").last?.header("If-None-Match") == "\"v1\"")

            let third = await daemon.pollOnce()
            #expect(third.notModified == 2 && third.newItems == 0)
            #expect(JSONLines(path: bed.logPath).lines.count == 2)
            try await daemon.close()

            // A restart: same store, nothing is announced again; only the item added since.
            bed.feeds.set("/a.xml", items: [2, 3, 4, 5, 6])
            let restarted = try await bed.daemon(feeds)
            let fourth = await restarted.pollOnce()
            #expect(fourth.newItems == 1)
            #expect(bed.logged == ["Item 4", "Item 5", "Item 6"])
            let state = try #require(try restarted.files.fetchState(feed: "a"))
            #expect(state.etag == "\"v3\"")
            #expect(state.nextDue != nil)
            try await restarted.close()
        }
    }

    @Test("a failing feed is recorded and backs off, and the others go on")
    func failureStaysLocal() async throws {
        try await DaemonTestbed.with { bed in
            bed.feeds.set("/ok.xml", items: [1])
            bed.feeds.fail("/down.xml", status: 500)
            await bed.feeds.route(["/ok.xml", "/down.xml"], on: bed.server)
            await bed.server.route("/html", .text("<html><body>hi</body></html>", contentType: "text/html"))
            let daemon = try await bed.daemon(
                [
                    bed.feed("down", "/down.xml"),
                    bed.feed("html", "/html"),
                    bed.feed("ok", "/ok.xml"),
                ], notifyExisting: true)
            let summary = await daemon.pollOnce()
            #expect(summary.failed == 2)
            #expect(summary.newItems == 1)
            #expect(summary.failures["down"]?.contains("HTTP 500") == true)
            #expect(summary.failures["html"]?.contains("not a feed") == true)
            #expect(bed.logged == ["Item 1"])
            let state = try #require(try daemon.files.fetchState(feed: "down"))
            #expect(state.consecutiveFailures == 1)
            #expect(state.lastError?.contains("HTTP 500") == true)
            _ = await daemon.pollOnce(feeds: ["down"])
            #expect(try daemon.files.fetchState(feed: "down")?.consecutiveFailures == 2)
            try await daemon.close()
        }
    }

    @Test("notify_existing announces a new feed's items; filters, on_update and batch hooks apply")
    func hookOptions() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1, 2, 3]]) { bed in
            let digest = RecordingHook(name: "digest")
            let picky = RecordingHook(name: "picky")
            let daemon = try await bed.daemon(
                [bed.feed("a", "/a.xml", hooks: ["digest", "picky"])],
                hooks: [
                    HookSettings(hook: digest, batch: true),
                    HookSettings(hook: picky, filter: try ItemFilter(include: ["item 2", "/item [45]/"])),
                ], notifyExisting: true)
            _ = await daemon.pollOnce()
            #expect(bed.logged == ["Item 1", "Item 2", "Item 3"])
            #expect(digest.calls.map(\.count) == [3])
            #expect(picky.calls.flatMap { $0 } == ["Item 2"])
            bed.feeds.set("/a.xml", items: [1, 2, 3, 4, 5])
            _ = await daemon.pollOnce()
            #expect(digest.calls.map(\.count) == [3, 2])
            #expect(picky.calls.flatMap { $0 } == ["Item 2", "Item 4", "Item 5"])
            try await daemon.close()
        }
    }

    @Test("notify_existing = N announces only the newest N items of a new feed's first poll")
    func notifyNewest() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1, 2, 3, 4], "/b.xml": [1, 2]]) { bed in
            let daemon = try await bed.daemon(
                [
                    bed.feed("a", "/a.xml"),
                    bed.feed("b", "/b.xml", notifyExisting: false),
                ], notifyExisting: .newest(2))
            _ = await daemon.pollOnce()
            // The feed lists item 4 first (newest); feed b overrides with false.
            #expect(Set(bed.logged) == ["Item 3", "Item 4"])
            bed.feeds.set("/a.xml", items: [1, 2, 3, 4, 5])
            _ = await daemon.pollOnce()
            #expect(Set(bed.logged) == ["Item 3", "Item 4", "Item 5"])
            try await daemon.close()
        }
    }

    @Test("a failing hook is retried later, holds back only its own later items, and not the other hooks")
    func failingHook() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1, 2]]) { bed in
            let feeds = [bed.feed("a", "/a.xml", hooks: ["broken"])]
            let broken = RecordingHook(name: "broken", failing: true)
            let daemon = try await bed.daemon(feeds, hooks: [HookSettings(hook: broken)], notifyExisting: true)
            let summary = await daemon.pollOnce()
            #expect(summary.delivered == 2)
            // Item 1 failed; item 2 waits behind it, so that the feed's items arrive in order.
            #expect(summary.deliveryFailures == 1)
            let pending = try daemon.files.pendingDeliveries().sorted { $0.id < $1.id }
            #expect(pending.map(\.hook) == ["broken", "broken"])
            #expect(pending.map(\.attempt) == [1, 0])
            try await daemon.close()

            // After a restart with the hook repaired, the queued deliveries go out, in order.
            let repaired = RecordingHook(name: "broken")
            // Built again with the repaired hook in place of the broken one, and the clock near max_age.
            let restarted = try await bed.daemon(
                feeds, hooks: [HookSettings(hook: repaired)], notifyExisting: true,
                clock: LaterClock(seconds: 3 * 86_400 - 60))
            let again = await restarted.pollOnce()
            #expect(again.delivered == 2 && again.newItems == 0)
            #expect(repaired.calls == [["Item 1"], ["Item 2"]])
            #expect(try restarted.files.pendingDeliveries().isEmpty)
            try await restarted.close()
        }
    }

    @Test("the daemon loop polls as feeds come due and delivers new items as they appear")
    func runLoop() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1]]) { bed in
            let daemon = try await bed.daemon([bed.feed("a", "/a.xml")], interval: .seconds(1))
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await daemon.run() }
                #expect(await eventually { await bed.server.hits("/a.xml") >= 1 })
                bed.feeds.set("/a.xml", items: [1, 2])
                #expect(await eventually { bed.logged == ["Item 2"] })
                #expect(await eventually { await bed.server.hits("/a.xml") >= 3 })
                // 304s in between, conditional requests all along.
                #expect(
                    await bed.server.requests(for: "/a.xml").dropFirst().allSatisfy {
                        $0.header("If-None-Match") != nil
                    })
                daemon.stop()
            }
            #expect(bed.logged == ["Item 2"])
            try await daemon.close()
        }
    }

    @Test("a dry run shows what each hook would get and stores nothing")
    func dryRun() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1]]) { bed in
            let settings = try bed.settings([bed.feed("a", "/a.xml")])
            let first = try await Daemon.dryRun(settings: settings, logger: quietLogger)
            #expect(first.map(\.outcome) == ["first poll: 1 items stored silently"])
            let daemon = try await Daemon(settings: settings, logger: quietLogger)
            _ = await daemon.pollOnce()
            bed.feeds.set("/a.xml", items: [1, 2])
            // The daemon holds the store's lock; a dry run opens it read-only beside it.
            let second = try await Daemon.dryRun(settings: settings, logger: quietLogger)
            #expect(second.map(\.outcome) == ["1 new, 0 updated, 1 unchanged"])
            #expect(second.first?.deliveries.map(\.hook) == ["log"])
            #expect(second.first?.deliveries.first?.delivery.items.map(\.title) == ["Item 2"])
            #expect(JSONLines(path: bed.logPath).lines.isEmpty)
            let summary = await daemon.pollOnce()
            #expect(summary.newItems == 1 && summary.delivered == 1)
            try await daemon.close()
        }
    }

    @Test("a permanent redirect is stored and logged once, telling the user to update the configuration")
    func permanentRedirect() async throws {
        try await DaemonTestbed.with(feeds: ["/new.xml": [1]]) { bed in
            await bed.server.route("/old.xml", .redirect(to: bed.base + "/new.xml", status: 301))
            let logs = InMemoryLogHandler()
            let logger = Logger(label: "feedd") { _ in logs }
            let daemon = try await bed.daemon([bed.feed("a", "/old.xml")], logger: logger)
            _ = await daemon.pollOnce()
            _ = await daemon.pollOnce()
            #expect(try daemon.files.fetchState(feed: "a")?.url == bed.base + "/new.xml")
            let moved = logs.entries.filter { $0.message.description.hasPrefix("feed moved permanently") }
            #expect(moved.count == 1)
            #expect(moved.first?.level == .notice)
            #expect(moved.first?.metadata["feed.new_url"]?.description == bed.base + "/new.xml")
            #expect(moved.first?.metadata["feed.name"]?.description == "a")
            // The second poll went straight to the new URL, with its validator.
            #expect(await bed.server.hits("/old.xml") == 1)
            #expect(await bed.server.requests(for: "/new.xml").last?.header("If-None-Match") == "\"v1\"")
            try await daemon.close()
        }
    }

    @Test("log lines: level, label, message, sorted metadata, quoted when needed")
    func logLineFormat() {
        let event = LogEvent(
            level: .warning, message: "feed moved", metadata: nil, source: nil, file: #file,
            function: #function, line: #line)
        let line = LineLogHandler.textLine(
            event, label: "feedd", metadata: ["z": "last", "b": "two words", "a": "x=y", "m": "plain"],
            time: "2026-01-02T03:04:05Z")
        #expect(line == "2026-01-02T03:04:05Z warning feedd: feed moved a=\"x=y\" b=\"two words\" m=plain z=last\n")
        // Without a time (under journald) the line starts with the level; no metadata, no trailing space.
        let bare = LineLogHandler.textLine(
            LogEvent(
                level: .error, message: "fetch failed", metadata: nil, source: nil, file: #file, function: #function,
                line: #line),
            label: "other", metadata: [:], time: nil)
        #expect(bare == "error other: fetch failed\n")
        #expect(LineLogHandler.quoted("plain") == "plain")
        #expect(LineLogHandler.quoted("two words") == "\"two words\"")
        #expect(LineLogHandler.quoted("a\"b\nc") == "\"a\\\"b\\nc\"")
        #expect(LineLogHandler.quoted("") == "\"\"")
    }

    @Test("invalid settings are refused with every problem named")
    func invalidSettings() async throws {
        let settings = DaemonSettings(
            stateDirectory: "/nonexistent",
            feeds: [FeedSettings(name: "a", url: "x", hooks: ["nope"]), FeedSettings(name: "a", url: "y")])
        #expect(
            settings.problems() == ["feed \"a\" is defined more than once", "feed \"a\": no hook is named \"nope\""])
        await #expect(throws: DaemonError.self) { try await Daemon(settings: settings, logger: quietLogger) }
    }
}

/// A hook that records the titles of each call, and fails every call when asked to.
final class RecordingHook: Hook {
    let name: String
    let failing: Bool
    private let recorded = Mutex<[[String]]>([])

    init(name: String, failing: Bool = false) {
        self.name = name
        self.failing = failing
    }

    var calls: [[String]] { recorded.withLock { $0 } }

    func deliver(_ delivery: Hooks.Delivery) async -> DeliveryOutcome {
        if failing { return .retry(after: nil, reason: "down") }
        recorded.withLock { $0.append(delivery.items.compactMap(\.title)) }
        return .delivered("ok")
    }
}

/// The wall clock moved forward by a fixed amount (to make queued retries due at once).
struct LaterClock: TimeSource {
    let seconds: Int64

    func now() -> Timestamp {
        Timestamp(secondsSince1970: SystemClock().now().secondsSince1970 + seconds)
    }

    func monotonicNow() -> ContinuousClock.Instant { ContinuousClock.now }

    func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

/// Exec hooks through the whole pipeline: what cannot start is given up at once.
@Suite("Exec hooks in the pipeline")
struct ExecPipelineTests {
    @Test("a hook program that does not exist: a dead letter at the first attempt, logged as an error")
    func missingProgramIsDeadAtOnce() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1]]) { bed in
            let missing = try ExecHook(
                name: "missing", configuration: .init(command: [bed.directory.path + "/no-such-program"]))
            let logs = InMemoryLogHandler()
            let daemon = try await bed.daemon(
                [bed.feed("a", "/a.xml", hooks: ["missing"])],
                hooks: [HookSettings(hook: missing, retry: RetryPolicy(maxAttempts: 20))], notifyExisting: .all,
                logger: Logger(label: "feedd") { _ in logs })
            let summary = await daemon.pollOnce()
            #expect(summary.newItems == 1)
            let dead = try daemon.files.deadDeliveries()
            #expect(dead.map(\.hook) == ["missing"])
            #expect(dead.first?.lastError?.contains("no-such-program") == true, "\(dead)")
            #expect(try daemon.files.pendingDeliveries(hook: "missing").isEmpty)
            let given = logs.entries.filter { $0.message.description.hasPrefix("delivery given up") }
            #expect(given.count == 1)
            #expect(given.first?.level == .error)
            // Given up at the first attempt, of the 20 the retry policy allows.
            #expect(given.first?.metadata["attempt"]?.description == "1")
            try await daemon.close()
        }
    }
}
