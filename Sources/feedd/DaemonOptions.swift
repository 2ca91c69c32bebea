import ArgumentParser
import Daemon
import Logging
import Platform

/// `--config`, `--state-dir` and `--log-level`: what `feedd run` and `feedd poll` share.
struct DaemonOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The configuration file.",
            discussion: "Defaults to /etc/feedd/feedd.toml, then ./config/feedd.toml.", valueName: "file"))
    var config: String?

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "The state directory, overriding the configuration's state_dir.",
            discussion: "Else state_dir, else $STATE_DIRECTORY (set by systemd's StateDirectory=), else ./state.",
            valueName: "dir"))
    var stateDirectory: String?

    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp(
            "The least important log lines written: trace, debug, info, notice, warning, error or critical.",
            valueName: "level"))
    var logLevel: String = "info"

    func validate() throws {
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError(
                "--log-level: \"\(logLevel)\" is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// Bootstraps swift-log with feedd's line handler (once per process) and returns the logger.
    func logger() -> Logger {
        OS.ignoreBrokenPipeSignal()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in LineLogHandler(label: "feedd", level: level) }
        return Logger(label: "feedd")
    }

    /// The settings, or the process ends with 78 (invalid configuration).
    func settings() -> DaemonSettings {
        do {
            return try SettingsLoader.load(configPath: config, stateDirectory: stateDirectory)
        } catch {
            Diagnostics.fail("\(error)", status: 78)
        }
    }
}

/// Turns the configuration file into `DaemonSettings` (also on SIGHUP).
enum SettingsLoader {
    static func load(configPath: String?, stateDirectory: String?) throws -> DaemonSettings {
        try ConfigurationFile.settings(option: configPath, stateDirectory: stateDirectory)
    }
}
