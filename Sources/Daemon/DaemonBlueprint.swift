public import Config
import FeedModel
import FeedParser
import Platform

/// What a daemon is built from: the configuration (its file, its text, or one loaded already), the
/// command line's overrides and the environment, and, for tests and programs that embed the daemon,
/// hooks made in code and the settings no configuration key sets.
///
/// `Daemon.build` is the composition root: `feedd run` and `feedd poll`, the test daemon
/// (`Tests/DaemonChild`) and the daemon tests all build through it, so that a configuration means the
/// same daemon everywhere.
public struct DaemonBlueprint: Sendable {
    /// Where the configuration comes from.
    public enum Source: Sendable {
        /// The file at this path (with the files it includes and the OPML lists it names).
        case file(String)
        /// This text, as if it were the file at `path` (includes and relative paths start from its folder).
        case text(String, path: String)
        /// A configuration loaded and validated already (`ConfigLoader.load`).
        case loaded(FeeddConfiguration)
    }

    public var source: Source
    /// Command-line values by configuration key (`["state_dir": "/tmp/state"]`): over the environment
    /// and the file.
    public var overrides: [String: String]
    /// The process environment: the `FEEDD_*` variables and secrets given as `{ env = "NAME" }`.
    public var environment: [String: String]
    /// Hooks made in code: each replaces the configuration's hook of its name, or is added.
    public var hooks: [HookSettings]
    /// Applied last, for what no configuration key sets (the start-up spread, the shutdown grace, the
    /// listener's timeouts): tests make them short.
    public var adjust: @Sendable (inout DaemonSettings) -> Void
    /// Also check the folders hooks write into (what `feedd check` does).
    public var checksOutputPaths = false

    public init(
        _ source: Source, overrides: [String: String] = [:], environment: [String: String],
        hooks: [HookSettings] = [], adjust: @escaping @Sendable (inout DaemonSettings) -> Void = { _ in }
    ) {
        self.source = source
        self.overrides = overrides
        self.environment = environment
        self.hooks = hooks
        self.adjust = adjust
    }

    /// The path the configuration is named by in problems.
    public var path: String {
        switch source {
        case .file(let path), .text(_, let path): path
        case .loaded(let configuration): configuration.file
        }
    }

    /// The configuration, loaded and validated: every problem at once.
    public func configuration() throws(ConfigurationFailure) -> FeeddConfiguration {
        var loader = ConfigLoader(
            environment: environment, overrides: overrides, opmlReader: { bytes in try OPMLReader.read(bytes) })
        loader.checksOutputPaths = checksOutputPaths
        do throws(ConfigErrors) {
            switch source {
            case .file(let path): return try loader.load(path: path)
            case .text(let text, let path): return try loader.load(text: text, path: path)
            case .loaded(let configuration): return configuration
            }
        } catch {
            throw ConfigurationFailure(path: path, problems: error.problems.map(\.description))
        }
    }

    /// The daemon's settings, and the file's `log_level` and `log_format` (after `$FEEDD_LOG_LEVEL` and
    /// `$FEEDD_LOG_FORMAT`): the configuration loaded, its hooks built and its secrets read, the hooks
    /// made in code put in, `adjust` applied.
    public func settings() throws(ConfigurationFailure) -> LoadedSettings {
        let configuration = try configuration()
        var settings: DaemonSettings
        do throws(SettingsError) {
            settings = try DaemonSettings(configuration: configuration, environment: environment)
        } catch {
            throw ConfigurationFailure(path: path, problems: error.problems)
        }
        for hook in hooks {
            if let index = settings.hooks.firstIndex(where: { $0.name == hook.name }) {
                settings.hooks[index] = hook
            } else {
                settings.hooks.append(hook)
            }
        }
        adjust(&settings)
        return LoadedSettings(
            settings: settings, logLevel: configuration.logLevel, logFormat: configuration.logFormat,
            configDigest: configDigest(file: configuration.file) ?? Daemon.configurationDigest(of: settings))
    }

    /// SHA-256 of the configuration's text as loaded (the main file; a text given in code as it is), or
    /// nil when there is none to read.
    private func configDigest(file: String) -> String? {
        switch source {
        case .text(let text, _):
            return Daemon.configurationDigest(of: text.utf8)
        case .file(let path):
            return (try? FileSystem.read(path, limit: 64 << 20)).map { Daemon.configurationDigest(of: $0) }
        case .loaded:
            guard !file.isEmpty else { return nil }
            return (try? FileSystem.read(file, limit: 64 << 20)).map { Daemon.configurationDigest(of: $0) }
        }
    }
}

/// What `DaemonBlueprint.settings()` gives: the settings and the log settings of the configuration.
public struct LoadedSettings: Sendable {
    public var settings: DaemonSettings
    /// `log_level`: trace, debug, info, notice, warning, error or critical.
    public var logLevel: String
    /// `log_format`: text or json.
    public var logFormat: String
    /// SHA-256 of the configuration file's text as loaded, hex (of the settings rendered when there is no
    /// file): instances sharing a store with different digests are reported.
    public var configDigest: String
}

/// A configuration that cannot be used: every problem, one per line, then a summary line naming the file.
public struct ConfigurationFailure: Error, Sendable, ListedProblems, CustomStringConvertible {
    public var path: String
    public var problems: [String]

    public init(path: String, problems: [String]) {
        self.path = path
        self.problems = problems
    }

    public var description: String {
        let count = problems.count
        return (problems + ["\(path): \(count) problem\(count == 1 ? "" : "s")"]).joined(separator: "\n")
    }
}
