// feedd-bench-poll: fetches N feeds twice through HTTPFetcher, all 200 then all 304, and prints
// wall time, CPU time and peak memory per round. Run by scripts/bench-poll, which serves the
// feeds with nginx on 127.0.0.1; never part of `swift test`.
//
// A separate executable rather than a hidden `feedd` subcommand: it is built only when
// FEEDD_BENCHMARKS is set (see Package.swift), so the product and the test build stay lean,
// and its peak memory is the fetcher's alone, without the CLI's parser and JSON writer.
import Fetcher
import Foundation

struct Options {
    var host = "127.0.0.1"
    var ports: [Int] = []
    var count = 1000
    var concurrency = 128
    var perHost = 2

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var index = 0
        func value() -> String {
            index += 1
            guard index < arguments.count else {
                fail("\(arguments[index - 1]) needs a value")
            }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--host": options.host = value()
            case "--count": options.count = Int(value()) ?? 0
            case "--concurrency": options.concurrency = Int(value()) ?? 0
            case "--per-host": options.perHost = Int(value()) ?? 0
            case "--ports":
                let range = value().split(separator: "-").compactMap { Int($0) }
                guard range.count == 2, range[0] <= range[1] else {
                    fail("--ports takes FIRST-LAST")
                }
                options.ports = Array(range[0]...range[1])
            default: fail("unknown argument \(arguments[index])")
            }
            index += 1
        }
        guard !options.ports.isEmpty, options.count > 0, options.concurrency > 0, options.perHost > 0 else {
            fail("usage: feedd-bench-poll --ports FIRST-LAST [--count N] [--concurrency N] [--per-host N] [--host H]")
        }
        return options
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("feedd-bench-poll: \(message)\n".utf8))
    exit(64)
}

/// User plus system CPU time of this process so far.
func cpuTime() -> Duration {
    var usage = rusage()
    guard getrusage(Int32(RUSAGE_SELF.rawValue), &usage) == 0 else {
        return .zero
    }
    let micros =
        (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000
        + Int(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
    return .microseconds(micros)
}

/// Peak resident memory of this process so far, in MiB (`VmHWM` in /proc/self/status).
func peakMemoryMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else {
        return 0
    }
    return kilobytes / 1024
}

func seconds(_ duration: Duration) -> String {
    let (whole, attoseconds) = duration.components
    return String(format: "%.3f s", Double(whole) + Double(attoseconds) / 1e18)
}

/// What the benchmark keeps of one fetch: as the daemon would, the validators, not the body.
enum Outcome: Sendable {
    case content(bytes: Int, validators: Validators)
    case notModified
    case failed(String)

    init(_ result: FetchResult) {
        switch result {
        case .content(let content): self = .content(bytes: content.body.count, validators: content.validators)
        case .notModified: self = .notModified
        case .failure(let error): self = .failed(error.description)
        }
    }
}

/// Starts a new peak-memory measurement (Linux: writing 5 to clear_refs resets VmHWM).
func resetPeakMemory() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

/// One round: every URL at once; returns the outcomes in URL order.
func round(_ name: String, fetcher: HTTPFetcher, requests: [FetchRequest]) async -> [Outcome] {
    resetPeakMemory()
    let clock = ContinuousClock()
    let cpuBefore = cpuTime()
    let started = clock.now
    let outcomes = await withTaskGroup(of: (Int, Outcome).self) { group in
        for (index, request) in requests.enumerated() {
            group.addTask { (index, Outcome(await fetcher.fetch(request))) }
        }
        var outcomes = [Outcome](repeating: .failed("missing"), count: requests.count)
        for await (index, outcome) in group {
            outcomes[index] = outcome
        }
        return outcomes
    }
    let wall = clock.now - started
    let cpu = cpuTime() - cpuBefore
    var ok = 0
    var notModified = 0
    var bytes = 0
    var failures: [String] = []
    for outcome in outcomes {
        switch outcome {
        case .content(let count, _):
            ok += 1
            bytes += count
        case .notModified: notModified += 1
        case .failed(let message): failures.append(message)
        }
    }
    let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
    print(
        "\(name): \(requests.count) feeds, \(ok) x 200 (\(bytes / 1024) KiB), \(notModified) x 304, "
            + "\(failures.count) failed; wall \(seconds(wall)), CPU \(seconds(cpu)), "
            + String(
                format: "%.0f fetches/s, peak memory %.1f MiB", Double(requests.count) / wallSeconds, peakMemoryMiB())
    )
    for message in failures.prefix(3) {
        print("  failed: \(message)")
    }
    return outcomes
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let urls = (0..<options.count).map { index in
    "http://\(options.host):\(options.ports[index % options.ports.count])/feeds/\(index).xml"
}
let fetcher = try HTTPFetcher(
    configuration: HTTPFetcher.Configuration(maxTransfers: options.concurrency, maxTransfersPerHost: options.perHost)
)
print(
    "feedd-bench-poll: \(options.count) feeds on \(options.ports.count) ports of \(options.host), "
        + "\(options.concurrency) transfers in flight at most, \(options.perHost) per host; "
        + String(format: "memory at start %.1f MiB", peakMemoryMiB())
)
let first = await round("round 1 (200)", fetcher: fetcher, requests: urls.map { FetchRequest(url: $0) })
let conditional = zip(urls, first).map { url, result in
    guard case .content(_, let validators) = result else {
        return FetchRequest(url: url)
    }
    return FetchRequest(url: url, validators: validators)
}
_ = await round("round 2 (304)", fetcher: fetcher, requests: conditional)
fetcher.shutdown()
