import ArgumentParser
import Config
import FeedModel
import Foundation
import Platform
import Store

/// `--config` and `--state-dir`, shared by every command that reads or changes the store (`run` and
/// `poll` through `DaemonOptions`). Where the store is, `StateLocation` decides; `StoreOpener` opens it.
struct StateDirectoryOptions: ParsableArguments {
    @OptionGroup var configFile: ConfigFileOption

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "The state directory holding the store, over the configuration's state_dir.",
            discussion: "Else $FEEDD_STATE_DIR, else the configuration file's store (a PostgreSQL database) or "
                + "state_dir, else $STATE_DIRECTORY (set by systemd's StateDirectory=), else /var/lib/feedd. Given "
                + "either, the commands that only read or tend the store read no configuration file and open the "
                + "file store in that directory.",
            valueName: "dir"))
    var stateDirectory: String?

    /// Where the store is; ends the process (78) when the configuration file that should name it cannot be
    /// read.
    var location: StateLocation {
        do throws(ConfigErrors) {
            return try StateLocation.find(configOption: configFile.path, stateOption: stateDirectory)
        } catch {
            try? StandardStream.error.write(error.problems.map { "\($0)\n" }.joined())
            Diagnostics.fail(
                "cannot tell where the store is: the configuration file above names it (store or state_dir; or "
                    + "give --state-dir DIR, or set FEEDD_STATE_DIR)", status: 78)
        }
    }

    /// Opens the store read-only and runs `body` on it (`StoreOpener.withStore`: a database's connections
    /// are closed when `body` returns), or ends the process: 74 for I/O errors or a state directory that does
    /// not exist (with where feedd looked and why), 75 when the database cannot be reached. Read-only opens
    /// of the file store take no lock, so they work while the daemon runs.
    func read<Result>(_ body: (any FeedStore) async -> Result) async -> Result {
        await StoreOpener.withStore(location, readOnly: true, body)
    }

    /// Opens the store for writing, runs `body` on it and closes it (flushed), ending the process on a
    /// store error (75 when another process holds it): what every command that changes the store does.
    func write<Result>(_ body: (any FeedStore) async throws(StoreError) -> Result) async -> Result {
        await StoreOpener.withStore(location, readOnly: false) { store in
            await StoreFailure.run { () async throws(StoreError) in
                let result = try await body(store)
                try await store.close()
                return result
            }
        }
    }

    /// Now, from the wall clock.
    static var now: Timestamp { Timestamp(secondsSince1970: Environment.secondsSince1970()) }
}

/// Where the store is, and how that was decided: one rule for every command, `run` included.
///
/// `--state-dir`, then `$FEEDD_STATE_DIR`, then the configuration file's `store` (a PostgreSQL database)
/// or `state_dir` (relative to the file's folder; the file is `--config`, else `$FEEDD_CONFIG`, else
/// `/etc/feedd/feedd.toml` when it exists, else `./config/feedd.toml`), then `$STATE_DIRECTORY`
/// (systemd's `StateDirectory=`; the first of several), then `/var/lib/feedd`. Only the file's `store`,
/// `store_password` and `state_dir` are read here, so a configuration with problems elsewhere does not
/// keep the read commands from the store.
struct StateLocation: Equatable {
    /// The state directory (relative paths from the command line or environment are left as given);
    /// empty when `database` is set.
    var path: String
    /// Each place looked at, in order, and what was found there; the last one decided.
    var steps: [String]
    /// The database the configuration file's `store` names, instead of a state directory.
    var database: DatabaseSetting? = nil

    static let builtInDefault = "/var/lib/feedd"

