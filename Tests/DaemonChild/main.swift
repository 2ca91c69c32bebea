// A daemon for the end-to-end tests, built by `Daemon.build` from a configuration its arguments describe:
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

/// A TOML string.
@Sendable func quoted(_ text: String) -> String {
    var result = "\""
    for character in text {
        if character == "\\" || character == "\"" { result.append("\\") }
        result.append(character)
    }
    return result + "\""
}

/// The configuration the arguments describe, as the text of a configuration file, built by the daemon's
/// composition root like any other: read at start and again on SIGHUP.
@Sendable func blueprint() throws -> DaemonBlueprint {
    let text: String
    do {
        text = String(decoding: try FileSystem.read(feedsFile), as: UTF8.self)
    } catch {
        throw ChildError.feeds("\(feedsFile): \(error)")
    }
    let retrySeconds = OS.environment("DAEMONCHILD_RETRY_SECONDS").flatMap { Int($0) } ?? 30
    let notifyExisting = OS.environment("DAEMONCHILD_NOTIFY_EXISTING") == "1"
    var configuration = """
        state_dir = \(quoted(stateDirectory))
        interval = "\(seconds)s"
        jitter = "0s"
        min_interval = "1s"
        hooks = ["log"]
        notify_existing = \(notifyExisting)
        \(OS.environment("DAEMONCHILD_LISTEN_TOKEN_FILE").map { "listen_token = { file = \(quoted($0)) }" } ?? "")

        [[hook]]
        name = "log"
        type = "jsonl"
        path = \(quoted(jsonlPath))
          [hook.retry]
          base = "\(retrySeconds)s"

        """
    for line in text.split(separator: "\n") where !line.isEmpty {
        let parts = line.split(separator: "=", maxSplits: 1)
        guard parts.count == 2 else { throw ChildError.feeds("bad line: \(line)") }
        configuration += "\n[[feed]]\nname = \(quoted(String(parts[0])))\nurl = \(quoted(String(parts[1])))\n"
    }
    // Only what the arguments say: a FEEDD_STATE_DIR or STATE_DIRECTORY of the test run must not move the state.
    var environment: [String: String] = [:]
    environment["FEEDD_LISTEN"] = OS.environment("DAEMONCHILD_LISTEN")
    let limits = OS.environment("DAEMONCHILD_LISTENER_LIMITS").map { text in
        (text, text.split(separator: ",").compactMap { Int($0) })
    }
    if let (text, numbers) = limits, numbers.count != 3 {
        throw ChildError.feeds("DAEMONCHILD_LISTENER_LIMITS: \(text)")
    }
    let folder = stateDirectory.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        .joined(separator: "/")
    return DaemonBlueprint(
        .text(configuration, path: folder + "/daemonchild.toml"), environment: environment,
        adjust: { settings in
            // What no configuration key sets: every feed polled at start, a short shutdown, the limits.
            settings.schedule.initialSpread = .zero
            settings.shutdownGrace = .seconds(3)
            // $DAEMONCHILD_LISTEN_PUBLIC=1: the listener (on loopback) guards reads as on a public address.
            settings.listenAsPublic = OS.environment("DAEMONCHILD_LISTEN_PUBLIC") == "1"
            if let (_, numbers) = limits {
                settings.listenerLimits.headerTimeout = .milliseconds(numbers[0])
                settings.listenerLimits.idleTimeout = .milliseconds(numbers[1])
                settings.listenerLimits.maxConnections = numbers[2]
            }
        })
}

do {
    let initial = try blueprint()
    if arguments.count > 5, arguments[5] == "once" {
        let daemon = try await Daemon.build(initial, logger: logger)
        let summary = await daemon.pollOnce()
        try await daemon.close()
        print(
            "polled \(summary.polled) new \(summary.newItems) delivered \(summary.delivered) failed \(summary.failed)")
    } else {
        // The feeds file is read again on SIGHUP: a new blueprint each time.
        let loaded = try initial.settings()
        try await Daemon.run(
            settings: loaded.settings, configDigest: loaded.configDigest, logger: logger,
            reload: { try blueprint().settings() })
    }
    exitProcess(0)
} catch {
    try? StandardStream.error.write("DaemonChild: \(error)\n")
    exitProcess(1)
}
