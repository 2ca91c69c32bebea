import FeedModel
import Foundation
import PostgresNIO
import Store

extension PostgresStore {
    /// Makes the database's feeds the configuration's, by name, in one transaction: adds new ones, updates a
    /// changed URL (clearing `next_due`, so that the feed is polled soon) and marks the feeds not listed
    /// `removed_at` (kept, with their items, never claimed; listing them again brings them back). Records
    /// `record` as running and returns every instance, by name.
    func adoptFeeds(
        _ feeds: [ConfiguredFeed], record: InstanceRecord, now: Timestamp
    ) async throws(PostgresStoreError) -> [InstanceRecord] {
        let names = feeds.map(\.name)
        let urls = feeds.map(\.url)
        let time = now.date
        return try await transaction("adopting the configuration's \(feeds.count) feeds") { connection in
            try await connection.query(
                """
                INSERT INTO feeds AS f (name, configured_url, created)
                SELECT name, url, \(time) FROM unnest(\(names)::text[], \(urls)::text[]) AS given (name, url)
                ON CONFLICT (name) DO UPDATE SET configured_url = EXCLUDED.configured_url, removed_at = NULL,
                    next_due = CASE WHEN f.configured_url = EXCLUDED.configured_url THEN f.next_due END
                """, logger: self.logger)
            try await connection.query(
                """
                UPDATE feeds SET removed_at = \(time)
                WHERE removed_at IS NULL AND NOT (name = ANY(\(names)::text[]))
                """, logger: self.logger)
            try await connection.query(
                """
                INSERT INTO instances (name, config_digest, started, last_seen)
                VALUES (\(record.name), \(record.configDigest), \(record.started.date), \(record.lastSeen.date))
                ON CONFLICT (name) DO UPDATE SET config_digest = EXCLUDED.config_digest,
                    started = EXCLUDED.started, last_seen = EXCLUDED.last_seen
                """, logger: self.logger)
            return try await self.instanceRows(on: connection)
        }
    }

    /// Every instance recorded, by name.
    func knownInstances() async throws(PostgresStoreError) -> [InstanceRecord] {
        try await transaction("listing instances") { connection in try await self.instanceRows(on: connection) }
    }

    private func instanceRows(on connection: PostgresConnection) async throws -> [InstanceRecord] {
        let rows = try await connection.query(
            "SELECT name, config_digest, started, last_seen FROM instances ORDER BY name", logger: logger)
        var records: [InstanceRecord] = []
        for try await (name, digest, started, lastSeen) in rows.decode((String, String, Date, Date).self) {
            records.append(
                InstanceRecord(
                    name: name, configDigest: digest, started: Timestamp(started), lastSeen: Timestamp(lastSeen)))
        }
        return records
    }

    /// Retention and key memory (docs/store.md): per feed, items past the newest `maxItems` (by first-seen
    /// time) or first seen more than `maxAge` ago lose their body and become remembered keys, unless a
    /// delivery (pending, held or dead) needs them; remembered keys the feed has not shown for both
    /// `KeyMemory.polls` polls and `KeyMemory.age` are forgotten, with the delivered history of their items.
    func applyRetention(now: Timestamp) async throws(PostgresStoreError) -> CompactionReport {
        let time = now.date
        let standard = options.retention
        let overrides = options.retentionByFeed.sorted { $0.key < $1.key }
        let names = overrides.map(\.key)
        let maxItems = overrides.map { Int64($0.value.maxItems) }
        let maxAges = overrides.map { $0.value.maxAge.components.seconds }
        let memory = options.keyMemory
        return try await transaction("applying retention") { connection in
            let dropped = try await self.count(
                connection.query(
                    """
                    WITH limits AS (
                        SELECT f.id, f.polls, coalesce(o.max_items, \(Int64(standard.maxItems))) AS max_items,
                            coalesce(o.max_age, \(standard.maxAge.components.seconds)) AS max_age
                        FROM feeds AS f
                        LEFT JOIN unnest(\(names)::text[], \(maxItems)::bigint[], \(maxAges)::bigint[])
                            AS o (name, max_items, max_age) ON o.name = f.name
                    ), ranked AS (
                        SELECT i.feed_id, i.key, i.first_seen,
                            row_number() OVER (PARTITION BY i.feed_id ORDER BY i.first_seen DESC, i.seq DESC) AS rank
                        FROM items AS i WHERE i.body IS NOT NULL
                    ), doomed AS (
                        SELECT r.feed_id, r.key, l.polls FROM ranked AS r JOIN limits AS l ON l.id = r.feed_id
                        WHERE (r.rank > l.max_items OR r.first_seen < \(time)::timestamptz - make_interval(secs => l.max_age))
                            AND NOT EXISTS (
                                SELECT 1 FROM deliveries AS d
                                WHERE d.feed_id = r.feed_id AND d.item_key = r.key AND d.status <> 'delivered')
                    )
                    UPDATE items AS i SET body = NULL, link_hash = NULL, title_hash = NULL,
                        last_seen_poll = doomed.polls, last_seen = \(time)
                    FROM doomed WHERE i.feed_id = doomed.feed_id AND i.key = doomed.key
                    RETURNING 1
                    """, logger: self.logger))
            let forgotten = try await self.count(
                connection.query(
                    """
                    DELETE FROM items AS i USING feeds AS f
                    WHERE f.id = i.feed_id AND i.body IS NULL
                        AND f.polls - coalesce(i.last_seen_poll, 0) > \(Int64(memory.polls))
                        AND coalesce(i.last_seen, i.first_seen)
                            < \(time)::timestamptz - make_interval(secs => \(memory.age.components.seconds))
                        AND NOT EXISTS (
                            SELECT 1 FROM deliveries AS d
                            WHERE d.feed_id = i.feed_id AND d.item_key = i.key AND d.status <> 'delivered')
                    RETURNING 1
                    """, logger: self.logger))
            var report = CompactionReport()
            report.itemsDropped = dropped
            report.keysForgotten = forgotten
            return report
        }
    }

