import FeedModel
import Fetcher
internal import Synchronization

/// The host pauses the daemon knows of, shared by the polls (which report them) and kept across
/// reloads: it lives in `Runtime`, which a reload does not replace. The fetcher enforces the pauses;
/// this board decides which pause is news (logged once per host), and feeds `host-pauses.json`.
final class HostPauseBoard: Sendable {
    private let pauses = Mutex<[String: HostPause]>([:])

    /// What noting a pause changed.
    enum Change: Sendable, Hashable {
        /// The host was not paused at that time: a new pause (logged).
        case began
        /// The host was paused already, and now until later.
        case extended
        /// The host was paused already until then or later.
        case known
    }

    /// Records `pause`, as seen at `now`.
    func note(_ pause: HostPause, now: Timestamp) -> Change {
        pauses.withLock { pauses in
            guard let current = pauses[pause.host], current.until > now else {
                pauses[pause.host] = pause
                return .began
            }
            guard pause.until > current.until else { return .known }
            pauses[pause.host] = pause
            return .extended
        }
    }

    /// The pauses in force at `now`, by host; ended ones are forgotten.
    func inForce(at now: Timestamp) -> [HostPause] {
        pauses.withLock { pauses in
            pauses = pauses.filter { $0.value.until > now }
            return pauses.values.sorted { $0.host < $1.host }
        }
    }
}
