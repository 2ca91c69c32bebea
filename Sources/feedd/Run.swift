import ArgumentParser
import Daemon
import Logging

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon in the foreground: poll feeds on schedule and run hooks for new items.",
        discussion: """
            Polls every configured feed at its interval (spread out, honouring the feed's
            ttl, skipHours, skipDays, sy:updatePeriod, Cache-Control and Retry-After
            within min_interval and max_interval, backing off failing feeds up to
            backoff_cap), stores new items with their deliveries, and delivers them to the
            hooks from the outbox, retrying failures. A 429, or a 503 with Retry-After,
            pauses the whole host from the moment it arrived: no request goes to it until
            the pause ends (feedd feeds shows it), other hosts go on. Logs go to standard
            error, one line per event (without a timestamp under systemd).

            SIGHUP re-reads the configuration: added feeds start, removed feeds stop,
            changed hooks apply, and a configuration with errors is logged and ignored.
            SIGTERM and SIGINT stop taking work, give polls and deliveries in flight up to
            10 seconds, flush the store and exit 0.

            Under systemd (Type=notify, see systemd/feedd.service) it sends READY=1 once
            started, STATUS= lines, RELOADING=1 around reloads, STOPPING=1, and WATCHDOG=1
            while polling makes progress.

            With listen = "127.0.0.1:8086" in the configuration it also answers HTTP:
            GET /health, /metrics (Prometheus text), /feeds and
            /items?feed=NAME&since=RFC3339&limit=N, and, with listen_token set, the write
            API (POST /api/feeds/NAME/poll, /api/deliveries/retry, /api/held/NAME/release
            and /api/held/NAME/drop, with Authorization: Bearer TOKEN). Off loopback every
            request needs the token. docs/openapi.yaml describes them. Changing listen
            takes a restart.

            EXAMPLES
              feedd run --config /etc/feedd/feedd.toml
              feedd run --config config/feedd.toml --state-dir /tmp/feedd --log-level debug

            """
                + HelpText.exitStatus([
                    (0, "stopped by SIGTERM or SIGINT"),
                    HelpText.usage,
                    (74, "the state directory cannot be read or written"),
                    (75, "another feedd process holds the state directory"),
                    (78, "the configuration is invalid"),
                ])
    )

    @OptionGroup var options: DaemonOptions

    func run() async {
        let (blueprint, loaded, logger) = options.start()
        do throws(DaemonError) {
            // SIGHUP loads the same blueprint again: the file, the overrides and the environment.
            try await Daemon.run(blueprint, loaded: loaded, logger: logger)
        } catch {
            DaemonFailure.exit(error)
        }
    }
}

enum DaemonFailure {
    /// Prints the error and exits: 78 invalid settings, 75 locked, 74 I/O, 71 no thread, 1 otherwise.
    static func exit(_ error: DaemonError) -> Never {
        switch error {
        case .configuration, .invalidSettings: Diagnostics.fail(error.description, status: 78)
        case .store(let cause): StoreFailure.exit(cause)
        case .system: Diagnostics.fail(error.description, status: 71)
        }
    }
}
