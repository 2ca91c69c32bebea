import ArgumentParser
import Curl
import FeedParser
import Fetcher
import Platform

@main
struct Feedd: AsyncParsableCommand {
    /// The entry point. `feedd parse` with plain arguments (what scripts run over many files) skips
    /// swift-argument-parser, whose set-up costs several times the parse of a typical feed
    /// (`ParseRun.init?(plainArguments:)`); everything else, help and errors included, goes through it.
    static func main() async {
        let arguments = CommandLine.arguments
        if arguments.count > 2, arguments[1] == "parse", let parse = ParseRun(plainArguments: arguments[2...]) {
            // A file is parsed right here on the main thread: an `await` of a nonisolated function would
            // start the global executor's threads first.
            if parse.streams { return parse.runStreaming() }
            await parse.run()
            return
        }
        await main(nil)
    }

    /// What `feedd --version` prints: the version, the commit it was built from, and the versions of
    /// the libcurl and libxml2 it runs with (loaded at run time, so they follow Debian's updates).
    /// Made only for `--version`: asking libcurl its version loads it, which every other command that
    /// does not fetch would pay for at start-up (docs/benchmarks.md).
    static var version: String {
        let curl = CurlGlobal.libraryVersion
        return """
            feedd \(FeeddVersion.current)
            commit \(BuildInfo.commit)
            libcurl \(curl.version)\(curl.tls.map { " (\($0))" } ?? "")
            libxml2 \(FeedParser.xmlLibraryVersion)
            """
    }

    static let configuration = CommandConfiguration(
        commandName: "feedd",
        abstract: "A feed aggregator daemon: polls RSS, Atom and JSON feeds and tells you of each new item once.",
        discussion: """
            feedd reads RSS 0.9x, 1.0 and 2.0, Atom 0.3 and 1.0 and JSON Feed 1.0
            and 1.1, and turns every feed into one normalized JSON document (see
            `feedd parse --help`). `feedd run` is the daemon: it polls every
            configured feed on schedule and runs the hooks for each new item;
            `feedd poll --once` does one round and exits.

            The store (items seen, fetch state, outbox) lives in the state
            directory, which every command finds the same way: `--state-dir`,
            else $FEEDD_STATE_DIR, else the configuration file's state_dir,
            else $STATE_DIRECTORY (systemd's StateDirectory=), else
            /var/lib/feedd. The configuration file is `--config`, else
            $FEEDD_CONFIG, else /etc/feedd/feedd.toml when it exists, else
            ./config/feedd.toml. `feedd items`, `feedd feeds`, `feedd held`
            and `feedd store check` read the store while the daemon runs.
            With `store = "postgres://USER@HOST:PORT/DB"` in the configuration file
            the store is that PostgreSQL database instead, shared by several
            instances (docs/config.md); `--state-dir` still names a file store.

            The configuration is one TOML file (`feedd check` validates it and
            prints it resolved): see config/feedd.toml and docs/config.md.

            """
                + HelpText.exitStatus([
                    (0, "success"),
                    (
                        1,
                        "the input could not be read or fetched; `store check` found damage; `poll --once`: a feed failed; `add`: the feed is already configured; `remove`, `items --feed`, `deliveries --hook`, `held release|drop`: no feed or hook has that name (a close one is suggested)"
                    ),
                    (2, "`poll --once`: a delivery failed (3: a feed and a delivery failed)"),
                    HelpText.usage,
                    (
                        65,
                        "the input is not a feed (`add`: nor a page naming a feed that parses; `import-opml`: not OPML)"
                    ),
                    (
                        74,
                        "the state directory cannot be read or written (I/O error), or does not exist (the places feedd looked are listed)"
                    ),
                    (75, "the state directory is in use by another feedd process (try again later)"),
                    (
                        78,
                        "the configuration has problems (`feedd check` lists them all; `run` and `poll` refuse to start; `add`, `remove` and `import-opml` change nothing, or put the file back as it was; the store commands: the file that names the state directory cannot be read, or its store or store_password has a problem)"
                    ),
                ]),
        version: CommandLine.arguments.contains("--version") ? version : "feedd \(FeeddVersion.current)",
        subcommands: [
            Run.self, Poll.self, Check.self, Parse.self, Items.self, Feeds.self, Deliveries.self, Held.self,
            StoreCommand.self, Add.self, Remove.self, ImportOPML.self, ExportOPML.self,
        ]
    )
}
