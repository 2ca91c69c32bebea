import FeedModel
import Foundation
import PostgresNIO
import Store

extension PostgresStore {
    /// Every feed in the database (removed ones too), by name, with its counts.
    func feedSummaries() async throws(PostgresStoreError) -> [FeedSummary] {
        try await transaction("listing feeds") { connection in
            let rows = try await connection.query(
                """
                SELECT f.name, f.url, f.etag, f.last_modified, f.next_due, f.consecutive_failures, f.last_error,
                    f.last_error_at, f.last_success, f.title, f.polls,
                    (SELECT count(*) FROM items AS i WHERE i.feed_id = f.id AND i.body IS NOT NULL),
                    (SELECT count(*) FROM items AS i WHERE i.feed_id = f.id AND i.body IS NULL),
                    (SELECT count(*) FROM deliveries AS d WHERE d.feed_id = f.id AND d.status = 'held')
                FROM feeds AS f ORDER BY f.name
                """, logger: self.logger)
            var feeds: [FeedSummary] = []
            for try await row in rows.decode(
                (
                    String, String?, String?, String?, Date?, Int32, String?, Date?, Date?, String?, Int64, Int64,
                    Int64, Int64
                ).self)
            {
                let state = FeedFetchState(
                    url: row.1, etag: row.2, lastModified: row.3, nextDue: row.4.map(Timestamp.init),
                    consecutiveFailures: Int(row.5), lastError: row.6, lastErrorAt: row.7.map(Timestamp.init),
                    lastSuccess: row.8.map(Timestamp.init), title: row.9)
                feeds.append(
                    FeedSummary(
                        name: row.0, state: state, itemCount: Int(row.11), rememberedKeys: Int(row.12),
                        heldCount: Int(row.13), polls: Int(row.10)))
            }
            return feeds
        }
    }

    /// What the database remembers of `feed`'s polling; nil for a feed never fetched (none in the database,
    /// or only added by `adopt`, as the file store knows nothing of it then).
    func storedFetchState(feed: String) async throws(PostgresStoreError) -> FeedFetchState? {
        try await transaction("reading the fetch state of feed \"\(feed)\"") { connection in
            let rows = try await connection.query(
                """
                SELECT url, etag, last_modified, next_due, consecutive_failures, last_error, last_error_at,
                    last_success, title, polls
                FROM feeds WHERE name = \(feed)
                """, logger: self.logger)
            for try await row in rows.decode(
                (String?, String?, String?, Date?, Int32, String?, Date?, Date?, String?, Int64).self)
            {
                let state = FeedFetchState(
                    url: row.0, etag: row.1, lastModified: row.2, nextDue: row.3.map(Timestamp.init),
                    consecutiveFailures: Int(row.4), lastError: row.5, lastErrorAt: row.6.map(Timestamp.init),
                    lastSuccess: row.7.map(Timestamp.init), title: row.8)
                return row.9 == 0 && state == FeedFetchState() ? nil : state
            }
            return nil
        }
    }

    /// True when the database knows nothing of `feed`: no poll with a document, no kept item, no
    /// remembered key.
    func knowsNothing(feed: String) async throws(PostgresStoreError) -> Bool {
        try await transaction("looking up feed \"\(feed)\"") { connection in
            let rows = try await connection.query(
                """
                SELECT EXISTS (
                    SELECT 1 FROM feeds AS f
                    WHERE f.name = \(feed)
                        AND (f.polls > 0 OR EXISTS (SELECT 1 FROM items AS i WHERE i.feed_id = f.id)))
                """, logger: self.logger)
            for try await known in rows.decode(Bool.self) { return !known }
            return true
        }
    }

    /// Kept items as stored, newest first (first seen, then written); `since` counts an update too.
    func items(feed: String?, since: Timestamp?, limit: Int?) async throws(PostgresStoreError) -> ItemList {
        let from = since?.date
        let limit = limit.map { Int64(clamping: max(0, $0)) }
        return try await transaction("listing items") { connection in
            let rows = try await connection.query(
                """
                SELECT f.name, i.first_seen, i.changed, i.body::text
                FROM items AS i JOIN feeds AS f ON f.id = i.feed_id
                WHERE i.body IS NOT NULL AND (\(feed)::text IS NULL OR f.name = \(feed))
                    AND (\(from)::timestamptz IS NULL
                        OR greatest(i.first_seen, coalesce(i.changed, i.first_seen)) >= \(from))
                ORDER BY i.first_seen DESC, i.seq DESC
                LIMIT \(limit)
                """, logger: self.logger)
            var list = ItemList()
            for try await (name, firstSeen, changed, body) in rows.decode((String, Date, Date?, String).self) {
                list.items.append(
                    ItemListing(
                        feed: name, firstSeen: Timestamp(firstSeen), updated: changed.map(Timestamp.init),
                        json: Array(body.utf8)))
            }
            return list
        }
    }

    /// One kept item by feed and key; `query` fails when its body is not the item JSON.
    func storedItem(feed: String, key: String) async throws(PostgresStoreError) -> StoredItem? {
        let listing: ItemListing? = try await transaction("reading item \(key) of feed \"\(feed)\"") { connection in
            let rows = try await connection.query(
                """
                SELECT i.first_seen, i.changed, i.body::text
                FROM items AS i JOIN feeds AS f ON f.id = i.feed_id
                WHERE f.name = \(feed) AND i.key = \(key) AND i.body IS NOT NULL
                """, logger: self.logger)
            for try await (firstSeen, changed, body) in rows.decode((Date, Date?, String).self) {
                return ItemListing(
                    feed: feed, firstSeen: Timestamp(firstSeen), updated: changed.map(Timestamp.init),
                    json: Array(body.utf8))
            }
            return nil
        }
        guard let listing else { return nil }
        guard let item = listing.item else {
            throw .query(
                operation: "reading item \(key) of feed \"\(feed)\"", reason: "the stored body is not the item JSON")
        }
        return StoredItem(feed: feed, item: item, firstSeen: listing.firstSeen, updated: listing.updated)
    }

    /// Items kept, over all feeds.
    func keptItems() async throws(PostgresStoreError) -> Int {
        try await transaction("counting items") { connection in
            let rows = try await connection.query(
                "SELECT count(*) FROM items WHERE body IS NOT NULL", logger: self.logger)
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
    }
}
