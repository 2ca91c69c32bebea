import ArgumentParser
import Daemon
import Logging
import Platform

/// `--config`, `--state-dir` and `--log-level`: what `feedd run` and `feedd poll` share.
struct DaemonOptions: ParsableArguments {
    @OptionGroup var configFile: ConfigFileOption
    var config: String? { configFile.path }

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "The state directory, overriding the configuration's state_dir.",
            discussion: "Else $FEEDD_STATE_DIR, else state_dir, else $STATE_DIRECTORY (set by systemd's "
                + "StateDirectory=), else /var/lib/feedd.",
            valueName: "dir"))
    var stateDirectory: String?

    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp(
            "The least important log lines written: trace, debug, info, notice, warning, error or critical.",
            discussion: "Else $FEEDD_LOG_LEVEL, else the configuration's log_level (default info).",
            valueName: "level"))
    var logLevel: String?

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError(
                "--log-level: \"\(logLevel)\" is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// The settings and the logger (swift-log bootstrapped with feedd's line handler, once per process,
    /// at `--log-level`, else the configuration's `log_level`); the process ends with 78 on an invalid
    /// configuration.
    func start() -> (DaemonSettings, Logger) {
        let loaded: (settings: DaemonSettings, logLevel: String)
        do throws(ConfigurationFile.LoadFailure) {
            loaded = try ConfigurationFile.settingsAndLogLevel(option: config, stateDirectory: stateDirectory)
        } catch {
            Diagnostics.fail("\(error)", status: 78)
        }
        OS.ignoreBrokenPipeSignal()
        OS.ignoreFileSizeSignal()
        let level = Logger.Level(rawValue: logLevel ?? loaded.logLevel) ?? .info
        LoggingSystem.bootstrap { label in LineLogHandler(label: "feedd", level: level) }
        return (loaded.settings, Logger(label: "feedd"))
    }
}

/// Turns the configuration file into `DaemonSettings` (also on SIGHUP).
enum SettingsLoader {
    static func load(configPath: String?, stateDirectory: String?) throws -> DaemonSettings {
        try ConfigurationFile.settings(option: configPath, stateDirectory: stateDirectory)
    }
}
