internal import Dispatch
import FeedModel
import Fetcher
import Hooks
import Logging
import Platform
import Store
internal import Synchronization

/// The settings in force, with the lookups the pipeline needs. Replaced whole on reload.
struct ActiveSettings: Sendable {
    let settings: DaemonSettings
    let feeds: [String: FeedSettings]
    let hooks: [String: HookSettings]

    init(_ settings: DaemonSettings) {
        self.settings = settings
        var feeds: [String: FeedSettings] = [:]
        for feed in settings.feeds { feeds[feed.name] = feed }
        self.feeds = feeds
        var hooks: [String: HookSettings] = [:]
        for hook in settings.hooks { hooks[hook.name] = hook }
        self.hooks = hooks
    }

    /// The hooks `feed` fires, global ones first, each once.
    func hooks(for feed: FeedSettings) -> [HookSettings] {
        settings.hookNames(for: feed).compactMap { hooks[$0] }
    }

    func interval(of feed: FeedSettings) -> Duration {
        feed.interval ?? settings.schedule.defaultInterval
    }
}

/// What the parts of a running daemon share: the store, the fetcher, the settings in force, the clock,
/// and the signals between the poll loop and the outbox worker.
///
/// `Sendable`: the store and fetcher are `Sendable`; the mutable parts are behind `Mutex`es.
final class Runtime: Sendable {
    /// The store, through the protocol only (the file store or a database; `Daemon.openStore`).
    let store: any FeedStore
    /// Whether the store answers: closed while a database is unreachable (`StoreAvailability`).
    let availability: StoreAvailability
    /// This instance's name on the store (`DaemonSettings.instance`).
    let instanceName: String
    let fetcher: HTTPFetcher
    let logger: Logger
    let clock: any TimeSource
    let random: @Sendable () -> Double
    let status = StatusBoard()
    /// The daemon's metrics, in a registry of its own (`/metrics`).
    let metrics = DaemonMetrics()
    /// Polls asked for through the listener, for the poll loop.
    let pollRequests = PollRequests()
    /// Hosts that asked to be left alone (429, 503 with `Retry-After`); kept across reloads.
    let hostPauses = HostPauseBoard()
    /// The state directory the store was opened in (where `host-pauses.json` lives).
    let stateDirectory: String
    /// Serializes writes of `host-pauses.json`.
    private let pauseFileLock = Mutex(())
    private let active: Mutex<ActiveSettings>
    /// Permanent redirects seen in this run: feed name → (configured URL, where it leads).
    private let redirects = Mutex<[String: (from: String, to: String)]>([:])
    /// One wake-up per outbox lane (hook name), poked when a commit queues deliveries for it.
    private let lanes = Mutex<[String: Wakeup]>([:])
    private let stopping = Atomic<Bool>(false)
    /// Poked on stop and on reload.
    let control: Wakeup

    init(
        settings: DaemonSettings, store: any FeedStore, instanceName: String, fetcher: HTTPFetcher, logger: Logger,
        clock: any TimeSource, random: @escaping @Sendable () -> Double
    ) {
        self.store = store
        self.instanceName = instanceName
        availability = StoreAvailability(logger: logger, clock: clock)
        self.fetcher = fetcher
        self.logger = logger
        self.clock = clock
        self.random = random
        control = Wakeup(clock: clock)
        stateDirectory = settings.stateDirectory
        active = Mutex(ActiveSettings(settings))
    }

    var settings: ActiveSettings { active.withLock { $0 } }

    /// The file store under `store`, for what only it has (recovery notes, its size); nil for a database.
    var fileStore: FileStore? { (store as? LocalFeedStore)?.files }

    func replace(_ settings: ActiveSettings) {
        active.withLock { $0 = settings }
        control.notify()
    }

    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    func stop() {
        stopping.store(true, ordering: .releasing)
        pollRequests.close()
        control.notify()
        availability.wake()
        for lane in lanes.withLock({ Array($0.values) }) { lane.notify() }
    }

    // MARK: URLs

    /// The URL to fetch for `feed`: where a permanent redirect seen in this run led, else the configured one.
    func currentURL(of feed: FeedSettings) -> String {
        redirects.withLock { redirects in
            guard let redirect = redirects[feed.name], redirect.from == feed.url else { return feed.url }
            return redirect.to
        }
    }

