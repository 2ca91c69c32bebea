public import FeedModel
public import Logging
public import Platform

extension Daemon {
    /// The composition root: the daemon of `blueprint` (its configuration loaded and turned into settings,
    /// the store opened, the fetcher started). Throws `.configuration` for a configuration that cannot be
    /// used, and what `init(settings:…)` throws.
    ///
    /// - Parameters:
    ///   - clock: the clocks and sleeping of every part; tests pass a `ManualClock`.
    ///   - random: numbers in `0..<1` for jitter and spreading.
    ///   - loaded: the blueprint's settings when the caller has them already (it read the log settings
    ///     first), so that the configuration is read once.
    public static func build(
        _ blueprint: DaemonBlueprint, loaded: LoadedSettings? = nil, logger: Logger,
        clock: any TimeSource = SystemClock(), random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) async throws(DaemonError) -> Daemon {
        let loaded = try resolvedSettings(of: blueprint, loaded: loaded)
        return try await Daemon(
            settings: loaded.settings, configDigest: loaded.configDigest, logger: logger, clock: clock, random: random)
    }

    /// Runs the daemon of `blueprint` in the foreground until SIGTERM or SIGINT (`run(settings:…)`);
    /// SIGHUP loads the blueprint again. `loaded`: its settings when the caller has them already (it
    /// read the log settings first), so that the file is read once at start.
    public static func run(
        _ blueprint: DaemonBlueprint, loaded: LoadedSettings? = nil, logger: Logger,
        notifier: SystemdNotifier = SystemdNotifier()
    ) async throws(DaemonError) {
        let loaded = try resolvedSettings(of: blueprint, loaded: loaded)
        try await run(
            settings: loaded.settings, configDigest: loaded.configDigest, logger: logger,
            reload: { try blueprint.settings() }, notifier: notifier)
    }

    /// The settings of `blueprint`: `loaded` when the caller has them already, else read now.
    private static func resolvedSettings(
        of blueprint: DaemonBlueprint, loaded: LoadedSettings?
    ) throws(DaemonError) -> LoadedSettings {
        if let loaded { return loaded }
        do throws(ConfigurationFailure) {
            return try blueprint.settings()
        } catch {
            throw .configuration(error)
        }
    }
}