    /// Decides from the command line and the process environment (or `environment`).
    static func find(
        configOption: String?, stateOption: String?, environment: [String: String] = Environment.all()
    ) throws(ConfigErrors) -> StateLocation {
        var steps: [String] = []
        if let stateOption, !stateOption.isEmpty {
            return StateLocation(path: stateOption, steps: ["--state-dir \(stateOption): used"])
        }
        steps.append("--state-dir: not given")
        if let value = environment["FEEDD_STATE_DIR"], !value.isEmpty {
            return StateLocation(path: value, steps: steps + ["FEEDD_STATE_DIR=\(value): used"])
        }
        steps.append("FEEDD_STATE_DIR: not set")

        let loader = ConfigLoader(environment: environment)
        if let option = configOption, !option.isEmpty {
            if let found = try stateDirectory(in: option, why: "--config", loader: loader, steps: &steps) {
                return found
            }
        } else if let file = environment["FEEDD_CONFIG"], !file.isEmpty {
            if let found = try stateDirectory(in: file, why: "FEEDD_CONFIG", loader: loader, steps: &steps) {
                return found
            }
        } else {
            steps.append("--config: not given; FEEDD_CONFIG: not set")
            var found: StateLocation? = nil
            for file in ["/etc/feedd/feedd.toml", "config/feedd.toml"] where found == nil {
                let shown = file.hasPrefix("/") ? file : "\(file) (in \(loader.currentDirectory))"
                guard FileManager.default.fileExists(atPath: file) else {
                    steps.append("configuration file \(shown): does not exist")
                    continue
                }
                found = try stateDirectory(in: file, why: "the default", loader: loader, steps: &steps)
                // The first file that exists is the configuration, whether or not it sets state_dir.
                if found == nil { break }
            }
            if let found { return found }
        }

        if let value = environment["STATE_DIRECTORY"], !value.isEmpty {
            // systemd joins several StateDirectory= entries with colons; the first is feedd's.
            let first = String(value.split(separator: ":").first ?? Substring(value))
            return StateLocation(path: first, steps: steps + ["STATE_DIRECTORY=\(value) (systemd): used"])
        }
        steps.append("STATE_DIRECTORY (set by systemd's StateDirectory=): not set")
        return StateLocation(path: builtInDefault, steps: steps + ["the built-in default \(builtInDefault): used"])
    }

    /// The location `file`'s `store` or `state_dir` gives, or nil (with the step noted) when it sets neither.
    private static func stateDirectory(
        in file: String, why: String, loader: ConfigLoader, steps: inout [String]
    ) throws(ConfigErrors) -> StateLocation? {
        if let (database, line) = try loader.databaseSetting(path: file) {
            let place = line.map { "\(file):\($0)" } ?? file
            return StateLocation(
                path: "", steps: steps + ["configuration file \(file) (\(why)): store at \(place): \(database): used"],
                database: database)
        }
        guard let (directory, line) = try loader.stateDirectorySetting(path: file) else {
            steps.append("configuration file \(file) (\(why)): sets no state_dir")
            return nil
        }
        let place = line.map { "\(file):\($0)" } ?? file
        return StateLocation(
            path: directory, steps: steps + ["configuration file \(file) (\(why)): state_dir at \(place): used"])
    }

    /// Why there is no store: where feedd looked, and how to point it at the right place.
    var notFoundMessage: String {
        """
        no feedd state directory at \(path)
        feedd looked for it here, in this order:
        \(steps.map { "  \($0)" }.joined(separator: "\n"))
        Point feedd at the store with --state-dir DIR or FEEDD_STATE_DIR=DIR, or at the configuration that \
        names it (state_dir) with --config FILE or FEEDD_CONFIG=FILE. The daemon creates the store on its \
        first start.
        """
    }
}

enum StoreFailure {
    /// Prints the error and exits with 75 (locked, or the database cannot be reached), 74 (I/O) or 1.
    static func exit(_ error: StoreError) -> Never {
        let status: Int32 = error.isLocked || error.isUnavailable ? 75 : error.isIOError ? 74 : 1
        Diagnostics.fail(error.description, status: status)
    }

    /// Runs `body`, ending the process on a store error.
    static func run<Result>(_ body: () async throws(StoreError) -> Result) async -> Result {
        do {
            return try await body()
        } catch {
            exit(error)
        }
    }
}

extension Timestamp {
    /// `-` for nil, else RFC 3339.
    static func text(_ value: Timestamp?) -> String { value?.rfc3339 ?? "-" }
}

/// Writes lines to standard output, buffered, ending the process if standard output fails.
struct LineOutput {
    private var buffer: [UInt8] = []

    mutating func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func bytes(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        do {
            try StandardStream.output.write(buffer)
        } catch {
            Diagnostics.fail("standard output: \(error)", status: 1)
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
