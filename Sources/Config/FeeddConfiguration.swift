/// The whole configuration: global settings, feeds and hooks, validated, paths absolute.
///
/// Made by `ConfigLoader.load`; the daemon maps it onto `HTTPFetcher.Configuration`, `FetchRequest`,
/// `StoreOptions` and the hooks' own configuration types.
public struct FeeddConfiguration: Sendable, Hashable, ConfigSection {
    /// The main configuration file, absolute.
    public var file = ""
    /// The store's folder. Default: `$STATE_DIRECTORY` when set (systemd's `StateDirectory=`), else
    /// `/var/lib/feedd`.
    public var stateDirectory = "/var/lib/feedd"
    /// The PostgreSQL store several instances share: `postgres://USER@HOST:PORT/DB?sslmode=…`, checked by
    /// `PostgresSettings`; nil: the file store in `stateDirectory`. Printed with its password masked.
    public var store: String?
    /// The database password (`store_password`), read from a file or an environment variable, never written
    /// in the file; a password in the URL as well is refused. Without either: `PGPASSWORD`, as libpq.
    public var storePassword: Secret?
    /// This instance's name among those sharing the store (`instance`); nil: `<host name>-<process id>`,
    /// decided when the daemon starts.
    public var instance: String?
    /// The poll interval of feeds that set none.
    public var interval: ConfigDuration = .minutes(30)
    /// Each due time moves by a random amount up to this (never more than a tenth of the interval).
    public var jitter: ConfigDuration = .minutes(1)
    /// Bounds of every interval: the configured ones, and those feeds and servers ask for.
    public var minInterval: ConfigDuration = .minutes(1)
    public var maxInterval: ConfigDuration = .days(1)
    /// A failing feed waits its interval doubled per failure, up to this (or its interval, if longer).
    public var backoffCap: ConfigDuration = .days(1)
    /// Transfers in flight at once, and to one host.
    public var concurrency = 64
    public var perHost = 2
    /// nil: the fetcher's built-in `feedd/<version> (+https://github.com/feedd/feedd)`.
    public var userAgent: String?
    public var limits = FetchLimitsConfiguration()
    /// `debug`, `info`, `notice`, `warning` or `error`.
    public var logLevel = "info"
    /// How log lines are written: `text` (`level feedd: message key=value …`) or `json` (one object a line).
    public var logFormat = "text"
    /// Hooks every feed fires, besides its own.
    public var hooks: [String] = []
    /// The first poll of a new feed fires hooks for the items already there (default: stores them silently).
    public var notifyExisting = NotifyExisting.none
    /// `host:port` of the HTTP listener (health, metrics, feeds, items; the write API with a token); nil: none.
    public var listen: String?
    /// The bearer token of the listener's write API (`POST /api/…`), and of every request when `listen` is not
    /// a loopback address; read from a file or an environment variable, never written in the file.
    public var listenToken: Secret?
    /// How often the status page (`GET /`) reloads itself; zero: never.
    public var listenRefresh: ConfigDuration = .seconds(30)
    public var retention = RetentionConfiguration()
    public var floodGuard = FloodGuardConfiguration()
    public var keyMemory = KeyMemoryConfiguration()
    /// Glob patterns of the included files, absolute.
    public var include: [String] = []
    /// OPML files whose outlines became feeds, absolute.
    public var opml: [String] = []
    /// Every feed: the main file's, the included files' and the OPML files', in that order.
    public var feeds: [FeedConfiguration] = []
    /// Every `[[hook]]`.
    public var hookDefinitions: [HookConfiguration] = []

    public init() {}

    /// The feed's poll interval.
    public func interval(of feed: FeedConfiguration) -> ConfigDuration { feed.interval ?? interval }

    /// The feed's fetch limits: its overrides over the global ones.
    public func limits(of feed: FeedConfiguration) -> FetchLimitsConfiguration { limits.applying(feed.limits) }

