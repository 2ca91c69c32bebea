/// How long and how much one fetch may take (`Fetcher.FetchLimits`); global keys, each of which a
/// feed may override.
public struct FetchLimitsConfiguration: Sendable, Hashable, ConfigSection {
    public var connectTimeout: ConfigDuration = .seconds(15)
    /// The whole fetch, redirects included.
    public var timeout: ConfigDuration = .seconds(60)
    /// Abort when fewer than `lowSpeedLimit` bytes per second arrive for `lowSpeedTime`.
    public var lowSpeedLimit = 1
    public var lowSpeedTime: ConfigDuration = .seconds(30)
    /// Counted after decompression.
    public var maxBodySize: ByteSize = .mebibytes(32)
    public var maxRedirects = 10

    public init() {}

    /// `overrides` applied over these limits.
    public func applying(_ overrides: FetchLimitsOverride) -> FetchLimitsConfiguration {
        var result = self
        if let value = overrides.connectTimeout { result.connectTimeout = value }
        if let value = overrides.timeout { result.timeout = value }
        if let value = overrides.lowSpeedLimit { result.lowSpeedLimit = value }
        if let value = overrides.lowSpeedTime { result.lowSpeedTime = value }
        if let value = overrides.maxBodySize { result.maxBodySize = value }
        if let value = overrides.maxRedirects { result.maxRedirects = value }
        return result
    }

    /// Written flat in the global table (`ConfigOption.lifted`).
    static let options: [ConfigOption<Self>] = [
        .value(
            "connect_timeout", \.connectTimeout, .duration,
            doc: "longest wait for a connection (TCP and TLS)", check: Checks.positive),
        .value(
            "timeout", \.timeout, .duration,
            doc: "longest a whole fetch may take, redirects included", check: Checks.positive),
        .value(
            "low_speed_limit", \.lowSpeedLimit, .integer,
            doc: "abort when fewer bytes per second than this arrive for `low_speed_time`",
            check: Checks.nonNegative),
        .value(
            "low_speed_time", \.lowSpeedTime, .duration,
            doc: "how long a fetch may stay under `low_speed_limit`", check: Checks.atLeastOneSecond),
        .value(
            "max_body_size", \.maxBodySize, .size,
            doc: "largest body accepted, counted after decompression", check: Checks.positiveSize),
        .value(
            "max_redirects", \.maxRedirects, .integer, doc: "most redirects followed",
            check: Checks.nonNegative),
    ]
}

/// A feed's overrides of the global fetch limits; nil keeps the global value.
public struct FetchLimitsOverride: Sendable, Hashable, ConfigSection {
    public var connectTimeout: ConfigDuration?
    public var timeout: ConfigDuration?
    public var lowSpeedLimit: Int?
    public var lowSpeedTime: ConfigDuration?
    public var maxBodySize: ByteSize?
    public var maxRedirects: Int?

    public init() {}

    public var isEmpty: Bool { self == FetchLimitsOverride() }

    /// Written flat in a `[[feed]]` table (`ConfigOption.lifted`).
    static let options: [ConfigOption<Self>] = [
        .value(
            "connect_timeout", \.connectTimeout, .optional(.duration),
            defaultText: "global", doc: "this feed's connection timeout", check: { $0.flatMap(Checks.positive) }),
        .value(
            "timeout", \.timeout, .optional(.duration), defaultText: "global",
            doc: "this feed's whole-fetch timeout", check: { $0.flatMap(Checks.positive) }),
        .value(
            "low_speed_limit", \.lowSpeedLimit, .optional(.integer),
            defaultText: "global", doc: "this feed's low-speed limit (bytes per second)",
            check: { $0.flatMap(Checks.nonNegative) }),
        .value(
            "low_speed_time", \.lowSpeedTime, .optional(.duration),
            defaultText: "global", doc: "this feed's low-speed time", check: { $0.flatMap(Checks.atLeastOneSecond) }),
        .value(
            "max_body_size", \.maxBodySize, .optional(.size), defaultText: "global",
            doc: "this feed's largest body", check: { $0.flatMap(Checks.positiveSize) }),
        .value(
            "max_redirects", \.maxRedirects, .optional(.integer), defaultText: "global",
            doc: "this feed's most redirects", check: { $0.flatMap(Checks.nonNegative) }),
    ]
}

/// Value rules shared by several options: each returns a message, or nil when the value is fine.
enum Checks {
    @Sendable static func positive(_ value: ConfigDuration) -> String? {
        value.milliseconds > 0 ? nil : "must be longer than 0s"
    }

    @Sendable static func atLeastOneSecond(_ value: ConfigDuration) -> String? {
        value.milliseconds >= 1000 ? nil : "must be at least 1s"
    }

    @Sendable static func nonNegative(_ value: Int) -> String? {
        value >= 0 ? nil : "must not be negative"
    }

    @Sendable static func atLeastOne(_ value: Int) -> String? {
        value >= 1 ? nil : "must be at least 1"
    }

    @Sendable static func positiveSize(_ value: ByteSize) -> String? {
        value.bytes > 0 ? nil : "must be more than 0 bytes"
    }

    /// A name for a feed or hook: letters, digits, `-`, `_` and `.`, starting with a letter or digit.
    /// Feed and hook names: `NameRule`.
    @Sendable static func name(_ value: String) -> String? {
        NameRule.problem(value)
    }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }

    /// HTTP header names are tokens; values hold no line breaks.
    @Sendable static func headers(_ headers: [NamedValue<Secret>]) -> String? {
        for header in headers {
            let tokenCharacters = "!#$%&'*+-.^_`|~"
            let isToken =
                !header.name.isEmpty
                && header.name.unicodeScalars.allSatisfy {
                    $0.isASCII && (isAlphanumeric($0) || tokenCharacters.unicodeScalars.contains($0))
                }
            if !isToken { return "\(TOMLText.quoted(header.name)) is not a valid header name" }
            if case .literal(let value) = header.value, value.contains(where: { $0 == "\r" || $0 == "\n" }) {
                return "the value of \(header.name) holds a line break"
            }
        }
        return nil
    }
}
