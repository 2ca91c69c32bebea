public import FeedModel
import Foundation
import PostgresNIO
public import Store

/// A document's items sorted into what a commit does with them, as the file store's `classify` does:
/// new, matched by the flood guard (stored, not announced), held (stored, deliveries held), updated, and
/// the remembered keys the document shows again.
struct PollPlan: Sendable {
    struct Candidate: Sendable {
        /// The item's place in the document.
        var index: Int
        var content: Int64
        /// 0 when absent (stored as null).
        var link: Int32
        var title: Int32
    }

    var new: [Candidate] = []
    var matched: [Candidate] = []
    var held: [Candidate] = []
    var updated: [(candidate: Candidate, firstSeen: Timestamp)] = []
    /// Remembered keys (retention dropped the item) the document shows: their record is refreshed.
    var remembered: [String] = []
    var unchanged = 0
    var isFirstPoll = true
}

extension PostgresStore {
    /// Stores one poll of `feed` that brought a document, and ends the lease, in one transaction with the
    /// file store's semantics (`FileStore.commit`): the new fetch state; items never seen under the feed
    /// (new), those whose content changed under a kept key (updated); a key once seen, even if retention
    /// dropped the item since, is never new again; the flood guard (`StoreOptions.FloodGuard`) matches a
    /// suspicious burst of new keys to kept items by link and title and holds the deliveries of what
    /// remains a flood; and a delivery per hook that `deliveries` names for each new, held or updated item
    /// (in that order, as the file store queues them). Refused with `feedLeaseLost`, nothing written, when
    /// this instance does not hold the feed's lease; `unknownFeed` for a feed the database lacks.
    public func commitPoll(
        feed: String, items: [FeedItem], fetchState: FeedFetchState, now: Timestamp,
        deliveries: @escaping @Sendable (StoredItem, ItemEvent) -> [String]
    ) async throws(PostgresStoreError) -> CommitResult {
        let owner = instance
        let committed: CommitResult? = try await transaction("storing a poll of feed \"\(feed)\"") { connection in
            guard let (feedID, polls) = try await self.lockLeasedFeed(feed, owner: owner, on: connection) else {
                return nil
            }
            let plan = try await self.classify(feedID: feedID, polls: polls, items: items, on: connection)
            return try await self.write(
                plan, feed: feed, feedID: feedID, polls: polls, items: items, fetchState: fetchState, now: now,
                deliveries: deliveries, on: connection)
        }
        guard let committed else { throw try await leaseLost(feed) }
        return committed
    }

    /// What `commitPoll` would do with `items` now, writing nothing.
    public func previewPoll(feed: String, items: [FeedItem]) async throws(PostgresStoreError) -> CommitPreview {
        let plan = try await transaction("previewing a poll of feed \"\(feed)\"") { connection in
            let rows = try await connection.query(
                "SELECT id, polls FROM feeds WHERE name = \(feed)", logger: self.logger)
            var found: (Int64, Int64)?
            for try await row in rows.decode((Int64, Int64).self) { found = row }
            guard let (feedID, polls) = found else {
                return try await self.classify(feedID: nil, polls: 0, items: items, on: connection)
            }
            return try await self.classify(feedID: feedID, polls: polls, items: items, on: connection)
        }
        var preview = CommitPreview()
        preview.new = plan.new.map { items[$0.index] }
        preview.updated = plan.updated.map { items[$0.candidate.index] }
        preview.heldOrMatched = (plan.held + plan.matched).map { items[$0.index] }
        preview.unchanged = plan.unchanged
        preview.isFirstPoll = plan.isFirstPoll
        return preview
    }

