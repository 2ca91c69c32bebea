public import FeedModel
import Fetcher
import Hooks
public import Logging
public import Platform
public import Store

/// The running daemon: the composition root of the store, the fetcher, the scheduler, the poll
/// pipeline and the outbox worker (DESIGN.md).
///
/// `Daemon.build(_:)` (in `Daemon+Build.swift`) is the composition root: configuration, overrides and
/// environment in, a daemon out. `feedd run` calls `Daemon.run(_:)`, which adds signals, systemd and a
/// graceful shutdown around an instance. Tests build an instance, then `run()` it (until `stop()`) or
/// call `pollOnce` directly, and `close()` it.
public final class Daemon: Sendable {
    let runtime: Runtime
    /// When this daemon was built (this instance's start on the store).
    let startedAt: Timestamp

    /// Opens the store (`openStore`: the file store takes its lock), records the configured feeds and this
    /// instance on it (`FeedStore.adopt`), and starts the fetcher.
    ///
    /// - Parameters:
    ///   - configDigest: SHA-256 of the configuration file's text (`LoadedSettings.configDigest`); nil: of
    ///     the settings rendered (no file). Instances on one store with different digests are reported.
    ///   - clock: the clocks and sleeping of every part (`SystemClock`); tests may inject their own.
    ///   - random: numbers in `0..<1` for jitter and spreading; the system's generator by default.
    public init(
        settings: DaemonSettings, configDigest: String? = nil, logger: Logger, clock: any TimeSource = SystemClock(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) async throws(DaemonError) {
        let problems = settings.problems()
        guard problems.isEmpty else { throw .invalidSettings(problems) }
        let store = try await Self.openStore(settings: settings, logger: logger)
        var fetcherConfiguration = settings.fetch.fetcherConfiguration
        fetcherConfiguration.hostPause = HostPausePolicy(
            withoutRetryAfter: settings.schedule.hostPause, longest: settings.schedule.maxRetryAfter)
        let fetcher: HTTPFetcher
        do {
            fetcher = try HTTPFetcher(configuration: fetcherConfiguration)
        } catch {
            try? await store.close()
            throw .system(error)
        }
        runtime = Runtime(
            settings: settings, store: store, instanceName: settings.instance, fetcher: fetcher,
            logger: logger, clock: clock, random: random)
        startedAt = clock.now()
        runtime.restorePauses()
        runtime.status.update { $0.feeds = settings.feeds.count }
        await adopt(settings, configDigest: configDigest ?? Self.configurationDigest(of: settings))
    }

    /// The store the daemon writes (for tests and commands that read alongside).
    public var store: any FeedStore { runtime.store }

    /// The file store under `store`, for what only it has (recovery notes); nil for a database.
    public var fileStore: FileStore? { runtime.fileStore }

    /// One line for systemd's `STATUS=`: feeds, failures, polls, new items and deliveries since start.
    public var statusLine: String { runtime.status.statusLine }

    /// Polls now, once: every feed (or those named), `concurrency` at a time; then delivers what is due,
    /// each delivery attempted once (failures stay queued for the next run). For `feedd poll --once`.
    /// `progress` is called as feeds start and end, with the counts so far (for a progress line).
    public func pollOnce(
        feeds names: [String]? = nil, progress: (PollProgress) -> Void = { _ in }
    ) async -> PollSummary {
        let active = runtime.settings
        let feeds = names.map { names in names.compactMap { active.feeds[$0] } } ?? active.settings.feeds
        let pipeline = PollPipeline(runtime: runtime)
        let width = max(active.settings.fetch.concurrency, 1)
        var summary = PollSummary()
        var state = PollProgress(total: feeds.count)
        await withTaskGroup(of: PollReport.self) { group in
            var next = 0
            for feed in feeds.prefix(width) {
                group.addTask { await pipeline.poll(feed) }
                state.inFlight.append(feed.name)
                next += 1
            }
            progress(state)
            for await report in group {
                summary.add(report)
                record(report)
                state.inFlight.removeAll { $0 == report.feed }
                state.done += 1
                state.newItems = summary.newItems
                state.failed = summary.failed
                if next < feeds.count {
                    let feed = feeds[next]
                    group.addTask { await pipeline.poll(feed) }
                    state.inFlight.append(feed.name)
                    next += 1
                }
                progress(state)
            }
        }
        let drained = await OutboxWorker(runtime: runtime).drain()
        summary.delivered = drained.delivered
        summary.deliveryFailures = drained.retried + drained.dead
        do throws(StoreError) {
            try await runtime.store.sync()
        } catch {
            runtime.logger.error("store sync failed", metadata: ["error": "\(error.description)"])
        }
        return summary
    }

    /// Runs until `stop()`: polls feeds as they come due and drains the outbox as deliveries come in.
    public func run() async {
        runtime.logger.notice(
            "started",
            metadata: [
                "feeds": "\(runtime.settings.settings.feeds.count)",
                "state.dir": "\(runtime.settings.settings.stateDirectory)",
            ])
        let configured = runtime.settings.hooks
        if let pending = try? await runtime.store.pendingDeliveries(dueBy: nil, limit: .max) {
            var orphans: [String: Int] = [:]
            for delivery in pending where configured[delivery.hook] == nil { orphans[delivery.hook, default: 0] += 1 }
            for (hook, count) in orphans.sorted(by: { $0.key < $1.key }) {
                runtime.logger.warning(
                    "deliveries wait for a hook that is not configured",
                    metadata: ["hook.name": "\(hook)", "deliveries": "\(count)"])
            }
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await OutboxWorker(runtime: self.runtime).run() }
            group.addTask { await self.syncPeriodically() }
            group.addTask { await self.watchAvailability() }
            await PollLoop(runtime: runtime).run()
            runtime.stop()
        }
        do throws(StoreError) {
            try await runtime.store.sync()
        } catch {
            runtime.logger.error("store sync failed", metadata: ["error": "\(error.description)"])
        }
        runtime.logger.notice("stopped")
    }

