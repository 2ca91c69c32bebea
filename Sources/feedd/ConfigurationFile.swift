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
/// or the default places; `--state-dir` over the environment over the file. Loading goes through the
/// daemon's composition root (`DaemonBlueprint`), so that every command reads it the same way.
enum ConfigurationFile {
    /// Every problem of a file that cannot be used, one per line, then a summary line.
    typealias LoadFailure = ConfigurationFailure

    /// The blueprint of the file `option` (or the default) names, with `--state-dir` as an override and the
    /// process environment.
    static func blueprint(option: String?, stateDirectory: String?) -> DaemonBlueprint {
        let environment = Environment.all()
        let path = ConfigLoader.defaultPath(option: option, environment: environment)
        var overrides: [String: String] = [:]
        if let stateDirectory { overrides["state_dir"] = stateDirectory }
        return DaemonBlueprint(.file(path), overrides: overrides, environment: environment)
    }

    /// Loads and validates the file; `checksOutputPaths`: also the folders hooks write into (`check`).
    static func load(option: String?, stateDirectory: String?, checksOutputPaths: Bool = false) throws(LoadFailure)
        -> (path: String, configuration: FeeddConfiguration)
    {
        var blueprint = blueprint(option: option, stateDirectory: stateDirectory)
        blueprint.checksOutputPaths = checksOutputPaths
        return (blueprint.path, try blueprint.configuration())
    }
}
