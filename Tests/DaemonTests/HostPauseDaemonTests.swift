import Config
import FeedModel
import Fetcher
import Foundation
import Hooks
import InMemoryLogging
import Logging
import Store
import Synchronization
import TestSupport
import Testing

@testable import Daemon

/// Answers `429 Retry-After: seconds` to the first request for a path (after `delay`), then the feed.
func answeringTooManyOnce(_ feeds: FeedServer, retryAfter seconds: Int, delay: Duration? = nil)
    -> @Sendable (RecordedRequest) -> ScriptedResponse
{
    let first = FirstTime()
    return { request in
        if first.take() {
            return ScriptedResponse(status: 429, headers: ["Retry-After": "\(seconds)"], delay: delay)
        }
        var response = feeds.respond(request)
        response.delay = .milliseconds(200)
        return response
    }
}

/// True the first time it is asked, false after.
final class FirstTime: Sendable {
    private let isFirst = Mutex(true)

    func take() -> Bool {
        isFirst.withLock { value in
            let first = value
            value = false
            return first
        }
    }
}

/// Host pauses through the daemon: the scheduler, the pipeline, the fetcher and the store together.
@Suite("Host pauses in the daemon")
struct HostPauseDaemonTests {
    @Test("the scheduler holds back a paused host's feeds, keeps the later of two pauses, and spares other hosts")
    func schedulerPause() {
        let start = Timestamp(secondsSince1970: 1_800_000_000)
        func at(_ offset: Int64) -> Timestamp { Timestamp(secondsSince1970: start.secondsSince1970 + offset) }
        var scheduler = Scheduler()
        scheduler.schedule("a", host: "busy:443", at: at(0))
        scheduler.schedule("b", host: "busy:443", at: at(5))
        scheduler.schedule("c", host: "calm:443", at: at(5))
        #expect(scheduler.takeDue(now: at(0), limit: 10) == ["a"])
        // The pause comes from the fetcher with the host that answered, here not the feed's own.
        scheduler.finished("a", nextDue: at(100), pause: ("busy:443", at(60)))
        scheduler.pause(host: "busy:443", until: at(30))
        #expect(scheduler.takeDue(now: at(10), limit: 10) == ["c"])
        #expect(scheduler.due(of: "b") == at(60))
        #expect(scheduler.takeDue(now: at(59), limit: 10) == [])
        #expect(scheduler.takeDue(now: at(60), limit: 10) == ["b"])
    }

    @Test("the board logs a pause once per host and knows when it ends")
    func board() {
        let board = HostPauseBoard()
        let now = Timestamp(secondsSince1970: 1_800_000_000)
        func pause(_ host: String, until: Int64) -> HostPause {
            HostPause(
                host: host, httpStatus: 429, since: now,
                until: Timestamp(secondsSince1970: now.secondsSince1970 + until))
        }
        #expect(board.note(pause("a:80", until: 20), now: now) == .began)
        #expect(board.note(pause("a:80", until: 20), now: now) == .known)
        #expect(board.note(pause("a:80", until: 10), now: now) == .known)
        #expect(board.note(pause("a:80", until: 30), now: now) == .extended)
        #expect(board.note(pause("b:80", until: 5), now: now) == .began)
        #expect(board.inForce(at: now).map(\.host) == ["a:80", "b:80"])
        let later = Timestamp(secondsSince1970: now.secondsSince1970 + 10)
        #expect(board.inForce(at: later).map(\.host) == ["a:80"])
        #expect(board.note(pause("b:80", until: 50), now: later) == .began, "the old pause had ended")
    }