    /// Stops taking work: no new polls or deliveries start; `run()` returns once those in flight end
    /// (cancel its task to cut them short).
    public func stop() {
        runtime.stop()
    }

    /// Applies new settings: added feeds start, removed feeds stop, changed hooks and feeds apply, and
    /// unchanged feeds keep their schedule and state. Invalid settings are refused and the old ones kept.
    /// The state directory, the fetcher's settings and `listen` apply only after a restart (logged). The
    /// store adopts the new feeds (`FeedStore.adopt`) with `configDigest` (nil: of the settings rendered).
    public func reload(_ settings: DaemonSettings, configDigest: String? = nil) async throws(DaemonError) {
        let problems = settings.problems()
        guard problems.isEmpty else { throw .invalidSettings(problems) }
        let old = runtime.settings.settings
        if settings.stateDirectory != old.stateDirectory || settings.fetch != old.fetch || settings.listen != old.listen
        {
            runtime.logger.warning("state_dir, fetch settings and listen take effect after a restart")
        }
        let added = Set(settings.feeds.map(\.name)).subtracting(old.feeds.map(\.name))
        let removed = Set(old.feeds.map(\.name)).subtracting(settings.feeds.map(\.name))
        await adopt(settings, configDigest: configDigest ?? Self.configurationDigest(of: settings))
        runtime.replace(ActiveSettings(settings))
        runtime.status.update { $0.feeds = settings.feeds.count }
        runtime.logger.notice(
            "reloaded",
            metadata: [
                "feeds": "\(settings.feeds.count)", "feeds.added": "\(added.count)",
                "feeds.removed": "\(removed.count)", "hooks": "\(settings.hooks.count)",
            ])
    }

    /// Makes everything durable, closes the store (releasing its lock) and stops the fetcher.
    public func close() async throws(DaemonError) {
        runtime.fetcher.shutdown()
        do throws(StoreError) {
            try await runtime.store.close()
        } catch {
            throw .store(error)
        }
    }

    private func record(_ report: PollReport) {
        Self.record(report, in: runtime.status)
    }

    /// Syncs the store every few seconds (fetch states and outbox progress are written without `fsync`),
    /// and compacts it every `compactionInterval`.
    private func syncPeriodically() async {
        let clock = runtime.clock
        var lastCompaction = clock.monotonicNow()
        while !runtime.isStopping, !Task.isCancelled {
            await runtime.control.wait(timeout: .seconds(5))
            do throws(StoreError) {
                try await runtime.store.sync()
            } catch {
                runtime.availability.note(error)
            }
            if clock.monotonicNow() - lastCompaction >= runtime.settings.settings.compactionInterval,
                !runtime.isStopping
            {
                lastCompaction = clock.monotonicNow()
                await compact()
            }
        }
    }

