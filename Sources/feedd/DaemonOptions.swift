import ArgumentParser
import Daemon
import Logging
import Platform

/// `--config`, `--state-dir`, `--log-level` and `--log-format`: what `feedd run` and `feedd poll` share.
struct DaemonOptions: ParsableArguments {
    @OptionGroup var state: StateDirectoryOptions
    var config: String? { state.configFile.path }
    var stateDirectory: String? { state.stateDirectory }

    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp(
            "The least important log lines written: trace, debug, info, notice, warning, error or critical.",
            discussion: "Else $FEEDD_LOG_LEVEL, else the configuration's log_level (default info).",
            valueName: "level"))
    var logLevel: String?

    @Option(
        name: .customLong("log-format"),
        help: ArgumentHelp(
            "How log lines are written: text, or json (one object a line: time, level, message, then the metadata).",
            discussion: "Else $FEEDD_LOG_FORMAT, else the configuration's log_format (default text).",
            valueName: "format"))
    var logFormat: String?

    func validate() throws {
        if let logFormat, LineLogHandler.Format(rawValue: logFormat) == nil {
            throw ValidationError("--log-format: \"\(logFormat)\" is not one of text, json")
        }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError(
                "--log-level: \"\(logLevel)\" is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// The blueprint of the daemon, its settings and the logger (swift-log bootstrapped with feedd's line
    /// handler, once per process, at `--log-level`, else the configuration's `log_level`, in
    /// `--log-format`, else `log_format`); the process ends with 78 on an invalid configuration.
    func start() -> (DaemonBlueprint, LoadedSettings, Logger) {
        let blueprint = SettingsLoader.blueprint(configPath: config, stateDirectory: stateDirectory)
        let loaded: LoadedSettings
        do throws(ConfigurationFailure) {
            loaded = try blueprint.settings()
        } catch {
            Diagnostics.fail("\(error)", status: 78)
        }
        OS.ignoreBrokenPipeSignal()
        OS.ignoreFileSizeSignal()
        let level = Logger.Level(rawValue: logLevel ?? loaded.logLevel) ?? .info
        let format = LineLogHandler.Format(rawValue: logFormat ?? loaded.logFormat) ?? .text
        LoggingSystem.bootstrap { label in LineLogHandler(label: "feedd", level: level, format: format) }
        return (blueprint, loaded, Logger(label: "feedd"))
    }
}

/// The blueprint of the daemon `run` and `poll` build (`Daemon.build`): the configuration file, with the
/// state directory `StateLocation` decides, as every other command finds it, and the environment.
enum SettingsLoader {
    static func blueprint(configPath: String?, stateDirectory: String?) -> DaemonBlueprint {
        // When the file cannot be read for its state_dir, loading it reports why, with every other problem.
        // A database (`store`) leaves state_dir as the file and the environment set it.
        let location = try? StateLocation.find(configOption: configPath, stateOption: stateDirectory)
        let directory = location.flatMap { $0.database == nil ? $0.path : nil }
        return ConfigurationFile.blueprint(option: configPath, stateDirectory: directory ?? stateDirectory)
    }
}
