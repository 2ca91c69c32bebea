/// What a feed says about when it changes, for the daemon's schedule: RSS `<ttl>`, `<skipHours>` and
/// `<skipDays>`, and the syndication module's `updatePeriod`, `updateFrequency` and `updateBase` (namespace
/// `http://purl.org/rss/1.0/modules/syndication/`, whatever prefix the feed binds it to). Read from the
/// channel (or Atom feed) element, never from an item; a value that is not a number or name the element
/// allows is left out.
///
/// Not part of the `feedd parse` output (spec/feed-json.md lists its fields): only the daemon reads it.
public struct UpdateHints: Sendable, Hashable {
    /// `<ttl>`: minutes the channel may be cached before it is read again (positive).
    public var ttlMinutes: Int?
    /// `<skipHours>`: hours (0-23, UTC; 24 is read as 0) in which not to poll.
    public var skipHours: Set<Int>
    /// `<skipDays>`: days (0 Sunday … 6 Saturday, UTC) on which not to poll.
    public var skipDays: Set<Int>
    /// `updatePeriod` in seconds: hourly, daily, weekly, monthly (30 days) or yearly (365 days).
    public var updatePeriodSeconds: Int?
    /// `updateFrequency`: updates per period (positive; the module's default is 1).
    public var updateFrequency: Int?
    /// `updateBase`: when the periods are counted from.
    public var updateBase: Timestamp?

    public init(
        ttlMinutes: Int? = nil, skipHours: Set<Int> = [], skipDays: Set<Int> = [], updatePeriodSeconds: Int? = nil,
        updateFrequency: Int? = nil, updateBase: Timestamp? = nil
    ) {
        self.ttlMinutes = ttlMinutes
        self.skipHours = skipHours
        self.skipDays = skipDays
        self.updatePeriodSeconds = updatePeriodSeconds
        self.updateFrequency = updateFrequency
        self.updateBase = updateBase
    }

    /// Seconds between updates: the period divided by the frequency; nil without a period.
    public var updateIntervalSeconds: Int? {
        updatePeriodSeconds.map { $0 / (updateFrequency ?? 1) }
    }
}