    /// Watches a store that went away (`StoreAvailability`): probes it until it answers, then wakes the
    /// outbox lanes (the poll loop looks at the gate every second).
    private func watchAvailability() async {
        let runtime = runtime
        await runtime.availability.watch(
            probe: { () throws(StoreError) in _ = try await runtime.store.instances() },
            isStopping: { runtime.isStopping },
            onBack: { runtime.wakeLanes(runtime.settings.hooks.keys) })
    }

    /// Compacts the store now (retention, snapshot; the file store does it off the cooperative pool);
    /// failures are logged.
    public func compact() async {
        let now = runtime.clock.now()
        do throws(StoreError) {
            let report = try await runtime.store.compact(now: now)
            runtime.logger.info(
                "store compacted",
                metadata: [
                    "items.dropped": "\(report.itemsDropped)", "keys.forgotten": "\(report.keysForgotten)",
                    "snapshot.bytes": "\(report.snapshotBytes)", "files.removed": "\(report.filesRemoved)",
                ])
        } catch {
            if runtime.availability.note(error) { return }
            runtime.logger.error("store compaction failed", metadata: ["error": "\(error.description)"])
        }
    }

    static func record(_ report: PollReport, in status: StatusBoard) {
        status.update { counts in
            counts.polls += 1
            switch report.kind {
            case .content(let new, _):
                counts.newItems += new
                counts.failingFeeds.remove(report.feed)
            case .notModified:
                counts.notModified += 1
                counts.failingFeeds.remove(report.feed)
            case .failed:
                counts.failures += 1
                counts.failingFeeds.insert(report.feed)
            case .deferred, .cancelled, .elsewhere, .storeUnavailable:
                counts.polls -= 1
            }
        }
    }
}

/// Where `pollOnce` stands: feeds done of `total`, new items and failures so far, and the feeds being
/// polled, longest in flight first.
public struct PollProgress: Sendable, Hashable {
    public var total: Int
    public var done = 0
    public var newItems = 0
    public var failed = 0
    public var inFlight: [String] = []
}

/// What `pollOnce` did.
public struct PollSummary: Sendable, Hashable {
    public var polled = 0
    public var notModified = 0
    public var failed = 0
    /// New items announced (deliveries queued for them).
    public var newItems = 0
    /// New items stored with their deliveries held by the flood guard (`feedd held`).
    public var held = 0
    /// Deliveries that succeeded in the drain after the polls (a batch counts its items).
    public var delivered = 0
    /// Deliveries that failed (queued again or dead).
    public var deliveryFailures = 0
    /// Failures by feed name, one sentence each.
    public var failures: [String: String] = [:]
    /// Feeds not polled because their host is paused (it answered 429 or 503 with `Retry-After`), with
    /// the end of the pause. Not failures.
    public var deferred: [String: Timestamp] = [:]
    /// Feeds another instance on the shared store polls (or polled since), with its name when known. Not
    /// failures.
    public var elsewhere: [String: String] = [:]
    /// Feeds not polled, or whose poll was not stored, because the store did not answer (polled again
    /// on the next run). Not failures of the feeds.
    public var storeUnavailable: Set<String> = []

    mutating func add(_ report: PollReport) {
        switch report.kind {
        case .content(let new, let stored):
            polled += 1
            newItems += new
            held += stored - new  // what is stored and not announced is held
        case .notModified:
            polled += 1
            notModified += 1
        case .failed(let message):
            polled += 1
            failed += 1
            failures[report.feed] = message
        case .deferred(let until):
            deferred[report.feed] = until
        case .elsewhere(let owner):
            elsewhere[report.feed] = owner ?? "another instance"
        case .storeUnavailable:
            storeUnavailable.insert(report.feed)
        case .cancelled:
            break
        }
    }
}

/// Why the daemon cannot start or take new settings.
public enum DaemonError: Error, Sendable, CustomStringConvertible {
    /// The configuration cannot be used (`DaemonBlueprint`): every problem, with the file.
    case configuration(ConfigurationFailure)
    /// The settings contradict themselves; every problem, one sentence each.
    case invalidSettings([String])
    /// The store cannot be opened or written.
    case store(StoreError)
    /// The system refused a resource the daemon needs to start (the fetcher's thread).
    case system(SystemError)

    public var description: String {
        switch self {
        case .configuration(let failure): failure.description
        case .invalidSettings(let problems): "invalid settings: " + problems.joined(separator: "; ")
        case .store(let error): error.description
        case .system(let error): "cannot start: \(error)"
        }
    }
}
