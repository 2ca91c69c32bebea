public import Config
public import Fetcher
public import Hooks
import Platform
public import Store
public import StoreLocation

/// Everything the daemon runs on: plain values, built by the configuration layer (or by hand in tests).
///
/// Durations are `Duration`s, hooks are already-built `any Hook` values: the daemon parses no file. A
/// feed fires the `globalHooks` and its own `hooks`, each name one of `hooks`.
public struct DaemonSettings: Sendable {
    /// The store's directory (config `state_dir`).
    public var stateDirectory: String
    /// The PostgreSQL store several instances share (config `store`), its password already read
    /// (`store_password`, the URL's, or `PGPASSWORD`); nil (the default): the file store in `stateDirectory`.
    public var database: PostgresSettings?
    /// This instance's name among those sharing the store (config `instance`): in logs, `feedd feeds` and
    /// the listener. Default: `<host name>-<process id>`.
    public var instance = DaemonSettings.defaultInstance
    /// The feeds, in configuration order; names are unique.
    public var feeds: [FeedSettings]
    /// The hooks by name.
    public var hooks: [HookSettings]
    /// Hooks every feed fires, besides its own (config `hooks`).
    public var globalHooks: [String]
    /// User agent, transfers in flight, per-host limit, default limits.
    public var fetch: FetchSettings
    /// Intervals, jitter, bounds and backoff.
    public var schedule: ScheduleSettings
    /// Whether the first poll of a new feed announces the items already there (config
    /// `notify_existing`, default false: they are stored silently). A feed may override it.
    public var notifyExisting: NotifyExisting
    /// Retention, flood guard, key memory.
    public var store: StoreOptions
    /// How long SIGTERM waits for polls and deliveries in flight before cutting them (default 10 s).
    public var shutdownGrace: Duration
    /// How often the running daemon compacts the store (retention, a snapshot, old journals removed;
    /// default 6 h). Start-up time and memory grow with the journal, so it should not grow for ever.
    public var compactionInterval: Duration
    /// The HTTP listener's address (config `listen`): health, metrics, feed status and recent items, read
    /// only. Nil (the default): none.
    public var listen: ListenAddress?
    /// The listener's timeouts and connection limit (docs/daemon.md); tests shorten them.
    public var listenerLimits = ListenerLimits()
    /// The bearer token of the listener's write API (config `listen_token`), read at each request so that a
    /// rotated token needs no reload. Nil: the write API answers 403. Required when `listen` is not loopback.
    public var listenToken: SecretSource?
    /// How often the status page (`GET /`) reloads itself in a browser (config `listen_refresh`); zero:
    /// never.
    public var statusPageRefresh: Duration = .seconds(30)
    /// The listener guards reads as on a public address although it listens on loopback: what a test sets
    /// to try the public rules without opening a port to other machines. False: decided by `listen`.
    public var listenAsPublic = false

    /// `<host name>-<process id>`: unique among instances running at once, without configuration.
    public static var defaultInstance: String { "\(OS.hostName)-\(OS.processID)" }

    /// Whether every request to the listener needs the token: `listen` is not loopback (or a test says so).
    public var listenerIsPublic: Bool { listenAsPublic || !(listen?.isLoopback ?? true) }

    public init(
        stateDirectory: String,
        feeds: [FeedSettings] = [],
        hooks: [HookSettings] = [],
        globalHooks: [String] = [],
        fetch: FetchSettings = FetchSettings(),
        schedule: ScheduleSettings = ScheduleSettings(),
        notifyExisting: NotifyExisting = .none,
        store: StoreOptions = StoreOptions(),
        shutdownGrace: Duration = .seconds(10),
        compactionInterval: Duration = .seconds(6 * 3600),
        listen: ListenAddress? = nil
    ) {
        self.stateDirectory = stateDirectory
        self.feeds = feeds
        self.hooks = hooks
        self.globalHooks = globalHooks
        self.fetch = fetch
        self.schedule = schedule
        self.notifyExisting = notifyExisting
        self.store = store
        self.shutdownGrace = shutdownGrace
        self.compactionInterval = compactionInterval
        self.listen = listen
    }

