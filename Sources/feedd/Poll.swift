import ArgumentParser
import Daemon
import FeedModel
import Hooks
import Platform

struct Poll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Poll feeds now, once, run the hooks for what is new, and exit (for cron and scripts).",
        discussion: """
            Polls every configured feed (or those named with --feed) at once, as many at a
            time as `concurrency` allows, stores new items, then delivers what is due to
            the hooks, each delivery tried once: failures stay in the outbox for the next
            run or the daemon (`feedd deliveries`). The first poll of a new feed stores
            its items silently unless notify_existing is set. A summary goes to standard
            output; each failed feed is named on standard error.

            With --dry-run nothing is stored and no hook runs: each line of standard
            output is one JSON object {"hook": NAME, "payload": PAYLOAD}, what that hook
            would receive, and a line per feed on standard error says what was found. The
            store is opened read-only, so a dry run works while the daemon runs; a real
            poll needs the daemon stopped (the store is locked).

            On a terminal a live line shows the feeds done of the total, new items,
            failures and the feed waited for longest, redrawn in place; piped, only the
            summary line is printed, without control characters. The summary counts new
            items, items held by the flood guard (`feedd held`), failed feeds, deliveries
            and delivery failures; when feeds were skipped, it ends with
            "; skipped: N host paused, N elsewhere, N store unavailable": feeds whose host
            is paused (each named on standard error), feeds another instance on a shared
            PostgreSQL store holds or polled since, and feeds not polled or not stored
            because the store did not answer. Skipped feeds are no failures; the next run
            or the daemon polls them.

            EXAMPLES
              feedd poll --once
              feedd poll --once --feed lwn --feed bbc-world
              feedd poll --once --dry-run | jq -r '.payload.title'

            """
                + HelpText.exitStatus([
                    (0, "every feed was polled and every delivery tried succeeded"),
                    (1, "at least one feed failed (with --dry-run: the only failure status)"),
                    (2, "at least one delivery failed (it stays queued for the next run or the daemon)"),
                    (3, "both: a feed and a delivery failed"),
                    HelpText.usage,
                    (74, "the state directory cannot be read or written"),
                    (75, "another feedd process holds the state directory"),
                    (78, "the configuration is invalid"),
                ])
    )

    @OptionGroup var options: DaemonOptions

    @Flag(help: "Poll once and exit (the only mode for now; the daemon is `feedd run`).")
    var once = false

    @Option(name: .customLong("feed"), help: ArgumentHelp("Poll only this feed (repeatable).", valueName: "name"))
    var feeds: [String] = []

    @Flag(name: .customLong("dry-run"), help: "Store nothing and run no hook; print what each hook would receive.")
    var dryRun = false

    func validate() throws {
        guard once else {
            throw ValidationError("feedd poll needs --once (the daemon that polls on schedule is `feedd run`)")
        }
    }

    func run() async {
        let (blueprint, loaded, logger) = options.start()
        let settings = loaded.settings
        let known = Set(settings.feeds.map(\.name))
        if let unknown = feeds.first(where: { !known.contains($0) }) {
            Diagnostics.fail("no feed is named \"\(unknown)\"", status: 64)
        }
        let selection = feeds.isEmpty ? nil : feeds
        var output = LineOutput()
        if dryRun {
            let results: [DryRunFeed]
            do throws(DaemonError) {
                results = try await Daemon.dryRun(settings: settings, feeds: selection, logger: logger)
            } catch {
                DaemonFailure.exit(error)
            }
            for result in results {
                try? StandardStream.error.write(URLCredentials.masking(in: "\(result.feed): \(result.outcome)\n"))
                for planned in result.deliveries {
                    var line = Array("{\"hook\":".utf8)
                    var name = JSONWriter(reservingCapacity: 64)
                    name.string(planned.hook)
                    line += name.takeBytes()
                    line += Array(",\"payload\":".utf8)
                    line += HookPayload.json(for: planned.delivery)
                    line.append(UInt8(ascii: "}"))
                    output.bytes(line + [0x0A])
                }
            }
            output.flush()
            exitProcess(results.contains(where: \.isFailure) ? 1 : 0)
        }
        let daemon: Daemon
        do throws(DaemonError) {
            daemon = try await Daemon.build(blueprint, loaded: loaded, logger: logger)
        } catch {
            DaemonFailure.exit(error)
        }
        let live = StandardStream.output.isTerminal
        var progressLine = ProgressLine()
        let summary = await daemon.pollOnce(feeds: selection) { progress in
            if live { progressLine.draw(progress) }
        }
        if live { progressLine.clear() }
        do throws(DaemonError) {
            try await daemon.close()
        } catch {
            DaemonFailure.exit(error)
        }
        for (feed, message) in summary.failures.sorted(by: { $0.key < $1.key }) {
            try? StandardStream.error.write(URLCredentials.masking(in: "feedd: \(feed): \(message)\n"))
        }
        for (feed, until) in summary.deferred.sorted(by: { $0.key < $1.key }) {
            try? StandardStream.error.write("feedd: \(feed): not polled: its host is paused until \(until.rfc3339)\n")
        }
        output.line(Self.summaryLine(summary))
        output.flush()
        exitProcess(Self.exitStatus(summary))
    }

    /// `polled 2 feeds: 3 new items, 0 held, 1 not modified, 1 failed; 3 delivered, 0 delivery failures`,
    /// and when any feed was skipped (its host paused, another instance holding it, the store not answering)
    /// `; skipped: 1 host paused, 2 elsewhere, 0 store unavailable` after it.
    static func summaryLine(_ summary: PollSummary) -> String {
        var line =
            "polled \(plural(summary.polled, "feed")): \(plural(summary.newItems, "new item")), \(summary.held) held, "
            + "\(summary.notModified) not modified, \(summary.failed) failed; \(summary.delivered) delivered, "
            + "\(plural(summary.deliveryFailures, "delivery failure"))"
        let skipped = (summary.deferred.count, summary.elsewhere.count, summary.storeUnavailable.count)
        if skipped != (0, 0, 0) {
            line += "; skipped: \(skipped.0) host paused, \(skipped.1) elsewhere, \(skipped.2) store unavailable"
        }
        return line
    }

    /// 0 all good; 1 a feed failed; 2 a delivery failed; 3 both.
    static func exitStatus(_ summary: PollSummary) -> Int32 {
        (summary.failed > 0 ? 1 : 0) | (summary.deliveryFailures > 0 ? 2 : 0)
    }
}

/// The live progress line of `feedd poll --once` on a terminal, redrawn in place (`\r`, clear line).
struct ProgressLine {
    private let clock = ContinuousClock()
    private var started: [String: ContinuousClock.Instant] = [:]

    mutating func draw(_ progress: PollProgress) {
        let now = clock.now
        started = started.filter { progress.inFlight.contains($0.key) }
        for name in progress.inFlight where started[name] == nil { started[name] = now }
        var text =
            "polling: \(progress.done) of \(plural(progress.total, "feed")) done, "
            + "\(plural(progress.newItems, "new item")), \(progress.failed) failed"
        if let slowest = progress.inFlight.first, let since = started[slowest] {
            text += "; waiting for \(slowest) (\((now - since).components.seconds)s)"
        }
        let width = Int(Environment.value("COLUMNS") ?? "") ?? 80
        text = Table.cut(text.replacingTabsAndNewlines(), to: max(width - 1, 20))
        try? StandardStream.output.write("\r\u{1B}[K" + text)
    }

    /// Removes the line, for the summary to take its place.
    func clear() {
        try? StandardStream.output.write("\r\u{1B}[K")
    }
}
