import ArgumentParser
import FeedModel
import Store

struct Feeds: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the feeds in the store with their state.",
        discussion: """
            Prints one line per feed the store knows, sorted by name, as tab-separated
            fields under a header: name, items kept, deliveries held by the flood guard,
            last success, consecutive failures, next due time, and the last error with its
            time. Times are RFC 3339 in UTC; `-` means never or none.

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
        var output = LineOutput()
        output.line("NAME\tITEMS\tHELD\tLAST SUCCESS\tFAILURES\tNEXT DUE\tLAST ERROR")
        for feed in feeds {
            let state = feed.state
            let error = state.lastError.map { "\(Timestamp.text(state.lastErrorAt)) \($0)" } ?? "-"
            output.line(
                "\(feed.name)\t\(feed.itemCount)\t\(feed.heldCount)\t\(Timestamp.text(state.lastSuccess))\t"
                    + "\(state.consecutiveFailures)\t\(Timestamp.text(state.nextDue))\t\(error)")
        }
        output.flush()
    }
}
