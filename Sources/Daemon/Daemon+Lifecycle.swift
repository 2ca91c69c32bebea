public import Logging
import Platform
import ServiceLifecycle
import UnixSignals

/// Reads the settings again for SIGHUP: the configuration layer's loader (the settings, and the digest of
/// the configuration file as read). It throws to refuse them; an error that conforms to `ListedProblems`
/// has each of its problems logged on a line of its own.
public typealias SettingsReloader = @Sendable () async throws -> LoadedSettings

/// An error that is a list of problems, one sentence each (a configuration file that does not load).
public protocol ListedProblems: Error {
    var problems: [String] { get }
}

extension SettingsError: ListedProblems {}

extension Daemon {
    /// Runs the daemon in the foreground until SIGTERM or SIGINT (what `feedd run` does), then exits
    /// cleanly: no new work is taken, polls and deliveries in flight get `shutdownGrace` to finish and are
    /// cut after it, the store is flushed and closed.
    ///
    /// The parts are swift-service-lifecycle `Service`s in one `ServiceGroup`, which owns SIGTERM/SIGINT
    /// and the bounded graceful shutdown: the daemon (poll loop and outbox), a SIGHUP listener that
    /// calls `reload` and applies the new settings (keeping the old ones when it throws or they are
    /// invalid), and systemd's notify protocol (`READY=1` once started, `STATUS=` lines, `RELOADING=1`
    /// and `READY=1` around reloads, `STOPPING=1`, and `WATCHDOG=1` while the poll loop makes progress).
    ///
    /// Throws only when the daemon cannot start (invalid settings, a store that cannot be opened or is
    /// locked by another process).
    ///
    /// `configDigest`: SHA-256 of the configuration file's text (`LoadedSettings.configDigest`); nil: of
    /// the settings rendered.
    public static func run(
        settings: DaemonSettings, configDigest: String? = nil, logger: Logger, reload: SettingsReloader? = nil,
        notifier: SystemdNotifier = SystemdNotifier()
    ) async throws(DaemonError) {
        raiseDescriptorLimit(logger)
        let daemon = try await Daemon(settings: settings, configDigest: configDigest, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(
                service: PollService(daemon: daemon), successTerminationBehavior: .gracefullyShutdownGroup,
                serviceName: "daemon"),
            .init(
                service: ReloadService(daemon: daemon, reload: reload, notifier: notifier, logger: logger),
                successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore, serviceName: "reload"),
            .init(
                service: NotifyService(daemon: daemon, notifier: notifier),
                successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore, serviceName: "systemd"),
        ]
        if let address = settings.listen {
            services.append(
                .init(
                    service: StatusService(daemon: daemon, address: address), successTerminationBehavior: .ignore,
                    failureTerminationBehavior: .ignore, serviceName: "http"))
        }
        var configuration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = settings.shutdownGrace
        configuration.maximumCancellationDuration = .seconds(5)
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch {
            logger.error("service group ended with an error", metadata: ["error": "\(error)"])
        }
        try await daemon.close()
    }
}

extension Daemon {
    /// Raises the soft descriptor limit to the hard one: a daemon with many feeds, hook processes and
    /// listener connections needs more than the 1,024 many systems start services with.
    static func raiseDescriptorLimit(_ logger: Logger) {
        do throws(SystemError) {
            let limit = try DescriptorLimit.raiseSoftToHard()
            logger.debug("descriptor limit", metadata: ["limit.soft": "\(limit.soft)", "limit.hard": "\(limit.hard)"])
        } catch {
            logger.warning("could not raise the descriptor limit", metadata: ["error": "\(error)"])
        }
    }
}

/// The daemon as a `Service`: runs until graceful shutdown, which stops it taking work.
struct PollService: Service {
    let daemon: Daemon

    func run() async {
        await withGracefulShutdownHandler {
            await daemon.run()
        } onGracefulShutdown: {
            daemon.stop()
        }
    }
}

/// Applies new settings on SIGHUP.
struct ReloadService: Service {
    let daemon: Daemon
    let reload: SettingsReloader?
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        let daemon = daemon
        let reload = reload
        let notifier = notifier
        let logger = logger
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                guard let reload else {
                    logger.warning("SIGHUP ignored: no configuration to reload")
                    continue
                }
                notifier.reloading()
                do {
                    let loaded = try await reload()
                    try await daemon.reload(loaded.settings, configDigest: loaded.configDigest)
                } catch {
                    // One line per problem, so that each is read (and found by grep or jq) on its own.
                    let problems: [String]
                    switch error {
                    case let listed as any ListedProblems: problems = listed.problems
                    case DaemonError.invalidSettings(let listed): problems = listed
                    case DaemonError.configuration(let failure): problems = failure.problems
                    default: problems = [String(describing: error)]
                    }
                    for problem in problems {
                        logger.error("reload: configuration problem", metadata: ["problem": "\(problem)"])
                    }
                    logger.error(
                        "reload failed; keeping the settings in force", metadata: ["problems": "\(problems.count)"])
                }
                notifier.ready(status: daemon.statusLine)
            }
        }
    }
}

/// systemd: `READY=1` at start, `STATUS=` when it changes, `WATCHDOG=1` while the poll loop moves,
/// `STOPPING=1` at shutdown.
struct NotifyService: Service {
    let daemon: Daemon
    let notifier: SystemdNotifier

    func run() async {
        notifier.ready(status: daemon.statusLine)
        guard notifier.isActive else {
            try? await gracefulShutdown()
            return
        }
        let stop = Wakeup(clock: daemon.runtime.clock)
        await withGracefulShutdownHandler {
            var lastStatus = ""
            var lastBeat = daemon.runtime.status.snapshot.heartbeat
            let period = min(notifier.watchdogInterval ?? .seconds(2), .seconds(2))
            var sinceWatchdog = Duration.zero
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                await stop.wait(timeout: period)
                sinceWatchdog += period
                let status = daemon.statusLine
                if status != lastStatus {
                    notifier.status(status)
                    lastStatus = status
                }
                if let interval = notifier.watchdogInterval, sinceWatchdog >= interval {
                    let beat = daemon.runtime.status.snapshot.heartbeat
                    // Fed only while the poll loop goes round (it ticks every second).
                    if beat != lastBeat { notifier.watchdog() }
                    lastBeat = beat
                    sinceWatchdog = .zero
                }
            }
        } onGracefulShutdown: {
            stop.notify()
        }
        notifier.stopping()
    }
}
