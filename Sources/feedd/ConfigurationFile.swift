import ArgumentParser
import Config
import Daemon
import FeedParser
import Platform

/// `--config`: one definition for every command that reads the configuration file.
struct ConfigFileOption: ParsableArguments {
    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "The configuration file.",
            discussion: "Default: $FEEDD_CONFIG, else /etc/feedd/feedd.toml when it exists, else config/feedd.toml.",
            valueName: "file"))
    var path: String?
}

/// The configuration file as `check`, `run` and `poll` read it: the path from `--config`, `$FEEDD_CONFIG`
/// or the default places; `--state-dir` over the environment over the file.
enum ConfigurationFile {
    /// Every problem of a file that cannot be used, one per line, then a summary line.
    struct LoadFailure: ListedProblems, CustomStringConvertible {
        var path: String
        var problems: [String]

        var description: String {
            let count = problems.count
            return (problems + ["\(path): \(count) problem\(count == 1 ? "" : "s")"]).joined(separator: "\n")
        }
    }

    /// Loads and validates the file; `checksOutputPaths`: also the folders hooks write into (`check`).
    static func load(option: String?, stateDirectory: String?, checksOutputPaths: Bool = false) throws(LoadFailure)
        -> (path: String, configuration: FeeddConfiguration)
    {
        var environment: [String: String] = [:]
        for name in ConfigLoader.environmentVariables {
            if let value = Environment.value(name) { environment[name] = value }
        }
        let path = ConfigLoader.defaultPath(option: option, environment: environment)
        var overrides: [String: String] = [:]
        if let stateDirectory { overrides["state_dir"] = stateDirectory }
        var loader = ConfigLoader(
            environment: environment, overrides: overrides, opmlReader: { bytes in try OPMLReader.read(bytes) })
        loader.checksOutputPaths = checksOutputPaths
        do {
            return (path, try loader.load(path: path))
        } catch {
            throw LoadFailure(path: path, problems: error.problems.map(\.description))
        }
    }

    /// The settings, and the file's `log_level` and `log_format` (after `$FEEDD_LOG_LEVEL` and
    /// `$FEEDD_LOG_FORMAT`).
    static func settingsAndLogLevel(
        option: String?, stateDirectory: String?
    ) throws(LoadFailure) -> (settings: DaemonSettings, logLevel: String, logFormat: String) {
        let (path, configuration) = try load(option: option, stateDirectory: stateDirectory)
        do throws(SettingsError) {
            let settings = try DaemonSettings(configuration: configuration, environment: Environment.all())
            return (settings, configuration.logLevel, configuration.logFormat)
        } catch {
            throw LoadFailure(path: path, problems: error.problems)
        }
    }
}