    @Test("host-pauses.json: written and read back; damage is an error that names the file")
    func pauseFile() async throws {
        try await withTemporaryDirectory { directory in
            #expect(try HostPauseFile.read(stateDirectory: directory.path).isEmpty)
            let pause = HostPause(
                host: "example.org:443", httpStatus: 503, since: Timestamp(secondsSince1970: 1_800_000_000),
                until: Timestamp(secondsSince1970: 1_800_000_120))
            let hosts = [PausedHost(pause: pause, feeds: ["b", "a"])]
            try HostPauseFile.write(hosts, stateDirectory: directory.path)
            #expect(
                try HostPauseFile.read(stateDirectory: directory.path) == [PausedHost(pause: pause, feeds: ["a", "b"])])
            _ = try directory.write("{\"version\":2}", to: HostPauseFile.name)
            #expect(throws: HostPauseFile.ReadError.self) { try HostPauseFile.read(stateDirectory: directory.path) }
        }
    }

    @Test(
        "per_host 1: a 429 pauses the host from its answer; queued feeds wait without failing; another host goes on")
    func daemonHoldsHost() async throws {
        try await withTemporaryDirectory { directory in
            try await HTTPTestServer.withRunning { calm, calmBase in
                try await HTTPTestServer.withRunning { server, base in
                    try await holdsHost(
                        directory: directory, calm: calm, calmBase: calmBase, server: server, base: base)

                }
            }
        }
    }

    private func holdsHost(
        directory: TemporaryDirectory, calm: HTTPTestServer, calmBase: String, server: HTTPTestServer, base: String
    ) async throws {
        let feeds = FeedServer()
        for index in 0..<6 { feeds.set("/f\(index).xml", items: [1]) }
        feeds.set("/calm.xml", items: [1])
        await server.route("/f0.xml", respond: answeringTooManyOnce(feeds, retryAfter: 6, delay: .seconds(1)))
        for index in 1..<6 {
            await server.route("/f\(index).xml") { request in
                var response = feeds.respond(request)
                response.delay = .milliseconds(300)
                return response
            }
        }
        await feeds.route(["/calm.xml"], on: calm)
        var settings = try testSettings(
            directory: directory,
            feeds: (0..<6).map { TestFeed(name: "f\($0)", url: base + "/f\($0).xml") }
                + [TestFeed(name: "calm", url: calmBase + "/calm.xml")],
            interval: .seconds(1))
        settings.fetch.perHost = 1
        let logs = InMemoryLogHandler()
        let daemon = try await Daemon(settings: settings, logger: Logger(label: "feedd") { _ in logs })
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await daemon.run() }
            try await waitForPauseAndResume(server)
            daemon.stop()
        }
        try await daemon.close()
        let start = try #require(await server.requests(for: "/f0.xml").first?.answered)
        let pauseEnd = start + .seconds(6)
        let after = await server.requests.filter { $0.arrived > start }
        #expect(after.allSatisfy { $0.arrived >= pauseEnd }, "\(after.map { ($0.path, $0.arrived) })")
        // The other host was polled every second or so during the pause.
        let calmDuring = await calm.requests.filter { $0.arrived > start && $0.arrived < pauseEnd }
        #expect(calmDuring.count >= 2, "\(calmDuring.count)")
        // Held back is not failed: the queued feeds have no failure on record.
        for index in 1..<6 {
            let state = try daemon.storeState("f\(index)", directory: directory)
            #expect(state?.lastError == nil, "f\(index): \(state?.lastError ?? "")")
            #expect(state?.consecutiveFailures == 0)
        }
        let paused = logs.entries.filter { $0.message.description.hasPrefix("host paused") }
        #expect(paused.count == 1)
        #expect(paused.first?.metadata["host"]?.description == HTTPFetcher.hostKey(of: base))
        #expect(paused.first?.metadata["until"] != nil)
        // What `feedd feeds` reads: the host, its end, and the feeds it holds back.
        let file = try HostPauseFile.read(stateDirectory: directory.path + "/state")
        #expect(file.count == 1)
        #expect(file.first?.feeds == (0..<6).map { "f\($0)" })
        #expect(file.first?.pause.httpStatus == 429)
    }

}

/// Waits for the 429 of `/f0.xml`, then for the host to be asked six times more (after the pause).
private func waitForPauseAndResume(_ server: HTTPTestServer) async throws {
    let answered = try #require(await firstAnswer(server, "/f0.xml", timeout: .seconds(20)))
    let resumed = await eventually(timeout: .seconds(30)) {
        await server.requests.filter { $0.arrived > answered }.count >= 6
    }
    #expect(resumed)
}

/// When the first request for `path` was answered, waiting up to `timeout` for it.
func firstAnswer(_ server: HTTPTestServer, _ path: String, timeout: Duration) async -> ContinuousClock.Instant? {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let answered = await server.requests(for: path).first?.answered { return answered }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return nil
}

extension Daemon {
    /// A feed's fetch state, read from a fresh read-only store in `directory`'s `state` (after `close()`).
    func storeState(_ feed: String, directory: TemporaryDirectory) throws -> FeedFetchState? {
        try FileStore.open(directory: directory.path + "/state", options: StoreOptions(readOnly: true)).fetchState(
            feed: feed)
    }
}
