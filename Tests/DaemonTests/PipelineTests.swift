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
        try await withTemporaryDirectory { directory in
            try await HTTPTestServer.withRunning { server, base in
                let feeds = FeedServer()
                feeds.set("/a.xml", items: [1, 2, 3])
                feeds.set("/b.xml", items: [10])
                await feeds.route(["/a.xml", "/b.xml"], on: server)
                let settings = try testSettings(
                    directory: directory,
                    feeds: [
                        FeedSettings(name: "a", url: base + "/a.xml"), FeedSettings(name: "b", url: base + "/b.xml"),
                    ])
                let log = directory.path + "/log.jsonl"

                let daemon = try Daemon(settings: settings, logger: quietLogger)
                // The first poll of a new feed stores its items silently.
                let first = await daemon.pollOnce()
                #expect(first.polled == 2 && first.failed == 0)
                #expect(JSONLines(path: log).lines.isEmpty)
                #expect(await server.requests(for: "/a.xml").allSatisfy { $0.header("If-None-Match") == nil })

                feeds.set("/a.xml", items: [1, 2, 3, 4, 5])
                let second = await daemon.pollOnce()
                #expect(second.newItems == 2)
                #expect(second.notModified == 1)
                #expect(second.delivered == 2)
                #expect(JSONLines(path: log).titles == ["Item 4", "Item 5"])
                // b was asked with its validator and answered 304.
                #expect(await server.requests(for: "/b.xml").last?.header("If-None-Match") == "\"v1\"")

                let third = await daemon.pollOnce()
                #expect(third.notModified == 2 && third.newItems == 0)
                #expect(JSONLines(path: log).lines.count == 2)
                try daemon.close()

                // A restart: same store, nothing is announced again; only the item added since.
                feeds.set("/a.xml", items: [2, 3, 4, 5, 6])
                let restarted = try Daemon(settings: settings, logger: quietLogger)
                let fourth = await restarted.pollOnce()
                #expect(fourth.newItems == 1)
                #expect(JSONLines(path: log).titles == ["Item 4", "Item 5", "Item 6"])
                let state = try #require(try restarted.store.fetchState(feed: "a"))
                #expect(state.etag == "\"v3\"")
                #expect(state.nextDue != nil)
                try restarted.close()
            }
        }
    }

    @Test("a failing feed is recorded and backs off, and the others go on")
    func failureStaysLocal() async throws {
        try await withTemporaryDirectory { directory in
            try await HTTPTestServer.withRunning { server, base in
                let feeds = FeedServer()
                feeds.set("/ok.xml", items: [1])
                feeds.fail("/down.xml", status: 500)
                await feeds.route(["/ok.xml", "/down.xml"], on: server)
                await server.route("/html", .text("<html><body>hi</body></html>", contentType: "text/html"))
                let settings = try testSettings(
                    directory: directory,
                    feeds: [
                        FeedSettings(name: "down", url: base + "/down.xml"),
                        FeedSettings(name: "html", url: base + "/html"),
                        FeedSettings(name: "ok", url: base + "/ok.xml"),
                    ], notifyExisting: true)
                let daemon = try Daemon(settings: settings, logger: quietLogger)
                let summary = await daemon.pollOnce()
                #expect(summary.failed == 2)
                #expect(summary.newItems == 1)
                #expect(summary.failures["down"]?.contains("HTTP 500") == true)
                #expect(summary.failures["html"]?.contains("not a feed") == true)
                #expect(JSONLines(path: directory.path + "/log.jsonl").titles == ["Item 1"])
                let state = try #require(try daemon.store.fetchState(feed: "down"))
                #expect(state.consecutiveFailures == 1)
                #expect(state.lastError?.contains("HTTP 500") == true)
                _ = await daemon.pollOnce(feeds: ["down"])
                #expect(try daemon.store.fetchState(feed: "down")?.consecutiveFailures == 2)
                try daemon.close()
            }
        }
    }

    @Test("notify_existing announces a new feed's items; filters, on_update and batch hooks apply")
    func hookOptions() async throws {
        try await withTemporaryDirectory { directory in
            try await HTTPTestServer.withRunning { server, base in
                let feeds = FeedServer()
                feeds.set("/a.xml", items: [1, 2, 3])
                await feeds.route(["/a.xml"], on: server)
                let digest = RecordingHook(name: "digest")
                let picky = RecordingHook(name: "picky")
                let settings = try testSettings(
                    directory: directory,
                    feeds: [FeedSettings(name: "a", url: base + "/a.xml", hooks: ["digest", "picky"])],
                    extraHooks: [
                        HookSettings(hook: digest, batch: true),
                        HookSettings(hook: picky, filter: try ItemFilter(include: ["item 2", "/item [45]/"])),
                    ], notifyExisting: true)
                let daemon = try Daemon(settings: settings, logger: quietLogger)
                _ = await daemon.pollOnce()
                #expect(JSONLines(path: directory.path + "/log.jsonl").titles == ["Item 1", "Item 2", "Item 3"])
                #expect(digest.calls.map(\.count) == [3])
                #expect(picky.calls.flatMap { $0 } == ["Item 2"])
                feeds.set("/a.xml", items: [1, 2, 3, 4, 5])
                _ = await daemon.pollOnce()
                #expect(digest.calls.map(\.count) == [3, 2])
                #expect(picky.calls.flatMap { $0 } == ["Item 2", "Item 4", "Item 5"])
                try daemon.close()
            }
        }
    }

    @Test("notify_existing = N announces only the newest N items of a new feed's first poll")
    func notifyNewest() async throws {
        try await withTemporaryDirectory { directory in
            try await HTTPTestServer.withRunning { server, base in
                let feeds = FeedServer()
                feeds.set("/a.xml", items: [1, 2, 3, 4])
                feeds.set("/b.xml", items: [1, 2])
                await feeds.route(["/a.xml", "/b.xml"], on: server)
                let settings = try testSettings(
                    directory: directory,
                    feeds: [
                        FeedSettings(name: "a", url: base + "/a.xml"),
                        FeedSettings(name: "b", url: base + "/b.xml", notifyExisting: false),
                    ], notifyExisting: .newest(2))
                let daemon = try Daemon(settings: settings, logger: quietLogger)
                _ = await daemon.pollOnce()
                // The feed lists item 4 first (newest); feed b overrides with false.
                #expect(Set(JSONLines(path: directory.path + "/log.jsonl").titles) == ["Item 3", "Item 4"])
                feeds.set("/a.xml", items: [1, 2, 3, 4, 5])
                _ = await daemon.pollOnce()
                #expect(Set(JSONLines(path: directory.path + "/log.jsonl").titles) == ["Item 3", "Item 4", "Item 5"])
                try daemon.close()
            }
        }
    }

    @Test("a failing hook is retried later, holds back only its own later items, and not the other hooks")
    func failingHook() async throws {
        try await withTemporaryDirectory { directory in
            try await HTTPTestServer.withRunning { server, base in
                let feeds = FeedServer()
                feeds.set("/a.xml", items: [1, 2])
                await feeds.route(["/a.xml"], on: server)
                let broken = RecordingHook(name: "broken", failing: true)
                let settings = try testSettings(
                    directory: directory, feeds: [FeedSettings(name: "a", url: base + "/a.xml", hooks: ["broken"])],
                    extraHooks: [HookSettings(hook: broken)], notifyExisting: true)
                let daemon = try Daemon(settings: settings, logger: quietLogger)
                let summary = await daemon.pollOnce()
                #expect(summary.delivered == 2)
                // Item 1 failed; item 2 waits behind it, so that the feed's items arrive in order.
                #expect(summary.deliveryFailures == 1)
                let pending = try daemon.store.pendingDeliveries().sorted { $0.id < $1.id }
                #expect(pending.map(\.hook) == ["broken", "broken"])
                #expect(pending.map(\.attempt) == [1, 0])
                try daemon.close()

                // After a restart with the hook repaired, the queued deliveries go out, in order.
                let repaired = RecordingHook(name: "broken")
                var fixed = settings
                fixed.hooks[1] = HookSettings(hook: repaired)
                let restarted = try Daemon(
                    settings: fixed, logger: quietLogger, clock: LaterClock(seconds: 3 * 86_400 - 60))
                let again = await restarted.pollOnce()
                #expect(again.delivered == 2 && again.newItems == 0)
                #expect(repaired.calls == [["Item 1"], ["Item 2"]])
                #expect(try restarted.store.pendingDeliveries().isEmpty)
                try restarted.close()
            }
        }
    }

    @Test("the daemon loop polls as feeds come due and delivers new items as they appear")
    func runLoop() async throws {
        try await withTemporaryDirectory { directory in
            try await HTTPTestServer.withRunning { server, base in
                let feeds = FeedServer()
                feeds.set("/a.xml", items: [1])
                await feeds.route(["/a.xml"], on: server)
                let settings = try testSettings(
                    directory: directory, feeds: [FeedSettings(name: "a", url: base + "/a.xml")], interval: .seconds(1))
                let daemon = try Daemon(settings: settings, logger: quietLogger)
                let log = directory.path + "/log.jsonl"
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { await daemon.run() }
                    #expect(await eventually { await server.hits("/a.xml") >= 1 })
                    feeds.set("/a.xml", items: [1, 2])
                    #expect(await eventually { JSONLines(path: log).titles == ["Item 2"] })
                    #expect(await eventually { await server.hits("/a.xml") >= 3 })
                    // 304s in between, conditional requests all along.
                    #expect(
                        await server.requests(for: "/a.xml").dropFirst().allSatisfy {
                            $0.header("If-None-Match") != nil
                        })
                    daemon.stop()
                }
                #expect(JSONLines(path: log).titles == ["Item 2"])
                try daemon.close()
            }
        }
    }

    @Test("a dry run shows what each hook would get and stores nothing")
    func dryRun() async throws {
        try await withTemporaryDirectory { directory in
            try await HTTPTestServer.withRunning { server, base in
                let feeds = FeedServer()
                feeds.set("/a.xml", items: [1])
                await feeds.route(["/a.xml"], on: server)
                let settings = try testSettings(
                    directory: directory, feeds: [FeedSettings(name: "a", url: base + "/a.xml")])
                let first = try await Daemon.dryRun(settings: settings, logger: quietLogger)
                #expect(first.map(\.outcome) == ["first poll: 1 items stored silently"])
                let daemon = try Daemon(settings: settings, logger: quietLogger)
                _ = await daemon.pollOnce()
                feeds.set("/a.xml", items: [1, 2])
                // The daemon holds the store's lock; a dry run opens it read-only beside it.
                let second = try await Daemon.dryRun(settings: settings, logger: quietLogger)
                #expect(second.map(\.outcome) == ["1 new, 0 updated, 1 unchanged"])
                #expect(second.first?.deliveries.map(\.hook) == ["log"])
                #expect(second.first?.deliveries.first?.delivery.items.map(\.title) == ["Item 2"])
                #expect(JSONLines(path: directory.path + "/log.jsonl").lines.isEmpty)
                let summary = await daemon.pollOnce()
                #expect(summary.newItems == 1 && summary.delivered == 1)
                try daemon.close()
            }
        }
    }

    @Test("a permanent redirect is stored and logged once, telling the user to update the configuration")
    func permanentRedirect() async throws {
        try await withTemporaryDirectory { directory in
            try await HTTPTestServer.withRunning { server, base in
                let feeds = FeedServer()
                feeds.set("/new.xml", items: [1])
                await feeds.route(["/new.xml"], on: server)
                await server.route("/old.xml", .redirect(to: base + "/new.xml", status: 301))
                let logs = InMemoryLogHandler()
                let logger = Logger(label: "feedd") { _ in logs }
                let settings = try testSettings(
                    directory: directory, feeds: [FeedSettings(name: "a", url: base + "/old.xml")])
                let daemon = try Daemon(settings: settings, logger: logger)
                _ = await daemon.pollOnce()
                _ = await daemon.pollOnce()
                #expect(try daemon.store.fetchState(feed: "a")?.url == base + "/new.xml")
                let moved = logs.entries.filter { $0.message.description.hasPrefix("feed moved permanently") }
                #expect(moved.count == 1)
                #expect(moved.first?.level == .notice)
                #expect(moved.first?.metadata["feed.new_url"]?.description == base + "/new.xml")
                #expect(moved.first?.metadata["feed.name"]?.description == "a")
                // The second poll went straight to the new URL, with its validator.
                #expect(await server.hits("/old.xml") == 1)
                #expect(await server.requests(for: "/new.xml").last?.header("If-None-Match") == "\"v1\"")
                try daemon.close()
            }
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
    func invalidSettings() throws {
        let settings = DaemonSettings(
            stateDirectory: "/nonexistent",
            feeds: [FeedSettings(name: "a", url: "x", hooks: ["nope"]), FeedSettings(name: "a", url: "y")])
        #expect(
            settings.problems() == ["feed \"a\" is defined more than once", "feed \"a\": no hook is named \"nope\""])
        #expect(throws: DaemonError.self) { try Daemon(settings: settings, logger: quietLogger) }
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
        try await withTemporaryDirectory { directory in
            try await HTTPTestServer.withRunning { server, base in
                let feeds = FeedServer()
                feeds.set("/a.xml", items: [1])
                await feeds.route(["/a.xml"], on: server)
                let missing = try ExecHook(
                    name: "missing", configuration: .init(command: [directory.path + "/no-such-program"]))
                let settings = try testSettings(
                    directory: directory, feeds: [FeedSettings(name: "a", url: base + "/a.xml", hooks: ["missing"])],
                    extraHooks: [HookSettings(hook: missing, retry: RetryPolicy(maxAttempts: 20))],
                    notifyExisting: .all)
                let logs = InMemoryLogHandler()
                let daemon = try Daemon(settings: settings, logger: Logger(label: "feedd") { _ in logs })
                let summary = await daemon.pollOnce()
                #expect(summary.newItems == 1)
                let dead = try daemon.store.deadDeliveries()
                #expect(dead.map(\.hook) == ["missing"])
                #expect(dead.first?.lastError?.contains("no-such-program") == true, "\(dead)")
                #expect(try daemon.store.pendingDeliveries(hook: "missing").isEmpty)
                let given = logs.entries.filter { $0.message.description.hasPrefix("delivery given up") }
                #expect(given.count == 1)
                #expect(given.first?.level == .error)
                // Given up at the first attempt, of the 20 the retry policy allows.
                #expect(given.first?.metadata["attempt"]?.description == "1")
                try daemon.close()
            }
        }
    }
}
