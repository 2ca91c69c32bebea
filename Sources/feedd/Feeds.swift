import ArgumentParser
import Daemon
import FeedModel
import Fetcher
import Platform
import Store

struct Feeds: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the feeds in the store with their state.",
        discussion: """
            Prints one line per feed the store knows, sorted by name, as tab-separated
            fields under a header: name, items kept, deliveries held by the flood guard,
            last success, consecutive failures, next due time, the last error with its
            time, and the end of its host's pause with the host and the status that asked
            for it (a 429, or a 503 with Retry-After: no request goes to that host until
            then). Times are RFC 3339 in UTC; `-` means never or none.

            The store is opened read-only, so this works while the daemon runs.

            EXAMPLES
              feedd feeds
              feedd feeds --state-dir /var/lib/feedd | awk -F'\\t' '$5 > 0'   # failing feeds

            EXIT STATUS
              0 listed; 64 bad usage; 74 the state directory is missing or cannot be read;
              78 the configuration file that names it cannot be read.
            """
    )

    @OptionGroup var state: StateDirectoryOptions

    func run() {
        let store = state.open(readOnly: true)
        let feeds = StoreFailure.run { () throws(StoreError) in try store.feeds() }
        let pauses = hostPauses(stateDirectory: store.directory)
        var output = LineOutput()
        output.line("NAME\tITEMS\tHELD\tLAST SUCCESS\tFAILURES\tNEXT DUE\tLAST ERROR\tHOST PAUSED UNTIL")
        for feed in feeds {
            let state = feed.state
            let error =
                state.lastError.map { "\(Timestamp.text(state.lastErrorAt)) \(URLCredentials.masking(in: $0))" } ?? "-"
            let paused = pauses[feed.name].map { "\($0.until.rfc3339) \($0.host) (HTTP \($0.httpStatus))" } ?? "-"
            output.line(
                "\(feed.name)\t\(feed.itemCount)\t\(feed.heldCount)\t\(Timestamp.text(state.lastSuccess))\t"
                    + "\(state.consecutiveFailures)\t\(Timestamp.text(state.nextDue))\t\(error)\t\(paused)")
        }
        output.flush()
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
