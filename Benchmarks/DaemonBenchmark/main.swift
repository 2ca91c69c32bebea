// feedd-bench-daemon: N feeds served by nginx on 127.0.0.1 through the whole daemon pipeline
// (`Daemon.pollOnce`, what `feedd poll --once` runs: fetch, parse, store, outbox, a jsonl hook), in
// three rounds: all new, all 304, then 10% of the feeds with one new item. Prints wall time, CPU time,
// peak memory and the hook deliveries per round, which must equal the new items. With --round N, one
// round per process (after a restart, as a daemon would be), so each peak memory is that round's own.
// With --store postgres://… the daemon works on a PostgreSQL database instead of the file store, as the
// instance --instance; several such processes at once share the feeds (the script then checks the sums).
// Run by scripts/bench-daemon; never part of `swift test`.
import Config
import Daemon
import Foundation
import Hooks
import Logging
import StoreLocation

struct Options {
    var ports: [Int] = []
    var count = 10_000
    var root = ""
    var work = ""
    var concurrency = 64
    var perHost = 2
    /// Only this round (1, 2 or 3), each in its own process; 0 runs all three in this one.
    var round = 0
    /// A PostgreSQL URL (`store = "postgres://…"`); nil: the file store in `work`/state.
    var store: String?
    /// This instance's name on a shared store (config `instance`).
    var instance = "bench"
    /// Round 3 edits the feeds first unless this is set (the script then edits them once, with --edit-only,
    /// for every store of the run).
    var noEdit = false
    /// Only the edit of round 3, then exit.
    var editOnly = false
    /// A file to write the round's figures to, as JSON (for the script).
    var result: String?

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var index = 0
        func value() -> String {
            index += 1
            guard index < arguments.count else { fail("\(arguments[index - 1]) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--count": options.count = Int(value()) ?? 0
            case "--root": options.root = value()
            case "--work": options.work = value()
            case "--concurrency": options.concurrency = Int(value()) ?? 0
            case "--per-host": options.perHost = Int(value()) ?? 0
            case "--round": options.round = Int(value()) ?? 0
            case "--store": options.store = value()
            case "--instance": options.instance = value()
            case "--no-edit": options.noEdit = true
            case "--edit-only": options.editOnly = true
            case "--result": options.result = value()
            case "--ports":
                let range = value().split(separator: "-").compactMap { Int($0) }
                guard range.count == 2, range[0] <= range[1] else { fail("--ports takes FIRST-LAST") }
                options.ports = Array(range[0]...range[1])
            default: fail("unknown argument \(arguments[index])")
            }
            index += 1
        }
        guard !options.ports.isEmpty, options.count > 0, !options.root.isEmpty, !options.work.isEmpty else {
            fail("usage: feedd-bench-daemon --ports FIRST-LAST --root FEEDS_DIR --work DIR [--count N]")
        }
        return options
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("feedd-bench-daemon: \(message)\n".utf8))
    exit(64)
}

func cpuTime() -> Double {
    var usage = rusage()
    guard getrusage(Int32(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func peakMemoryMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kilobytes / 1024
}

func currentMemoryMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kilobytes / 1024
}

/// Reads the resident set every millisecond on a thread of its own (not the cooperative pool, which the
/// polls keep busy) and keeps the highest value.
final class MemorySampler: @unchecked Sendable {
    // Guarded by `lock`.
    private var highest = 0.0
    private var running = true
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)

    init() {
        Thread.detachNewThread { [self] in
            while lock.withLock({ running }) {
                let now = currentMemoryMiB()
                lock.withLock { highest = max(highest, now) }
                usleep(1000)
            }
            done.signal()
        }
    }

    func stop() -> Double {
        lock.withLock { running = false }
        done.wait()
        return lock.withLock { highest }
    }
}

func resetPeakMemory() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

/// The lines of the jsonl file, read 1 MiB at a time: reading it whole (330 MB after round 1 with
/// 10,000 feeds) would be the benchmark's own peak, not the daemon's.
func lineCount(_ path: String) -> Int {
    guard let handle = FileHandle(forReadingAtPath: path) else { return 0 }
    defer { try? handle.close() }
    var lines = 0
    while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
        lines += chunk.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
    return lines
}

