import FeedModel
import Fetcher

extension FreshnessHints {
    /// The hints a parsed document gives (`FeedDocument.updateHints`): RSS `<ttl>`, `<skipHours>`,
    /// `<skipDays>`, and the syndication module's `updatePeriod` over `updateFrequency`. The parser
    /// reads them from the channel by namespace, so a feed that binds the module to a prefix other
    /// than `sy` is read too.
    init(_ document: UpdateHints) {
        self.init(
            ttlMinutes: document.ttlMinutes, skipHours: document.skipHours, skipDays: document.skipDays,
            updatePeriodSeconds: document.updateIntervalSeconds)
    }

    /// The hints of a fetch: `Cache-Control: max-age` and `Expires` (against the response's `Date`).
    mutating func add(_ cache: CacheHints, now: Timestamp) {
        maxAge = cache.maxAge
        if let expires = cache.expires {
            let reference = cache.date ?? now
            expiresIn = Int(max(expires.secondsSince1970 - reference.secondsSince1970, 0))
        }
    }
}
