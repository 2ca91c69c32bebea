import Config
import Daemon
import FeedModel
import Foundation
import Hooks
import Logging
import Platform
import Store
import Synchronization
import TestSupport
import Testing

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

/// A feed of a test daemon's configuration: what a `[[feed]]` table says.
struct TestFeed: Sendable {
    var name: String
    var url: String
    var interval: Duration? = nil
    var hooks: [String] = []
    var notifyExisting: Bool? = nil
    /// The feed's `filter.exclude` rules.
    var exclude: [String] = []

    /// The feed's `[[feed]]` table.
    var toml: String {
        var text = "\n[[feed]]\nname = \(tomlString(name))\nurl = \(tomlString(url))\n"
        if let interval { text += "interval = \"\(interval.components.seconds)s\"\n" }
        if !hooks.isEmpty { text += "hooks = [\(hooks.map(tomlString).joined(separator: ", "))]\n" }
        if let notifyExisting { text += "notify_existing = \(notifyExisting)\n" }
        if !exclude.isEmpty { text += "filter = { exclude = [\(exclude.map(tomlString).joined(separator: ", "))] }\n" }
        return text
    }
}

/// `text` as a TOML string.
func tomlString(_ text: String) -> String {
    var result = "\""
    for character in text {
        if character == "\\" || character == "\"" { result.append("\\") }
        result.append(character)
    }
    return result + "\""
}

/// The blueprint of a test daemon in `directory`: configuration text with the state in `state/`, one
/// `jsonl` hook "log" on every feed (writing `log.jsonl`), no jitter and no spread at start, a short
/// shutdown. `hooks` made in code join it (a table with the hook's name stands in for each in the text,
/// so that feeds may name it); `configuration` is more text for the main table, before the feeds.
func testBlueprint(
    directory: TemporaryDirectory, feeds: [TestFeed], interval: Duration = .seconds(1800),
    hooks: [HookSettings] = [], notifyExisting: NotifyExisting = .none, configuration: String = ""
) -> DaemonBlueprint {
    let notify: String
    switch notifyExisting {
    case .none: notify = "false"
    case .all: notify = "true"
    case .newest(let count): notify = "\(count)"
    }
    var text = """
        state_dir = "state"
        interval = "\(interval.components.seconds)s"
        jitter = "0s"
        min_interval = "1s"
        hooks = ["log"]
        notify_existing = \(notify)
        \(configuration)

        [[hook]]
        name = "log"
        type = "jsonl"
        path = "log.jsonl"

        """
    for hook in hooks {
        text += "\n[[hook]]\nname = \(tomlString(hook.name))\ntype = \"jsonl\"\npath = \"unused-\(hook.name).jsonl\"\n"
    }
    text += feeds.map(\.toml).joined()
    return DaemonBlueprint(
        .text(text, path: directory.path + "/feedd.toml"), environment: [:], hooks: hooks,
        adjust: { settings in
            settings.schedule.initialSpread = .zero
            settings.shutdownGrace = .seconds(2)
        })
}

/// The settings of `testBlueprint`.
func testSettings(
    directory: TemporaryDirectory, feeds: [TestFeed], interval: Duration = .seconds(1800),
    extraHooks: [HookSettings] = [], notifyExisting: NotifyExisting = .none, configuration: String = ""
) throws -> DaemonSettings {
    try testBlueprint(
        directory: directory, feeds: feeds, interval: interval, hooks: extraHooks, notifyExisting: notifyExisting,
        configuration: configuration
    ).settings().settings
}

/// One daemon test's world, set up and ended in one place: a temporary directory, a feed server on
/// 127.0.0.1 (a `FeedServer` for numbered items, and the raw `HTTPTestServer` for scripted answers), and
/// the daemon built through the composition root (`Daemon.build`) in process, or run as a `DaemonChild`
/// process (which builds it the same way).
struct DaemonTestbed: Sendable {
    let directory: TemporaryDirectory
    let server: HTTPTestServer
    /// `http://127.0.0.1:PORT` of `server`.
    let base: String
    let feeds: FeedServer