    /// Sorts a document's items against what the database holds of the feed (`FileStore.classify`).
    func classify(
        feedID: Int64?, polls: Int64, items: [FeedItem], on connection: PostgresConnection
    ) async throws -> PollPlan {
        var plan = PollPlan()
        var seen = Set<String>()
        var unique: [Int] = []
        for (index, item) in items.enumerated() where seen.insert(item.key).inserted { unique.append(index) }
        func candidate(_ index: Int) -> PollPlan.Candidate {
            let item = items[index]
            return PollPlan.Candidate(
                index: index, content: Int64(bitPattern: Fingerprint.content(of: item)),
                link: Int32(bitPattern: Fingerprint.link(item.link)),
                title: Int32(bitPattern: Fingerprint.title(item.title)))
        }
        guard let feedID else {
            plan.new = unique.map(candidate)
            return plan
        }
        let keys = unique.map { items[$0].key }
        // A remembered key copied from the file store is known by its hash only (`hash:…`, schema version 3):
        // each key is looked up in both forms.
        var byHash: [String: String] = [:]
        for key in keys { byHash[StoreCopy.RememberedKey.hashText(ofKey: key)] = key }
        let rows = try await connection.query(
            """
            SELECT key, body IS NULL, content_hash, first_seen FROM items
            WHERE feed_id = \(feedID) AND key = ANY(\(keys + Array(byHash.keys))::text[])
            """, logger: logger)
        var stored: [String: (storedKey: String, remembered: Bool, content: Int64?, firstSeen: Date)] = [:]
        for try await (key, remembered, content, firstSeen) in rows.decode((String, Bool, Int64?, Date).self) {
            if let documentKey = byHash[key], remembered {
                if stored[documentKey] == nil { stored[documentKey] = (key, true, nil, firstSeen) }
            } else {
                stored[key] = (key, remembered, content, firstSeen)
            }
        }
        let history = try await connection.query(
            "SELECT EXISTS (SELECT 1 FROM items WHERE feed_id = \(feedID))", logger: logger)
        var hasHistory = false
        for try await exists in history.decode(Bool.self) { hasHistory = exists }
        plan.isFirstPoll = polls == 0 && !hasHistory

        for index in unique {
            let item = items[index]
            guard let entry = stored[item.key] else {
                plan.new.append(candidate(index))
                continue
            }
            if entry.remembered {
                plan.unchanged += 1
                plan.remembered.append(entry.storedKey)
                continue
            }
            let next = candidate(index)
            if entry.content == next.content {
                plan.unchanged += 1
            } else {
                plan.updated.append((next, Timestamp(entry.firstSeen)))
            }
        }
        guard polls > 0, hasHistory else { return plan }
        guard options.floodGuard.isSuspected(newItems: plan.new.count, documentItems: items.count) else {
            return plan
        }
        // A suspected flood: first match the new keys to kept items by normalized link or title.
        var links = Set<Int32>()
        var titles = Set<Int32>()
        let kept = try await connection.query(
            """
            SELECT coalesce(link_hash, 0), coalesce(title_hash, 0) FROM items
            WHERE feed_id = \(feedID) AND body IS NOT NULL
            """, logger: logger)
        for try await (link, title) in kept.decode((Int32, Int32).self) {
            if link != 0 { links.insert(link) }
            if title != 0 { titles.insert(title) }
        }
        options.floodGuard.matchAndHold(
            new: &plan.new, matched: &plan.matched, held: &plan.held, documentItems: items.count,
            keptLinks: links, keptTitles: titles, link: \.link, title: \.title)
        return plan
    }