    /// The hooks the feed fires: the global ones, then its own, each once.
    public func hookNames(of feed: FeedConfiguration) -> [String] {
        var names: [String] = []
        for name in hooks + feed.hooks where !names.contains(name) { names.append(name) }
        return names
    }

    /// Whether the feed's first poll fires hooks.
    public func notifyExisting(of feed: FeedConfiguration) -> NotifyExisting { feed.notifyExisting ?? notifyExisting }

    /// The feed's retention.
    public func retention(of feed: FeedConfiguration) -> RetentionConfiguration {
        feed.retention.applied(to: retention)
    }

    /// The hook named `name`.
    public func hook(named name: String) -> HookConfiguration? { hookDefinitions.first { $0.name == name } }

    /// The feed named `name`.
    public func feed(named name: String) -> FeedConfiguration? { feeds.first { $0.name == name } }

    /// The global keys (not `feed`, `hook`: the loader reads those tables).
    static let options: [ConfigOption<Self>] =
        [
            .value(
                "state_dir", \.stateDirectory, .path, defaultText: "$STATE_DIRECTORY, else \"/var/lib/feedd\"",
                environment: "FEEDD_STATE_DIR", doc: "the store: fetch state, items, outbox"),
            .value(
                "store", \.store, .optional(.storeURL), defaultText: "none: the file store in state_dir",
                doc:
                    "the PostgreSQL store several instances share: \"postgres://USER@HOST:PORT/DB?sslmode=…\" "
                    + "(sslmode: disable, prefer, require, verify-ca, verify-full; sslrootcert=FILE)"),
            .value(
                "store_password", \.storePassword, .optional(.secret), defaultText: "none: the URL's, else $PGPASSWORD",
                doc:
                    "the database password: { file = \"path\" } or { env = \"NAME\" }; not with a password in "
                    + "the URL; without either, $PGPASSWORD as libpq",
                check: { $0.flatMap(Self.checkStorePassword) }),
            .value(
                "instance", \.instance, .optional(.string), defaultText: "\"<host name>-<process id>\"",
                environment: "FEEDD_INSTANCE",
                doc: "this instance's name among those sharing the store (logs, feedd feeds, the listener)",
                check: { $0.flatMap(Self.checkInstance) }),
            .value("interval", \.interval, .duration, doc: "poll interval of feeds that set none"),
            .value("jitter", \.jitter, .duration, doc: "each due time moves by a random amount up to this"),
            .value(
                "min_interval", \.minInterval, .duration,
                doc: "shortest interval: configured ones are checked, server hints (ttl, Cache-Control) clamped",
                check: Checks.positive),
            .value("max_interval", \.maxInterval, .duration, doc: "longest interval, likewise"),
            .value(
                "backoff_cap", \.backoffCap, .duration,
                doc: "longest wait of a failing feed: its interval doubles per failure up to this (or its interval)",
                check: Checks.positive),
            .value(
                "concurrency", \.concurrency, .integer, doc: "transfers in flight at once", check: Checks.atLeastOne),
            .value("per_host", \.perHost, .integer, doc: "transfers in flight to one host", check: Checks.atLeastOne),
            .value(
                "user_agent", \.userAgent, .optional(.string),
                defaultText: "\"feedd/<version> (+https://github.com/feedd/feedd)\"",
                doc: "sent with every request",
                check: { ($0?.contains { $0.isNewline } ?? false) ? "must be one line" : nil }),
            .value(
                "log_level", \.logLevel, .choice(["debug", "info", "notice", "warning", "error"]),
                environment: "FEEDD_LOG_LEVEL", doc: "least important message logged"),
            .value(
                "log_format", \.logFormat, .choice(["text", "json"]), environment: "FEEDD_LOG_FORMAT",
                doc: "log lines: text (level, message, key=value) or json (one object a line, for journald, Loki, jq)"
            ),
            .value("hooks", \.hooks, .list(.string), doc: "hooks every feed fires, besides its own"),
            .value(
                "notify_existing", \.notifyExisting, .notifyExisting,
                doc:
                    "the first poll of a new feed: false stores the items already there silently, true fires hooks "
                    + "for all of them, a number N for the newest N"
            ),
            .value(
                "listen", \.listen, .optional(.string), defaultText: "none", environment: "FEEDD_LISTEN",
                doc: "host:port of the HTTP listener (/health, /metrics, /feeds, /items; /api/… with listen_token)",
                check: { $0.flatMap(Self.checkListen) }),
            .value(
                "listen_token", \.listenToken, .optional(.secret), defaultText: "none",
                doc:
                    "bearer token of the listener's write API (/api/…), and of every request on a non-loopback "
                    + "listen: { file = \"path\" } or { env = \"NAME\" }",
                check: { $0.flatMap(Self.checkListenToken) }),
            .value(
                "listen_refresh", \.listenRefresh, .duration,
                doc: "how often the listener's status page (GET /) reloads itself in the browser; \"0s\": never",
                check: Self.checkRefresh),
            .section("retention", \.retention, doc: "what the store keeps"),
            .section("flood_guard", \.floodGuard, doc: "holds a poll that brings too many new items"),
            .section("key_memory", \.keyMemory, doc: "when keys of dropped items are forgotten"),
            .value(
                "include", \.include, .list(.path),
                doc: "more files of [[feed]] and [[hook]] tables: glob patterns relative to this file's folder"),
            .value("opml", \.opml, .list(.path), doc: "OPML files whose outlines with an xmlUrl become feeds"),
        ] + FetchLimitsConfiguration.options.map { $0.lifted(\Self.limits) }

