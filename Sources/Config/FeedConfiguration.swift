/// One `[[feed]]` (or an OPML outline): what to poll and what to do with its new items.
/// Unset overrides (nil) take the global value; `FeeddConfiguration` has helpers for the effective ones.
public struct FeedConfiguration: Sendable, Hashable, ConfigSection {
    /// Unique; used by the CLI, logs, the store and hooks.
    public var name = ""
    /// An http, https or file URL (a path in the file becomes a `file://` URL).
    public var url = ""
    /// False: kept in the configuration (and its stored items kept) but not polled.
    public var enabled = true
    /// The poll interval; nil: the global `interval`.
    public var interval: ConfigDuration?
    /// Hook names fired for this feed's new items, besides the global `hooks`.
    public var hooks: [String] = []
    public var filter = FilterConfiguration()
    /// Extra request headers; values may be secrets.
    public var headers: [NamedValue<Secret>] = []
    public var auth: AuthConfiguration?
    /// A proxy URL for this feed; nil: `http_proxy`, `https_proxy` and `no_proxy`; `""`: no proxy at all.
    public var proxy: String?
    /// False turns TLS certificate verification off for this feed (every fetch warns).
    public var tlsVerify = true
    public var limits = FetchLimitsOverride()
    /// nil: the global `notify_existing`.
    public var notifyExisting: NotifyExisting?
    public var retention = RetentionOverride()
    /// Labels for people (from OPML: the titles of the enclosing outlines); feedd does nothing with them.
    public var tags: [String] = []
    /// Where the feed was defined: `config/feedd.toml:14`, `feeds.d/news.toml:3`, `subscriptions.opml`.
    public var origin = ""

    public init() {}

    /// Whether `other` has the same settings, wherever each was written (`origin` aside): what a
    /// reload compares to decide whether this one changed.
    public func hasSameSettings(as other: FeedConfiguration) -> Bool {
        var other = other
        other.origin = origin
        return self == other
    }

    public init(name: String, url: String) {
        self.name = name
        self.url = url
    }

    static let options: [ConfigOption<Self>] =
        [
            .value("name", \.name, .string, required: true, doc: "unique name of the feed", check: Checks.name),
            .value(
                "url", \.url, .feedURL, required: true,
                doc: "http, https or file URL; a path without a scheme is a file relative to this file's folder"),
            .value("enabled", \.enabled, .boolean, doc: "false: not polled (its stored items are kept)"),
            .value(
                "interval", \.interval, .optional(.duration), defaultText: "global `interval`",
                doc: "time between polls of this feed"),
            .value("hooks", \.hooks, .list(.string), doc: "hooks fired for this feed, besides the global `hooks`"),
            .section("filter", \.filter, doc: "which items of this feed fire hooks"),
            .value(
                "headers", \.headers, .map(.secret), doc: "extra request headers; values may be secrets",
                check: Checks.headers),
            .section("auth", \.auth, doc: "HTTP basic authentication"),
            .value(
                "proxy", \.proxy, .optional(.string), defaultText: "from http_proxy, https_proxy, no_proxy",
                doc: "proxy URL for this feed; \"\" for none", check: { $0.flatMap(Self.checkProxy) }),
            .value("tls_verify", \.tlsVerify, .boolean, doc: "false turns certificate verification off (warned)"),
            .value(
                "notify_existing", \.notifyExisting, .optional(.notifyExisting),
                defaultText: "global `notify_existing`",
                doc: "what the first poll does with the items already there: false, true, or the newest N"),
            .section("retention", \.retention, doc: "this feed's retention"),
            .value("tags", \.tags, .list(.string), doc: "labels for people; OPML categories land here"),
        ] + FetchLimitsOverride.options.map { $0.lifted(\Self.limits) }

    @Sendable static func checkProxy(_ proxy: String) -> String? {
        guard !proxy.isEmpty else { return nil }
        let schemes = ["http", "https", "socks4", "socks4a", "socks5", "socks5h"]
        guard let colon = proxy.firstRange(of: "://"), schemes.contains(proxy[..<colon.lowerBound].lowercased()),
            proxy.count > proxy.distance(from: proxy.startIndex, to: colon.upperBound)
        else {
            return "expected a proxy URL like \"http://proxy.example:3128\" (\(schemes.joined(separator: ", ")))"
        }
        return nil
    }
}