    /// Every problem at once, one sentence each: duplicate feed or hook names, hook names nobody
    /// defined, bounds that contradict each other. Empty when the settings can run.
    public func problems() -> [String] {
        var problems: [String] = []
        var feedNames = Set<String>()
        for feed in feeds where !feedNames.insert(feed.name).inserted {
            problems.append("feed \"\(feed.name)\" is defined more than once")
        }
        var hookNames = Set<String>()
        for hook in hooks where !hookNames.insert(hook.name).inserted {
            problems.append("hook \"\(hook.name)\" is defined more than once")
        }
        for name in globalHooks where !hookNames.contains(name) {
            problems.append("hooks: no hook is named \"\(name)\"")
        }
        for feed in feeds {
            if feed.name.isEmpty { problems.append("a feed has an empty name") }
            if feed.url.isEmpty { problems.append("feed \"\(feed.name)\": url is empty") }
            for name in feed.hooks where !hookNames.contains(name) {
                problems.append("feed \"\(feed.name)\": no hook is named \"\(name)\"")
            }
        }
        if schedule.minInterval > schedule.maxInterval {
            problems.append("min_interval is longer than max_interval")
        }
        if schedule.defaultInterval <= .zero { problems.append("interval must be positive") }
        if fetch.concurrency < 1 || fetch.perHost < 1 { problems.append("concurrency and per_host must be at least 1") }
        if let listen, listenerIsPublic, listenToken == nil {
            problems.append("listen \(listen) is not a loopback address: set listen_token")
        }
        return problems
    }

    /// The hook names `feed` fires: the global ones, then its own, each once.
    func hookNames(for feed: FeedSettings) -> [String] {
        var seen = Set<String>()
        return (globalHooks + feed.hooks).filter { seen.insert($0).inserted }
    }
}

/// One `[[feed]]`.
public struct FeedSettings: Sendable {
    /// Unique; used by the CLI, the logs, the store and the hooks.
    public var name: String
    /// http, https or file.
    public var url: String
    /// Its poll interval; nil uses `ScheduleSettings.defaultInterval`.
    public var interval: Duration?
    /// Hooks it fires besides the global ones.
    public var hooks: [String]
    /// Items it passes to any hook (a hook's own filter applies too).
    public var filter: ItemFilter
    /// Extra request header fields (an API token).
    public var headers: [HTTPHeaderField]
    /// HTTP basic authentication.
    public var credential: Credential?
    /// A proxy of its own; `""` for none; nil honours the environment.
    public var proxy: String?
    /// TLS verification off (logged at every fetch).
    public var insecureSkipTLSVerify: Bool
    /// Limits of its own; nil uses `FetchSettings.limits`.
    public var limits: FetchLimits?
    /// Overrides `DaemonSettings.notifyExisting` for this feed.
    public var notifyExisting: NotifyExisting?
    /// Labels for people (config `tags`): the status page shows them, `/feed.atom?tag=T` selects by them.
    public var tags: [String] = []

    public init(
        name: String, url: String, interval: Duration? = nil, hooks: [String] = [], filter: ItemFilter = ItemFilter(),
        headers: [HTTPHeaderField] = [], credential: Credential? = nil, proxy: String? = nil,
        insecureSkipTLSVerify: Bool = false, limits: FetchLimits? = nil, notifyExisting: NotifyExisting? = nil
    ) {
        self.name = name
        self.url = url
        self.interval = interval
        self.hooks = hooks
        self.filter = filter
        self.headers = headers
        self.credential = credential
        self.proxy = proxy
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.limits = limits
        self.notifyExisting = notifyExisting
    }

    /// Whether a reload must treat the feed as changed for fetching (its URL or request options).
    func fetchesLike(_ other: FeedSettings) -> Bool {
        url == other.url && headers == other.headers && credential == other.credential && proxy == other.proxy
            && insecureSkipTLSVerify == other.insecureSkipTLSVerify && limits == other.limits
    }
}