    /// Runs `body` with a testbed whose server serves `feeds` (path → item numbers); the server and the
    /// directory go when it returns or throws.
    static func with(
        feeds served: [String: [Int]] = [:], _ body: @Sendable (DaemonTestbed) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            try await HTTPTestServer.withRunning { server, base in
                let feeds = FeedServer()
                for (path, items) in served { feeds.set(path, items: items) }
                await feeds.route(served.keys.sorted(), on: server)
                try await body(DaemonTestbed(directory: directory, server: server, base: base, feeds: feeds))
            }
        }
    }

    /// Where the hook "log" writes.
    var logPath: String { directory.path + "/log.jsonl" }

    /// The titles the hook "log" got, in order.
    var logged: [String] { JSONLines(path: logPath).titles }

    /// The state directory.
    var statePath: String { directory.path + "/state" }

    /// A feed named `name` at `path` of the server.
    func feed(
        _ name: String, _ path: String, hooks: [String] = [], notifyExisting: Bool? = nil, exclude: [String] = []
    ) -> TestFeed {
        TestFeed(name: name, url: base + path, hooks: hooks, notifyExisting: notifyExisting, exclude: exclude)
    }

    // MARK: In process

    func blueprint(
        _ feeds: [TestFeed], interval: Duration = .seconds(1800), hooks: [HookSettings] = [],
        notifyExisting: NotifyExisting = .none, configuration: String = ""
    ) -> DaemonBlueprint {
        testBlueprint(
            directory: directory, feeds: feeds, interval: interval, hooks: hooks, notifyExisting: notifyExisting,
            configuration: configuration)
    }

    /// The settings of `blueprint(…)`, through the composition root's loading.
    func settings(
        _ feeds: [TestFeed], interval: Duration = .seconds(1800), hooks: [HookSettings] = [],
        notifyExisting: NotifyExisting = .none, configuration: String = ""
    ) throws -> DaemonSettings {
        try blueprint(
            feeds, interval: interval, hooks: hooks, notifyExisting: notifyExisting, configuration: configuration
        ).settings().settings
    }

    /// A daemon built by `Daemon.build` from `blueprint(…)`.
    func daemon(
        _ feeds: [TestFeed], interval: Duration = .seconds(1800), hooks: [HookSettings] = [],
        notifyExisting: NotifyExisting = .none, configuration: String = "", logger: Logger = quietLogger,
        clock: any TimeSource = SystemClock(), random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) async throws -> Daemon {
        try await Daemon.build(
            blueprint(
                feeds, interval: interval, hooks: hooks, notifyExisting: notifyExisting, configuration: configuration),
            logger: logger, clock: clock, random: random)
    }

    // MARK: As a child process

    /// Writes DaemonChild's feeds file: one `name=url` line per feed.
    func writeFeeds(_ feeds: [(name: String, path: String)]) throws {
        _ = try directory.write(feeds.map { "\($0.name)=\(base)\($0.path)\n" }.joined(), to: "feeds.txt")
    }

    /// DaemonChild's arguments for this testbed (`ProcessTests.arguments`).
    func childArguments(interval: String) -> [String] {
        ProcessTests.arguments(in: directory, interval: interval)
    }

    /// Starts DaemonChild on this testbed's feeds file; see `ProcessTests.Child`.
    func startChild(interval: String = "1", environment: [String: String] = [:], wrapper: [String] = [])
        async throws -> ProcessTests.Child
    {
        try await ProcessTests.Child(
            arguments: childArguments(interval: interval), environment: environment, wrapper: wrapper)
    }

    /// Runs DaemonChild once (`… once`, new feeds' items announced) and returns its exit status (nil: it
    /// did not end within a minute) and standard error.
    func runChildOnce(environment: [String: String] = [:]) async throws -> (Int32?, String) {
        let child = try await ProcessTests.Child(
            arguments: childArguments(interval: "3600") + ["once"],
            environment: environment.merging(["DAEMONCHILD_NOTIFY_EXISTING": "1"]) { $1 })
        let status = await child.exitStatus(timeout: .seconds(60))
        return (status, child.stderr)
    }
}

extension ProcessTests.Child {
    /// The address of the child's HTTP listener (`HOST:PORT`), from its log line "HTTP listener started";
    /// nil when none was logged within `timeout`.
    func listenerAddress(timeout: Duration = .seconds(30)) async -> String? {
        var address: String? = nil
        _ = await eventually(timeout: timeout) {
            address = stderr.split(separator: "\n").first { $0.contains("HTTP listener started") }
                .flatMap { $0.split(separator: " ").first { $0.hasPrefix("listen=") } }
                .map { String($0.dropFirst("listen=".count)) }
            return address != nil
        }
        return address
    }
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

extension Daemon {
    /// The file store under the daemon (every daemon of these tests has one), for reading alongside it.
    var files: FileStore {
        get throws { try #require(fileStore) }
    }
}
