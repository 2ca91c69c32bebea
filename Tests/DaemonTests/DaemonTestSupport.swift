import Config
import Daemon
import FeedModel
import Foundation
import Hooks
import Logging
import Synchronization
import TestSupport

/// Feeds whose items the test changes while the daemon polls them, served with an `ETag` per version
/// and `304 Not Modified` when the client sends the current one back.
final class FeedServer: Sendable {
    private struct Feed {
        var items: [Int]
        var version = 1
        var status = 200
    }

    private let feeds = Mutex<[String: Feed]>([:])

    /// Serves `path` with the items numbered `items` (newest last).
    func set(_ path: String, items: [Int]) {
        feeds.withLock { feeds in
            let version = (feeds[path]?.version ?? 0) + 1
            feeds[path] = Feed(items: items, version: version)
        }
    }

    /// Makes `path` answer `status` with no feed.
    func fail(_ path: String, status: Int) {
        feeds.withLock { $0[path, default: Feed(items: [])].status = status }
    }

    func respond(_ request: RecordedRequest) -> ScriptedResponse {
        guard let feed = feeds.withLock({ $0[request.path] }) else { return ScriptedResponse(status: 404) }
        guard feed.status == 200 else { return .text("no", status: feed.status) }
        let etag = "\"v\(feed.version)\""
        if request.header("If-None-Match") == etag {
            return ScriptedResponse(status: 304, headers: ["ETag": etag])
        }
        return ScriptedResponse(
            status: 200, headers: ["Content-Type": "application/rss+xml", "ETag": etag],
            body: Array(Self.rss(path: request.path, items: feed.items).utf8))
    }

    /// Registers `paths` on `server`.
    func route(_ paths: [String], on server: HTTPTestServer) async {
        for path in paths {
            await server.route(path) { [self] request in respond(request) }
        }
    }

    static func rss(path: String, items: [Int]) -> String {
        var text = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed \(path)</title>"
        for number in items.reversed() {
            text += "<item><guid>\(path)#\(number)</guid><title>Item \(number)</title>"
            text += "<link>https://example.org\(path)/\(number)</link><description>Story \(number)</description></item>"
        }
        return text + "</channel></rss>"
    }
}

/// The lines a `jsonl` hook wrote, parsed.
struct JSONLines {
    let lines: [[String: Any]]

    init(path: String) {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        lines = text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    /// The item titles, in order.
    var titles: [String] { lines.compactMap { $0["title"] as? String } }

    /// The feed names, in order.
    var feeds: [String] { lines.compactMap { ($0["feed"] as? [String: Any])?["name"] as? String } }
}

/// Settings for tests: no jitter, no spread, one `jsonl` hook "log" on every feed.
func testSettings(
    directory: TemporaryDirectory, feeds: [FeedSettings], interval: Duration = .seconds(1800),
    extraHooks: [HookSettings] = [], notifyExisting: NotifyExisting = .none
) throws -> DaemonSettings {
    let log = try JSONLinesHook(name: "log", configuration: .init(path: directory.path + "/log.jsonl"))
    return DaemonSettings(
        stateDirectory: directory.path + "/state", feeds: feeds, hooks: [HookSettings(hook: log)] + extraHooks,
        globalHooks: ["log"],
        schedule: ScheduleSettings(
            defaultInterval: interval, jitter: 0, minInterval: .seconds(1), initialSpread: .zero),
        notifyExisting: notifyExisting, shutdownGrace: .seconds(2))
}

/// A logger that drops everything.
let quietLogger = Logger(label: "feedd-test") { _ in SwiftLogNoOpLogHandler() }

/// Waits up to `timeout` for `condition`, checking every 50 ms.
func eventually(timeout: Duration = .seconds(10), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return await condition()
}

/// The path of an executable built next to the test bundle.
func builtExecutable(_ name: String) -> URL {
    var directory = Bundle.main.bundleURL
    if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
    let candidate = directory.appendingPathComponent(name)
    if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
}