/// One `[[hook]]`: the hook itself and the options the outbox applies around it.
public struct HookSettings: Sendable {
    public var hook: any Hook
    /// Items it passes (a feed's filter applies too).
    public var filter: ItemFilter
    /// One call per poll of a feed with all its new items (config `batch`).
    public var batch: Bool
    /// Updated items fire too (config `on_update`).
    public var onUpdate: Bool
    /// Retries and dead letters.
    public var retry: RetryPolicy
    /// Deliveries of this hook in flight at once; 1 (the default) keeps each feed's items in order.
    public var concurrency: Int

    /// The hook's name.
    public var name: String { hook.name }

    public init(
        hook: any Hook, filter: ItemFilter = ItemFilter(), batch: Bool = false, onUpdate: Bool = false,
        retry: RetryPolicy = RetryPolicy(), concurrency: Int = 1
    ) {
        self.hook = hook
        self.filter = filter
        self.batch = batch
        self.onUpdate = onUpdate
        self.retry = retry
        self.concurrency = max(concurrency, 1)
    }
}

/// How the fetcher is set up (config `user_agent`, `concurrency`, `per_host` and the limits).
public struct FetchSettings: Sendable, Hashable {
    public var userAgent: String
    /// Transfers in flight at once; also the number of feeds polled at once.
    public var concurrency: Int
    /// Transfers in flight to one `host:port`.
    public var perHost: Int
    /// Default limits of every feed.
    public var limits: FetchLimits

    public init(
        userAgent: String = HTTPFetcher.Configuration.defaultUserAgent, concurrency: Int = 64, perHost: Int = 2,
        limits: FetchLimits = FetchLimits()
    ) {
        self.userAgent = userAgent
        self.concurrency = concurrency
        self.perHost = perHost
        self.limits = limits
    }

    var fetcherConfiguration: HTTPFetcher.Configuration {
        HTTPFetcher.Configuration(
            userAgent: userAgent, limits: limits, maxTransfers: concurrency, maxTransfersPerHost: perHost)
    }
}

/// When feeds are polled (config `interval`, `jitter`, `min_interval`, `max_interval`, `backoff_cap`).
public struct ScheduleSettings: Sendable, Hashable {
    /// A feed's interval when it sets none (default 30 min).
    public var defaultInterval: Duration
    /// Each wait is moved by up to this share of itself, either way (default 0.1), so that feeds
    /// polled together drift apart.
    public var jitter: Double
    /// No feed is polled more often than this, whatever it or its server asks (default 1 min).
    public var minInterval: Duration
    /// No successful feed waits longer than this, whatever its `ttl` or `max-age` says (default 1 day).
    public var maxInterval: Duration
    /// A failing feed waits its interval doubled per failure, up to this (default 1 day); it is then
    /// retried at this interval for as long as it fails, and reported.
    public var backoffCap: Duration
    /// At start-up, feeds with no due time (new) or overdue are spread evenly over their interval, but
    /// over no more than this (default 10 min), so that a restart polls everything soon but not at once.
    public var initialSpread: Duration
    /// How long a host is left alone after a 429 or 503 without `Retry-After` (default 1 min; 429 only).
    public var hostPause: Duration
    /// The longest `Retry-After` honoured (default 1 day).
    public var maxRetryAfter: Duration
    /// At most this many feeds a second start at start-up (or when added): the initial spread is no
    /// wider than the number of feeds needs, so three feeds start at once and 10,000 spread out.
    public var startRate: Double

    public init(
        defaultInterval: Duration = .seconds(30 * 60), jitter: Double = 0.1, minInterval: Duration = .seconds(60),
        maxInterval: Duration = .seconds(86_400), backoffCap: Duration = .seconds(86_400),
        initialSpread: Duration = .seconds(600), hostPause: Duration = .seconds(60),
        maxRetryAfter: Duration = .seconds(86_400), startRate: Double = 20
    ) {
        self.defaultInterval = defaultInterval
        self.jitter = jitter
        self.minInterval = minInterval
        self.maxInterval = maxInterval
        self.backoffCap = backoffCap
        self.initialSpread = initialSpread
        self.hostPause = hostPause
        self.maxRetryAfter = maxRetryAfter
        self.startRate = startRate
    }
}
