import FeedModel
internal import Synchronization

/// Counters for systemd's `STATUS=` line and the poll summaries: what the daemon has done since start.
final class StatusBoard: Sendable {
    struct Counts: Sendable, Hashable {
        var feeds = 0
        var polls = 0
        var notModified = 0
        var failures = 0
        var newItems = 0
        var delivered = 0
        var deliveryFailures = 0
        /// Feeds whose last poll failed.
        var failingFeeds: Set<String> = []
        /// Loop iterations of the poll loop, for the watchdog: it is fed only while this moves.
        var heartbeat: UInt64 = 0
    }

    private let counts = Mutex(Counts())

    var snapshot: Counts { counts.withLock { $0 } }

    func update(_ body: (inout Counts) -> Void) {
        counts.withLock { body(&$0) }
    }

    /// One line for `STATUS=`.
    var statusLine: String {
        let counts = snapshot
        return "\(counts.feeds) feeds, \(counts.failingFeeds.count) failing; since start: \(counts.polls) polls "
            + "(\(counts.notModified) not modified, \(counts.failures) failed), \(counts.newItems) new items, "
            + "\(counts.delivered) deliveries"
    }
}