    /// Consistency checks (`feedd store check`): one report per table with its size and rows, and the
    /// problems found: a schema version this build does not know, kept items whose body is not what was
    /// stored (its SHA-256 differs), deliveries waiting for an item whose body is gone, half-set leases.
    func checkTables() async throws(PostgresStoreError) -> StoreCheckReport {
        try await transaction("checking the database") { connection in
            var report = StoreCheckReport()
            func value(_ query: PostgresQuery) async throws -> Int64 {
                for try await number in try await connection.query(query, logger: self.logger).decode(Int64.self) {
                    return number
                }
                return 0
            }
            for table in ["schema_version", "feeds", "items", "deliveries", "host_pauses", "instances"] {
                let bytes = try await value("SELECT pg_total_relation_size(\(table)::regclass)")
                let rows = try await value("SELECT count(*) FROM \(unescaped: table)")
                report.files.append(StoreCheckReport.FileReport(name: table, bytes: Int(bytes), records: Int(rows)))
            }
            let version = try await value("SELECT coalesce(max(version), 0)::bigint FROM schema_version")
            if version != Int64(Schema.latest) {
                report.files[0].problems.append(
                    "schema version \(version), this feedd knows \(Schema.latest) (run the daemon once to migrate)")
            }
            let halfLeases = try await value(
                "SELECT count(*) FROM feeds WHERE (lease_owner IS NULL) <> (lease_expires IS NULL)")
            if halfLeases > 0 { report.files[1].problems.append("\(halfLeases) feeds with half a lease") }
            let orphans = try await value(
                """
                SELECT count(*) FROM deliveries AS d JOIN items AS i ON i.feed_id = d.feed_id AND i.key = d.item_key
                WHERE d.status <> 'delivered' AND i.body IS NULL
                """)
            if orphans > 0 {
                report.files[3].problems.append("\(orphans) deliveries wait for an item whose body is gone")
            }
            let bad = try await connection.query(
                """
                SELECT f.name, i.key FROM items AS i JOIN feeds AS f ON f.id = i.feed_id
                WHERE i.body IS NOT NULL AND i.hash <> sha256(convert_to(i.body::text, 'UTF8'))
                ORDER BY f.name, i.key
                """, logger: self.logger)
            for try await (feed, key) in bad.decode((String, String).self) {
                report.badBodies.append("feed \"\(feed)\": item \(key): the body does not match its stored hash")
            }
            report.feeds = Int(try await value("SELECT count(*) FROM feeds"))
            report.items = Int(try await value("SELECT count(*) FROM items WHERE body IS NOT NULL"))
            report.rememberedKeys = Int(try await value("SELECT count(*) FROM items WHERE body IS NULL"))
            report.deliveries = Int(try await value("SELECT count(*) FROM deliveries WHERE status <> 'delivered'"))
            return report
        }
    }
}