/// Adds one item to the top of feed `index` (nginx then serves it with a new ETag).
func addItem(to index: Int, root: String, round: Int) {
    let path = "\(root)/feeds/\(index).xml"
    guard var text = try? String(contentsOfFile: path, encoding: .utf8), let first = text.range(of: "<item>") else {
        fail("cannot read \(path)")
    }
    text.insert(
        contentsOf:
            "<item><title>Fresh \(round) of feed \(index)</title><link>https://example.org/\(index)/fresh\(round)</link>"
            + "<guid>urn:feed:\(index):fresh\(round)</guid><pubDate>Mon, 30 Nov 2026 09:00:00 GMT</pubDate>"
            + "<description>A new story.</description></item>", at: first.lowerBound)
    do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch { fail("cannot write \(path)") }
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
if options.editOnly {
    for index in stride(from: 0, to: options.count, by: 10) { addItem(to: index, root: options.root, round: 3) }
    exit(0)
}
let state = options.work + (options.store == nil ? "/state" : "/state-\(options.instance)")
// On a shared store each instance appends to a file of its own; the script counts them together.
let jsonl = options.work + (options.store == nil ? "/deliveries.jsonl" : "/deliveries-\(options.instance).jsonl")
if options.round <= 1 {
    try? FileManager.default.removeItem(atPath: state)
    try? FileManager.default.removeItem(atPath: jsonl)
}
let feeds = (0..<options.count).map { index in
    FeedSettings(
        name: "feed-\(index)", url: "http://127.0.0.1:\(options.ports[index % options.ports.count])/feeds/\(index).xml")
}
let hook = try JSONLinesHook(name: "archive", configuration: .init(path: jsonl, maxSize: 0))
var settings = DaemonSettings(
    stateDirectory: state, feeds: feeds, hooks: [HookSettings(hook: hook)], globalHooks: ["archive"],
    fetch: FetchSettings(concurrency: options.concurrency, perHost: options.perHost), notifyExisting: true)
settings.instance = options.instance
if let store = options.store {
    do {
        settings.database = try PostgresSettings(url: store, environment: ProcessInfo.processInfo.environment)
    } catch {
        fail("--store: \(error)")
    }
}
let storeName = settings.database.map { "\($0.displayURL) as \(options.instance)" } ?? "files"
let logger = Logger(label: "feedd-bench") { _ in SwiftLogNoOpLogHandler() }
let daemon = try await Daemon(settings: settings, logger: logger)
print(
    "feedd-bench-daemon: \(options.count) feeds on \(options.ports.count) ports, \(options.concurrency) in flight, "
        + "\(options.perHost) per host, store \(storeName); "
        + String(format: "store open: %.1f MiB resident, peak %.1f MiB", currentMemoryMiB(), peakMemoryMiB()))

var allMatched = true
for round in options.round == 0 ? Array(1...3) : [options.round] {
    if round == 3, !options.noEdit {
        for index in stride(from: 0, to: options.count, by: 10) { addItem(to: index, root: options.root, round: round) }
    }
    resetPeakMemory()
    let linesBefore = lineCount(jsonl)
    let cpuBefore = cpuTime()
    let clock = ContinuousClock()
    let started = clock.now
    let sampler = MemorySampler()
    let summary = await daemon.pollOnce()
    let wall = clock.now - started
    let sampled = sampler.stop()
    let cpu = cpuTime() - cpuBefore
    let deliveries = lineCount(jsonl) - linesBefore
    let name = ["", "round 1 (all new)", "round 2 (all 304)", "round 3 (10% new)"][round]
    // On a shared store an instance delivers items the others stored too: the script checks the sums.
    let shared = options.store != nil
    let matched = (shared || deliveries == summary.newItems) && summary.failed == 0
    allMatched = allMatched && matched
    let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
    let check = shared ? "counted by the script" : matched ? "equal" : "NOT EQUAL"
    print(
        "\(name)\(shared ? " [\(options.instance)]" : ""): \(summary.polled) polled, \(summary.notModified) x 304, "
            + "\(summary.elsewhere.count) left to other instances, \(summary.failed) failed, "
            + "\(summary.newItems) new items, \(deliveries) hook deliveries (\(check)); "
            + String(
                format: "wall %.3f s, CPU %.3f s, resident memory: peak %.1f MiB sampled every ms, %.1f MiB after; "
                    + "kernel VmHWM %.1f MiB", wallSeconds, cpu, sampled, currentMemoryMiB(), peakMemoryMiB()))
    for (feed, message) in summary.failures.prefix(3) { print("  \(feed): \(message)") }
    if let path = options.result {
        let figures: [String: Any] = [
            "round": round, "polled": summary.polled, "notModified": summary.notModified,
            "elsewhere": summary.elsewhere.count, "failed": summary.failed, "newItems": summary.newItems,
            "delivered": summary.delivered, "hookLines": deliveries, "wall": wallSeconds, "cpu": cpu,
            "sampledPeakMiB": sampled,
        ]
        do {
            try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys]).write(
                to: URL(fileURLWithPath: path))
        } catch {
            fail("cannot write \(path): \(error)")
        }
    }
    if round == 1 {
        // What the running daemon does every few hours: without it the next start replays a journal
        // holding every delivery of round 1 twice (queued, then done).
        let started = clock.now
        await daemon.compact()
        print("  compaction after round 1: \(clock.now - started)")
    }
}
try await daemon.close()
exit(allMatched ? 0 : 1)
