// A daemon for the end-to-end tests, with settings built from its arguments (no config file):
//
//   DaemonChild STATE_DIR JSONL_PATH FEEDS_FILE INTERVAL_SECONDS [once]
//
// FEEDS_FILE holds one `name=url` per line; it is read at start and again on SIGHUP (the reload). Every
// feed fires one `jsonl` hook named "log" writing to JSONL_PATH. With `once`, it polls once and exits
// (as `feedd poll --once`), printing the summary. $DAEMONCHILD_NOTIFY_EXISTING=1 announces a new feed's
// items; $DAEMONCHILD_RETRY_SECONDS sets the hook's first retry delay (default 30); $DAEMONCHILD_LISTEN
// sets `listen` (the HTTP listener); $DAEMONCHILD_LISTENER_LIMITS=HEADER_MS,IDLE_MS,MAX_CONNECTIONS its limits;
// $DAEMONCHILD_LISTEN_TOKEN_FILE its token file.
// $DAEMONCHILD_FILE_SIZE_LIMIT and $DAEMONCHILD_AS_NOBODY (below) make
// the disk full and the state directory's permissions bite, for real.
import Config
import Daemon
import Hooks
import Logging
import Platform

let arguments = CommandLine.arguments
guard arguments.count >= 5, let seconds = Int(arguments[4]) else {
    try? StandardStream.error.write("usage: DaemonChild STATE_DIR JSONL_PATH FEEDS_FILE INTERVAL_SECONDS [once]\n")
    exitProcess(64)
}
let stateDirectory = arguments[1]
let jsonlPath = arguments[2]
let feedsFile = arguments[3]

OS.ignoreBrokenPipeSignal()
OS.ignoreFileSizeSignal()
// $DAEMONCHILD_FILE_SIZE_LIMIT: no file grows past this many bytes (EFBIG, a full disk for real, root too).
if let text = OS.environment("DAEMONCHILD_FILE_SIZE_LIMIT"), let bytes = Int(text), !OS.limitFileSize(to: bytes) {
    try? StandardStream.error.write("DaemonChild: setrlimit(RLIMIT_FSIZE) failed\n")
    exitProcess(70)
}
// $DAEMONCHILD_AS_NOBODY=1: a root process becomes user 65534, so that file permissions apply to it.
if OS.environment("DAEMONCHILD_AS_NOBODY") == "1", OS.isRoot, !OS.switchUser(to: 65534) {
    try? StandardStream.error.write("DaemonChild: could not switch to user 65534\n")
    exitProcess(70)
}
LoggingSystem.bootstrap { label in LineLogHandler(label: "feedd", level: .debug) }
let logger = Logger(label: "feedd")

enum ChildError: Error, CustomStringConvertible {
    case feeds(String)
    var description: String {
        switch self {
        case .feeds(let reason): reason
        }
    }
}

@Sendable func settings() throws -> DaemonSettings {
    let text: String
    do {
        text = String(decoding: try FileSystem.read(feedsFile), as: UTF8.self)
    } catch {
        throw ChildError.feeds("\(feedsFile): \(error)")
    }
    var feeds: [FeedSettings] = []
    for line in text.split(separator: "\n") where !line.isEmpty {
        let parts = line.split(separator: "=", maxSplits: 1)
        guard parts.count == 2 else { throw ChildError.feeds("bad line: \(line)") }
        feeds.append(FeedSettings(name: String(parts[0]), url: String(parts[1])))
    }
    let hook = try JSONLinesHook(name: "log", configuration: .init(path: jsonlPath))
    let retrySeconds = OS.environment("DAEMONCHILD_RETRY_SECONDS").flatMap { Int($0) } ?? 30
    var settings = DaemonSettings(
        stateDirectory: stateDirectory, feeds: feeds,
        hooks: [HookSettings(hook: hook, retry: RetryPolicy(baseDelay: .seconds(retrySeconds)))], globalHooks: ["log"],
        schedule: ScheduleSettings(
            defaultInterval: .seconds(seconds), jitter: 0, minInterval: .seconds(1), initialSpread: .zero),
        notifyExisting: OS.environment("DAEMONCHILD_NOTIFY_EXISTING") == "1" ? .all : .none,
        shutdownGrace: .seconds(3),
        listen: try OS.environment("DAEMONCHILD_LISTEN").map { text throws in try ListenAddress(parsing: text) })
    // $DAEMONCHILD_LISTEN_TOKEN_FILE: the write API's token (`listen_token = { file = … }`).
    settings.listenToken = OS.environment("DAEMONCHILD_LISTEN_TOKEN_FILE").map { SecretSource.file($0) }
    if let text = OS.environment("DAEMONCHILD_LISTENER_LIMITS") {
        let numbers = text.split(separator: ",").compactMap { Int($0) }
        guard numbers.count == 3 else { throw ChildError.feeds("DAEMONCHILD_LISTENER_LIMITS: \(text)") }
        settings.listenerLimits.headerTimeout = .milliseconds(numbers[0])
        settings.listenerLimits.idleTimeout = .milliseconds(numbers[1])
        settings.listenerLimits.maxConnections = numbers[2]
    }
    return settings
}

do {
    let initial = try settings()
    if arguments.count > 5, arguments[5] == "once" {
        let daemon = try Daemon(settings: initial, logger: logger)
        let summary = await daemon.pollOnce()
        try daemon.close()
        print(
            "polled \(summary.polled) new \(summary.newItems) delivered \(summary.delivered) failed \(summary.failed)")
    } else {
        try await Daemon.run(settings: initial, logger: logger, reload: { try settings() })
    }
    exitProcess(0)
} catch {
    try? StandardStream.error.write("DaemonChild: \(error)\n")
    exitProcess(1)
}
