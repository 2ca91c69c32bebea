import ArgumentParser
import Config
import Daemon
import FeedModel
import FeedParser
import Platform
import StoreLocation

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the configuration and print it resolved.",
        discussion: """
            Reads the configuration file, the files it includes and the OPML files
            it names, applies the environment and the command line, and checks
            everything: unknown keys (with the key meant, when one is close), values
            of the wrong type, names used twice, hooks that do not exist, URLs,
            intervals outside min_interval and max_interval, bad filter expressions,
            and folders that hooks write into (a jsonl file's, a Maildir) that do not
            exist and cannot be made (feedd makes missing ones), or an exec hook's
            working_directory that does not exist. Every problem is listed at once, each with its file, line and key.

            A valid configuration is printed resolved on standard output: every
            global key with its value (defaults included), every hook and feed with
            the keys that differ from the defaults, relative paths made absolute.
            Secrets written in the file print as "********"; those read from a file
            or the environment print as where they come from. A password in a URL
            prints masked (https://user:***@host/), as in every message of feedd.

            With `store = "postgres://USER@HOST:PORT/DB?sslmode=…"` the store is that
            PostgreSQL database: each part of the URL is checked (a problem names the
            part: scheme, user, host, port, database, sslmode…), a password written in
            the file (store_password = "…") or given twice (in the URL and in
            store_password) is refused, and `instance` must be one printable line of at
            most 64 characters. The printed store line is followed by a comment saying
            where the password comes from: store_password, the URL, $PGPASSWORD, or none.

            The file is --config, else $FEEDD_CONFIG, else /etc/feedd/feedd.toml
            when it exists, else config/feedd.toml. The state directory is
            --state-dir, else $FEEDD_STATE_DIR, else the file's state_dir, else
            $STATE_DIRECTORY (systemd), else /var/lib/feedd. Every key is described
            in docs/config.md; config/feedd.toml is a commented example of each.

            EXAMPLES
              feedd check --config config/feedd.toml
              FEEDD_LOG_LEVEL=debug feedd check --quiet && systemctl reload feedd

            """
                + HelpText.exitStatus([
                    (0, "valid"),
                    HelpText.usage,
                    (78, "the configuration has problems (listed on standard error)"),
                ])
    )

    @OptionGroup var configFile: ConfigFileOption
    var config: String? { configFile.path }

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp("The state directory, over the environment and the file.", valueName: "dir"))
    var stateDirectory: String?

    @Flag(help: ArgumentHelp("Print nothing when valid; only the exit status (and any problems) tell."))
    var quiet = false

    func run() throws {
        let configuration: FeeddConfiguration
        do throws(ConfigurationFile.LoadFailure) {
            configuration = try ConfigurationFile.load(
                option: config, stateDirectory: stateDirectory, checksOutputPaths: true
            ).configuration
        } catch {
            try? StandardStream.error.write(error.problems.map { "\($0)\n" }.joined())
            Diagnostics.fail(
                "\(error.path): \(error.problems.count) problem\(error.problems.count == 1 ? "" : "s")", status: 78)
        }
        guard !quiet else { return }
        do {
            let text = Self.withPasswordSource(ConfigRenderer.toml(configuration), of: configuration)
            try StandardStream.output.write(URLCredentials.masking(in: text))
        } catch {
            Diagnostics.fail("standard output: \(error)", status: 1)
        }
    }
}

extension Check {
    /// `text` with a comment after its `store = …` line saying where the database password comes from
    /// (never the password): store_password, the URL, $PGPASSWORD (as libpq), or none.
    static func withPasswordSource(
        _ text: String, of configuration: FeeddConfiguration, environment: [String: String] = Environment.all()
    ) -> String {
        guard let url = configuration.store else { return text }
        let source: String
        if let password = configuration.storePassword {
            source = "store_password \(password)"
        } else if (try? PostgresSettings(url: url))?.passwordSource == .url {
            source = "the URL"
        } else if environment["PGPASSWORD"] != nil {
            source = "$PGPASSWORD"
        } else {
            source = "none (the server must trust this user, or use peer authentication)"
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let index = lines.firstIndex(where: { $0.hasPrefix("store = ") }) {
            lines.insert("# the store's password: from \(source)", at: index + 1)
        }
        return lines.joined(separator: "\n")
    }
}
