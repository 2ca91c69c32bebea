import FeedModel

/// The merged feed of the listener (`GET /feed.atom`, `GET /feed.json`): the newest stored items of every
/// feed, of one feed or of one tag, newest first by first-seen time, as an Atom 1.0 document
/// (`MergedFeed+Atom.swift`) or a JSON Feed 1.1 (`MergedFeed+JSONFeed.swift`). Plain values, no I/O:
/// `StatusServer.mergedFeed` gathers them.
struct MergedFeed {
    /// What the query asked for.
    struct Selection: Sendable, Hashable {
        var feed: String?
        var tag: String?
        var limit: Int

        static let defaultLimit = 50
        static let maximumLimit = 1000

        /// Reads `feed`, `tag` and `limit` (other parameters are ignored); a bad `limit` is a sentence
        /// for the `400` answer.
        static func parse(feed: String?, tag: String?, limit: String?) -> Result<Selection, SelectionError> {
            var selection = Selection(feed: feed, tag: tag, limit: defaultLimit)
            if let limit {
                guard let value = Int(limit), value >= 1 else {
                    return .failure(
                        SelectionError(
                            reason: "limit must be a whole number from 1 to \(maximumLimit), got \"\(limit)\""))
                }
                selection.limit = min(value, maximumLimit)
            }
            if feed?.isEmpty == true { return .failure(SelectionError(reason: "feed must name a feed")) }
            if tag?.isEmpty == true { return .failure(SelectionError(reason: "tag must name a tag")) }
            return .success(selection)
        }

        /// The document's title: `feedd: all feeds`, `feedd: feed lwn`, `feedd: tag linux`.
        var title: String {
            var parts: [String] = []
            if let feed { parts.append("feed \(feed)") }
            if let tag { parts.append("tag \(tag)") }
            return "feedd: " + (parts.isEmpty ? "all feeds" : parts.joined(separator: ", "))
        }
    }

    struct SelectionError: Error, Sendable {
        var reason: String
    }

    /// The feed an entry came from, as `source` names it.
    struct Source: Sendable {
        var name: String
        var title: String?
        /// Masked: no password.
        var url: String?
        var lastSuccess: Timestamp?
    }

    struct Entry: Sendable {
        var feed: String
        var item: FeedItem
        var firstSeen: Timestamp
        /// When the store last saw its content change under the same key.
        var changed: Timestamp?

        /// Stable across requests and restarts: it depends on the feed's name and the item's key only.
        var id: String { MergedFeed.urn("entry", feed, item.key) }

        /// Atom's `updated`: the item's own date when it gives one, else when feedd saw it change or appear.
        var updated: Timestamp { item.updated ?? changed ?? item.published ?? firstSeen }

        /// When feedd last saw it appear or change (for `Last-Modified`).
        var seen: Timestamp { max(firstSeen, changed ?? firstSeen) }
    }

    var selection: Selection
    var entries: [Entry]
    var sources: [String: Source]
    /// This document's own URL (`link rel="self"`, JSON Feed's `feed_url`).
    var selfURL: String
    /// The status page's URL.
    var homeURL: String
    /// The store's directory: two daemons' merged feeds have different ids.
    var stateDirectory: String
    /// When there is no entry to date the document by.
    var emptyUpdated: Timestamp

    /// The document's id: the same for the same selection of the same store.
    var id: String {
        Self.urn("feed", stateDirectory, selection.feed ?? "", selection.tag ?? "")
    }

    /// The newest time an entry was seen or changed; when the document has no entries, `emptyUpdated`.
    var updated: Timestamp { entries.map(\.seen).max() ?? emptyUpdated }

    /// The newest time an entry was seen or changed (`Last-Modified`); nil without entries.
    var lastModified: Timestamp? { entries.map(\.seen).max() }

    /// A name-based `urn:uuid:` (RFC 9562 version 8, from a SHA-256 of the parts): the same parts give the
    /// same URN on every run and every machine.
    static func urn(_ kind: String, _ parts: String...) -> String {
        // `ItemKey` is FeedModel's SHA-256 of a tagged string; the tag makes it ours, the NULs keep the
        // parts apart.
        let key = ItemKey.make(.id((["feedd merged " + kind] + parts).joined(separator: "\u{0}")))
        var hex = Array(key.dropFirst("sha256:".count).prefix(32))
        guard hex.count == 32 else { return "urn:uuid:00000000-0000-8000-8000-000000000000" }
        hex[12] = "8"
        let variant = Int(String(hex[16]), radix: 16) ?? 0
        hex[16] = Character(String(8 | (variant & 3), radix: 16))
        let text = String(hex)
        func part(_ from: Int, _ to: Int) -> Substring {
            text[text.index(text.startIndex, offsetBy: from)..<text.index(text.startIndex, offsetBy: to)]
        }
        return "urn:uuid:\(part(0, 8))-\(part(8, 12))-\(part(12, 16))-\(part(16, 20))-\(part(20, 32))"
    }
}

extension Timestamp {
    /// The IMF-fixdate of RFC 9110 (`Sun, 06 Nov 1994 08:49:37 GMT`), for `Last-Modified`.
    var imfFixdate: String {
        let (year, month, day, hour, minute, second) = components
        let days = secondsSince1970 >= 0 ? secondsSince1970 / 86_400 : (secondsSince1970 - 86_399) / 86_400
        let weekday = Int(((days % 7) + 7 + 4) % 7)  // 1970-01-01 was a Thursday.
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[weekday]), \(two(day)) \(months[max(0, min(11, month - 1))]) \(year) "
            + "\(two(hour)):\(two(minute)):\(two(second)) GMT"
    }
}