    /// Remembers a permanent redirect of `feed`; true when it is news (to log once).
    func notePermanentRedirect(of feed: FeedSettings, to target: String) -> Bool {
        redirects.withLock { redirects in
            if let known = redirects[feed.name], known.from == feed.url, known.to == target { return false }
            redirects[feed.name] = (feed.url, target)
            return true
        }
    }

    // MARK: Host pauses

    /// Records a host pause a poll met: a new one is logged once (with its end) and, like a longer one,
    /// written to `host-pauses.json` for `feedd feeds` and the next start.
    func notePause(_ pause: HostPause) {
        let now = clock.now()
        let change = hostPauses.note(pause, now: now)
        let metadata: Logger.Metadata = [
            "host": "\(pause.host)", "http.status": "\(pause.httpStatus)", "until": "\(pause.until.rfc3339)",
        ]
        switch change {
        case .began:
            logger.warning("host paused; no request goes to it until the pause ends", metadata: metadata)
        case .extended:
            logger.debug("host pause extended", metadata: metadata)
        case .known:
            return
        }
        writePauses(now: now)
    }

    /// Rewrites `host-pauses.json` with the pauses in force and the feeds each holds back (after a pause
    /// began, and after a reload changed the feeds). Failures are logged: the file is advice.
    func writePauses(now: Timestamp) {
        let feeds = settings.settings.feeds
        let hosts = hostPauses.inForce(at: now).map { pause in
            PausedHost(pause: pause, feeds: feeds.filter { hostKey(of: currentURL(of: $0)) == pause.host }.map(\.name))
        }
        let directory = stateDirectory
        let failure = pauseFileLock.withLock { _ -> SystemError? in
            do throws(SystemError) {
                try HostPauseFile.write(hosts, stateDirectory: directory)
                return nil
            } catch {
                return error
            }
        }
        if let failure {
            logger.error("host pause file write failed", metadata: ["error": "\(failure.description)"])
        }
    }

    /// At start-up: the pauses of `host-pauses.json` that have not ended yet go to the fetcher and the
    /// board, so that a restart does not cut a pause short.
    func restorePauses() {
        let now = clock.now()
        let hosts: [PausedHost]
        do throws(HostPauseFile.ReadError) {
            hosts = try HostPauseFile.read(stateDirectory: stateDirectory)
        } catch {
            logger.warning("host pause file ignored", metadata: ["error": "\(error.description)"])
            return
        }
        for host in hosts where host.pause.until > now {
            _ = hostPauses.note(host.pause, now: now)
            fetcher.pause(host.pause)
            logger.notice(
                "host still paused from before the restart",
                metadata: [
                    "host": "\(host.pause.host)", "http.status": "\(host.pause.httpStatus)",
                    "until": "\(host.pause.until.rfc3339)",
                ])
        }
    }

    // MARK: Outbox lanes

    /// Registers the lane of `hook`; false when one runs already.
    func startLane(_ hook: String) -> Wakeup? {
        lanes.withLock { lanes in
            guard lanes[hook] == nil else { return nil }
            let wakeup = Wakeup(clock: clock)
            lanes[hook] = wakeup
            return wakeup
        }
    }

    func endLane(_ hook: String) {
        _ = lanes.withLock { $0.removeValue(forKey: hook) }
    }

    /// Wakes the lanes of `hooks`, which have new deliveries.
    func wakeLanes(_ hooks: some Sequence<String>) {
        let wakeups = lanes.withLock { lanes in hooks.compactMap { lanes[$0] } }
        for wakeup in wakeups { wakeup.notify() }
    }
}

/// A wake-up call with a timeout: `notify` ends every `wait` in progress early, or, when none is
/// waiting, the next one. The timeout runs on the injected clock.
final class Wakeup: Sendable {
    private struct State {
        var isPending = false
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())
    private let clock: any TimeSource

    init(clock: any TimeSource) {
        self.clock = clock
    }

    func notify() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.waiters.isEmpty else {
                state.isPending = true
                return []
            }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns after `notify`, after `timeout`, or when the task is cancelled, whichever comes first.
    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await self.clock.sleep(for: timeout) }
            group.addTask { await self.waitForNotify() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForNotify() async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.isPending {
                        state.isPending = false
                        return true
                    }
                    if Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