    /// A token written in the file itself would be readable by whoever reads the configuration (and is
    /// printed by nothing, so easily pasted around): it comes from a file or the environment.
    @Sendable static func checkListenToken(_ token: Secret) -> String? {
        guard case .literal = token else { return nil }
        return "the token is not written in the configuration: use { file = \"/etc/feedd/api-token\" } "
            + "(a file only feedd can read) or { env = \"FEEDD_API_TOKEN\" }"
    }

    /// Like the listener's token, the database password is not written in the file itself.
    @Sendable static func checkStorePassword(_ password: Secret) -> String? {
        guard case .literal = password else { return nil }
        return "the password is not written in the configuration: use { file = \"/etc/feedd/db-password\" } "
            + "(a file only feedd can read) or { env = \"FEEDD_DB_PASSWORD\" }, or set PGPASSWORD for feedd"
    }

    /// The longest instance name.
    public static let instanceNameLimit = 64

    /// An instance name is shown in logs, tables and the listener: one printable line of at most 64
    /// characters.
    @Sendable static func checkInstance(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.count > instanceNameLimit {
            return "must be at most \(instanceNameLimit) characters, got \(name.count)"
        }
        let unprintable = name.unicodeScalars.first { scalar in
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .unassigned, .surrogate, .privateUse:
                return true
            default:
                return false
            }
        }
        if let unprintable {
            let code = String(unprintable.value, radix: 16, uppercase: true)
            return "must be printable: U+\(String(repeating: "0", count: max(0, 4 - code.count)))\(code) is not"
        }
        if name.first?.isWhitespace == true || name.last?.isWhitespace == true {
            return "must not begin or end with a space"
        }
        return nil
    }

    /// A page refresh is given in whole seconds (the `refresh` meta tag has no finer unit).
    @Sendable static func checkRefresh(_ value: ConfigDuration) -> String? {
        value.milliseconds % 1000 == 0 ? nil : "must be whole seconds (such as \"30s\"), or \"0s\" for never"
    }

    /// `ListenAddress`'s forms: `127.0.0.1:8086`, `[::1]:8086`, `localhost:8086`, `:8086`.
    @Sendable static func checkListen(_ text: String) -> String? {
        do throws(ListenAddressError) {
            _ = try ListenAddress(parsing: text)
            return nil
        } catch {
            return error.reason + ", got " + TOMLText.quoted(text)
        }
    }
}