    /// Writes what `classify` decided, queues the deliveries, stores the fetch state and ends the lease.
    private func write(
        _ plan: PollPlan, feed: String, feedID: Int64, polls: Int64, items: [FeedItem],
        fetchState: FeedFetchState, now: Timestamp,
        deliveries: @Sendable (StoredItem, ItemEvent) -> [String], on connection: PostgresConnection
    ) async throws -> CommitResult {
        let time = now.date
        func body(_ item: FeedItem) -> String {
            var writer = JSONWriter(reservingCapacity: 1024)
            item.writeJSON(to: &writer)
            return String(decoding: writer.bytes, as: UTF8.self)
        }
        func columns(_ candidates: [PollPlan.Candidate]) -> ([String], [String], [Int64], [Int32], [Int32]) {
            (
                candidates.map { items[$0.index].key }, candidates.map { body(items[$0.index]) },
                candidates.map(\.content), candidates.map(\.link), candidates.map(\.title)
            )
        }
        let inserted = plan.new + plan.matched + plan.held
        if !inserted.isEmpty {
            let (keys, bodies, contents, links, titles) = columns(inserted)
            try await connection.query(
                """
                INSERT INTO items (feed_id, key, first_seen, body, hash, content_hash, link_hash, title_hash)
                SELECT \(feedID), key, \(time), body::json, sha256(convert_to(body, 'UTF8')), content,
                    nullif(link, 0), nullif(title, 0)
                FROM unnest(\(keys)::text[], \(bodies)::text[], \(contents)::bigint[], \(links)::integer[],
                    \(titles)::integer[]) WITH ORDINALITY AS given (key, body, content, link, title, position)
                ORDER BY position
                ON CONFLICT (feed_id, key) DO NOTHING
                """, logger: logger)
        }
        if !plan.updated.isEmpty {
            let (keys, bodies, contents, links, titles) = columns(plan.updated.map(\.candidate))
            try await connection.query(
                """
                UPDATE items AS i SET body = given.body::json, hash = sha256(convert_to(given.body, 'UTF8')),
                    content_hash = given.content, link_hash = nullif(given.link, 0),
                    title_hash = nullif(given.title, 0), changed = \(time)
                FROM unnest(\(keys)::text[], \(bodies)::text[], \(contents)::bigint[], \(links)::integer[],
                    \(titles)::integer[]) AS given (key, body, content, link, title)
                WHERE i.feed_id = \(feedID) AND i.key = given.key
                """, logger: logger)
        }
        if !plan.remembered.isEmpty {
            try await connection.query(
                """
                UPDATE items SET last_seen_poll = \(polls + 1), last_seen = \(time)
                WHERE feed_id = \(feedID) AND key = ANY(\(plan.remembered)::text[]) AND body IS NULL
                """, logger: logger)
        }

        var result = CommitResult()
        result.unchanged = plan.unchanged
        result.new = plan.new.map { items[$0.index] }
        result.matched = plan.matched.map { items[$0.index] }
        result.held = plan.held.map { items[$0.index] }
        result.updated = plan.updated.map { items[$0.candidate.index] }
        var queue: [(key: String, hook: String, event: ItemEvent, status: String)] = []
        func add(_ item: FeedItem, _ event: ItemEvent, _ status: String, firstSeen: Timestamp) {
            let stored = StoredItem(
                feed: feed, item: item, firstSeen: firstSeen, updated: event == .updated ? now : nil)
            for hook in deliveries(stored, event) { queue.append((item.key, hook, event, status)) }
        }
        for item in result.new { add(item, .new, "pending", firstSeen: now) }
        for item in result.held { add(item, .new, "held", firstSeen: now) }
        for (candidate, firstSeen) in plan.updated {
            add(items[candidate.index], .updated, "pending", firstSeen: firstSeen)
        }
        if !queue.isEmpty {
            let rows = try await connection.query(
                """
                INSERT INTO deliveries (feed_id, item_key, hook, event, status, retry_at, created)
                SELECT \(feedID), key, hook, event, status, \(time), \(time)
                FROM unnest(\(queue.map(\.key))::text[], \(queue.map(\.hook))::text[],
                    \(queue.map(\.event.name))::text[], \(queue.map(\.status))::text[])
                    WITH ORDINALITY AS given (key, hook, event, status, position)
                ORDER BY position
                RETURNING id, item_key, hook, event, status
                """, logger: logger)
            for try await (id, key, hook, event, status) in rows.decode((Int64, String, String, String, String).self) {
                result.deliveries.append(
                    Delivery(
                        id: UInt64(id), hook: hook, feed: feed, itemKey: key,
                        event: event == "updated" ? .updated : .new, status: status == "held" ? .held : .pending,
                        nextAttempt: now, created: now))
            }
            result.deliveries.sort { $0.id < $1.id }
        }
        try await storeFetchState(feedID, fetchState, countPoll: true, on: connection)
        return result
    }
}
