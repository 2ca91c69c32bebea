import ArgumentParser
import Daemon
import FeedModel
import Fetcher
import Platform
import Store

struct Feeds: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the feeds in the store with their state.",
        discussion: """
            Prints one line per feed the store knows, sorted by name, under a header: name,
            items kept, deliveries held by the flood guard,
            last success, consecutive failures, next due time, the last error with its
            time, and the end of its host's pause with the host and the status that asked
            for it (a 429, or a 503 with Retry-After: no request goes to that host until
            then). Times are RFC 3339 in UTC; `-` means never or none.

            On a terminal the columns are aligned, a failing feed is red and a paused host
            yellow (no colour when NO_COLOR is set), and a long error is cut with "…".
            Piped, each line is tab-separated, without colour. With --json each feed is one
            line of JSON (JSON Lines) with snake_case fields: name, items, held, last_success,
            consecutive_failures, next_due, last_error, last_error_at, host_pause.

            It reads the configured store: the file store in the state directory, or the
            PostgreSQL database of the configuration's `store`. The file store is opened
            read-only, so this works while the daemon runs.

            When the store is shared by several instances (PostgreSQL), the text listing
            ends with a blank line and one line per instance the store knows: INSTANCE,
            CONFIGURATION (the first 12 hex digits of its configuration file's SHA-256,
            marked "differs" when not the same as the most recently seen instance's),
            STARTED and LAST SEEN. The file store has no such note. With --json the feed
            lines are followed by one line per instance, in the same order, of the form
            {"instance":{"name","config_digest","config_differs","started","last_seen"}}
            (config_digest in full; a feed line never has an "instance" field, so
            `jq 'select(.instance == null)'` keeps the feeds).

            EXAMPLES
              feedd feeds
              feedd feeds | awk -F'\\t' '$5 > 0'      # the failing feeds

            """
                + HelpText.exitStatus([
                    (0, "listed"),
                    HelpText.usage,
                    HelpText.stateUnreadable,
                    HelpText.configurationUnreadable,
                ])
    )

    @OptionGroup var state: StateDirectoryOptions

    @Flag(help: "Print JSON Lines: one feed object per line, then one {\"instance\":{…}} line per instance.")
    var json = false

    func run() async {
        await state.read(list)
    }

    /// Prints the listing of `store`'s feeds (and instances).
    private func list(_ store: any FeedStore) async {
        let feeds = await StoreFailure.run { () async throws(StoreError) in try await store.feeds() }
        let pauses = (store as? LocalFeedStore).map { hostPauses(stateDirectory: $0.files.directory) } ?? [:]
        var output = LineOutput()
        if json {
            for feed in feeds { output.bytes(jsonLine(feed, pause: pauses[feed.name])) }
            let instances = await StoreFailure.run { () async throws(StoreError) in try await store.instances() }
            for line in Self.instanceLines(instances) { output.bytes(line) }
            output.flush()
            return
        }
        var table = Table(
            header: [
                "NAME", "ITEMS", "HELD", "LAST SUCCESS", "FAILURES", "NEXT DUE", "LAST ERROR", "HOST PAUSED UNTIL",
            ], headerWhenPiped: true)
        for feed in feeds {
            let state = feed.state
            let error =
                state.lastError.map { "\(Timestamp.text(state.lastErrorAt)) \(URLCredentials.masking(in: $0))" } ?? "-"
            let paused = pauses[feed.name].map { "\($0.until.rfc3339) \($0.host) (HTTP \($0.httpStatus))" } ?? "-"
            let failing = state.consecutiveFailures > 0
            table.add([
                Cell(feed.name, failing ? .red : .green), "\(feed.itemCount)",
                Cell("\(feed.heldCount)", feed.heldCount > 0 ? .yellow : .plain),
                "\(Timestamp.text(state.lastSuccess))",
                Cell("\(state.consecutiveFailures)", failing ? .red : .plain), "\(Timestamp.text(state.nextDue))",
                Cell(error, failing ? .red : .plain), Cell(paused, paused == "-" ? .plain : .yellow),
            ])
        }
        table.write(to: &output)
        let instances = await StoreFailure.run { () async throws(StoreError) in try await store.instances() }
        if !instances.isEmpty {
            output.line("")
            Self.instanceTable(instances).write(to: &output)
        }
        output.flush()
    }

    /// The instances sharing the store, most recently seen first, each with whether its configuration
    /// differs from the latest instance's.
    private static func sorted(_ instances: [InstanceRecord]) -> [(instance: InstanceRecord, differs: Bool)] {
        let sorted = instances.sorted { ($0.lastSeen, $0.name) > ($1.lastSeen, $1.name) }
        let reference = sorted.first?.configDigest
        return sorted.map { ($0, $0.configDigest != reference) }
    }

    /// The instances sharing the store, most recently seen first; a configuration that differs from the
    /// latest instance's is marked.
    static func instanceTable(_ instances: [InstanceRecord]) -> Table {
        var table = Table(header: ["INSTANCE", "CONFIGURATION", "STARTED", "LAST SEEN"], headerWhenPiped: true)
        for (instance, differs) in sorted(instances) {
            let digest = String(instance.configDigest.prefix(12)) + (differs ? " differs" : "")
            table.add([
                Cell(instance.name), Cell(digest, differs ? .yellow : .plain), Cell(instance.started.rfc3339),
                Cell(instance.lastSeen.rfc3339),
            ])
        }
        return table
    }

    /// The instances as JSON Lines after the feeds, in the order of the text listing: each line an object
    /// with one field, `instance`, so that it never reads as a feed (whose lines have `name` at the top).
    static func instanceLines(_ instances: [InstanceRecord]) -> [[UInt8]] {
        sorted(instances).map { instance, differs in
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("instance")
            writer.beginObject()
            writer.key("name")
            writer.string(instance.name)
            writer.key("config_digest")
            writer.string(instance.configDigest)
            writer.key("config_differs")
            writer.bool(differs)
            writer.key("started")
            writer.string(instance.started.rfc3339)
            writer.key("last_seen")
            writer.string(instance.lastSeen.rfc3339)
            writer.endObject()
            writer.endObject()
            return writer.takeBytes() + [0x0A]
        }
    }

    /// One feed as a line of JSON: the fields of the text listing, snake_case, null for never or none.
    private func jsonLine(_ feed: FeedSummary, pause: HostPause?) -> [UInt8] {
        let state = feed.state
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("name")
        writer.string(feed.name)
        writer.key("items")
        writer.integer(Int64(feed.itemCount))
        writer.key("held")
        writer.integer(Int64(feed.heldCount))
        writer.key("last_success")
        writer.string(state.lastSuccess?.rfc3339)
        writer.key("consecutive_failures")
        writer.integer(Int64(state.consecutiveFailures))
        writer.key("next_due")
        writer.string(state.nextDue?.rfc3339)
        writer.key("last_error")
        writer.string(state.lastError.map { URLCredentials.masking(in: $0) })
        writer.key("last_error_at")
        writer.string(state.lastErrorAt?.rfc3339)
        writer.key("host_pause")
        if let pause {
            writer.beginObject()
            writer.key("until")
            writer.string(pause.until.rfc3339)
            writer.key("host")
            writer.string(pause.host)
            writer.key("http_status")
            writer.integer(Int64(pause.httpStatus))
            writer.endObject()
        } else {
            writer.null()
        }
        writer.endObject()
        return writer.takeBytes() + [0x0A]
    }

    /// The pauses in force that the running daemon recorded (`host-pauses.json`), by feed name. A file
    /// that cannot be read is reported and shows no pause.
    private func hostPauses(stateDirectory: String) -> [String: HostPause] {
        let hosts: [PausedHost]
        do throws(HostPauseFile.ReadError) {
            hosts = try HostPauseFile.read(stateDirectory: stateDirectory)
        } catch {
            try? StandardStream.error.write("feedd: warning: \(error)\n")
            return [:]
        }
        let now = Timestamp(secondsSince1970: Environment.secondsSince1970())
        var pauses: [String: HostPause] = [:]
        for host in hosts where host.pause.until > now {
            for feed in host.feeds where (pauses[feed]?.until ?? now) <= host.pause.until {
                pauses[feed] = host.pause
            }
        }
        return pauses
    }
}
