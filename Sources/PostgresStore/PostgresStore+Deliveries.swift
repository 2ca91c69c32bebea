public import FeedModel
import Foundation
import PostgresNIO
public import Store

/// A delivery this instance holds the lease of.
public struct ClaimedDelivery: Sendable, Hashable {
    public var delivery: Delivery
    /// The lease ends then; after it another instance may take the delivery (and send it again).
    public var leaseExpires: Timestamp
}

extension PostgresStore {
    /// Takes the lease of due pending deliveries, until `leaseUntil`: at most `limit` in all, and at most
    /// `perLane` of each feed and hook, always the first ones of that lane in id order. A delivery is never
    /// claimed while an earlier pending one of the same feed and hook waits for its retry or is leased
    /// (by another instance), so each lane goes out in order across instances. Held and dead deliveries do not
    /// hold a lane up (as in the file store). With `hooks`, only those hooks' deliveries.
    ///
    /// Rows this instance holds already are claimed again: its lane claims a hook's rows one pass at a
    /// time, so they are not in flight; they are the rows of a claim whose answer was lost (the database
    /// went away after committing it) or that a pass left unattempted, which would else wait for the lease
    /// to run out, and the rows behind them in their lanes with them.
    ///
    /// Two steps in one transaction: the lanes' heads are read without locks, then locked with `FOR UPDATE
    /// SKIP LOCKED`; of each lane only the part from its head that was locked whole is claimed, so an
    /// instance that loses the race for a lane's head takes nothing of that lane.
    ///
    /// The first step reads a prefix of the pending rows in id order, not all of them (a first import queues
    /// hundreds of thousands, and a pass claims a page): a lane's earlier rows have lower ids, so whether a
    /// row of the prefix is open and its place in its lane are the same as over the whole table. A prefix of
    /// 4 x `limit` rows is read first; a longer one (4 times as long, and so on) only when it held fewer
    /// than `limit` claimable rows and did not reach the end of the pending rows.
    public func claimDeliveries(
        hooks: [String]? = nil, limit: Int, perLane: Int = 1, leaseUntil: Timestamp, now: Timestamp
    ) async throws(PostgresStoreError) -> [ClaimedDelivery] {
        let owner = instance
        let (time, until) = (now.date, leaseUntil.date)
        let allHooks = hooks == nil
        let hookList = hooks ?? []
        let wanted = Int64(clamping: limit)
        return try await transaction("claiming deliveries") { connection in
            var scan = max(Self.scaled(wanted), 256)
            var found: [(id: Int64, feedID: Int64, hook: String)] = []
            while true {
                let candidates = try await connection.query(
                    """
                    SELECT id, feed_id, hook FROM (
                        SELECT id, feed_id, hook,
                            bool_and(
                                retry_at <= \(time)
                                    AND (lease_expires IS NULL OR lease_expires <= \(time) OR lease_owner = \(owner)))
                                OVER lane AS open,
                            row_number() OVER lane AS place
                        FROM (
                            SELECT id, feed_id, hook, retry_at, lease_expires, lease_owner FROM deliveries
                            WHERE status = 'pending' AND (\(allHooks) OR hook = ANY(\(hookList)::text[]))
                            ORDER BY id
                            LIMIT \(scan)
                        ) AS prefix
                        WINDOW lane AS (PARTITION BY feed_id, hook ORDER BY id)
                    ) AS lanes
                    WHERE open AND place <= \(perLane)
                    ORDER BY id
                    LIMIT \(wanted)
                    """, logger: self.logger)
                found = []
                for try await row in candidates.decode((Int64, Int64, String).self) { found.append(row) }
                if found.count >= limit || scan == Int64.max { break }
                // Fewer than wanted: the answer only when the prefix held every pending row.
                let beyond = try await connection.query(
                    """
                    SELECT EXISTS (
                        SELECT 1 FROM deliveries
                        WHERE status = 'pending' AND (\(allHooks) OR hook = ANY(\(hookList)::text[]))
                        ORDER BY id
                        OFFSET \(scan)
                    )
                    """, logger: self.logger)
                var more = false
                for try await exists in beyond.decode(Bool.self) { more = exists }
                if !more { break }
                scan = Self.scaled(scan)
            }
            var lanes: [[Int64]] = []
            var laneIndex: [String: Int] = [:]
            var ids: [Int64] = []
            for (id, feedID, hook) in found {
                let lane = "\(feedID)\u{0}\(hook)"
                if let index = laneIndex[lane] {
                    lanes[index].append(id)
                } else {
                    laneIndex[lane] = lanes.count
                    lanes.append([id])
                }
                ids.append(id)
            }
            guard !ids.isEmpty else { return [] }
            let lockedRows = try await connection.query(
                """
                SELECT id FROM deliveries
                WHERE id = ANY(\(ids)::bigint[]) AND status = 'pending' AND retry_at <= \(time)
                    AND (lease_expires IS NULL OR lease_expires <= \(time) OR lease_owner = \(owner))
                FOR UPDATE SKIP LOCKED
                """, logger: self.logger)
            var locked = Set<Int64>()
            for try await id in lockedRows.decode(Int64.self) { locked.insert(id) }
            let claim = lanes.flatMap { lane in lane.prefix { locked.contains($0) } }
            guard !claim.isEmpty else { return [] }
            let rows = try await connection.query(
                """
                UPDATE deliveries AS d SET lease_owner = \(owner), lease_expires = \(until)
                FROM feeds AS f
                WHERE d.id = ANY(\(claim)::bigint[]) AND f.id = d.feed_id
                RETURNING d.id, f.name, d.hook, d.item_key, d.event, d.attempts, d.retry_at, d.created, d.last_error
                """, logger: self.logger)
            var claimed: [ClaimedDelivery] = []
            for try await row in rows.decode((Int64, String, String, String, String, Int32, Date, Date, String?).self) {
                let delivery = Delivery(
                    id: UInt64(row.0), hook: row.2, feed: row.1, itemKey: row.3,
                    event: row.4 == "updated" ? .updated : .new, status: .pending, attempt: Int(row.5),
                    nextAttempt: Timestamp(row.6), created: Timestamp(row.7), lastError: row.8)
                claimed.append(ClaimedDelivery(delivery: delivery, leaseExpires: leaseUntil))
            }
            return claimed.sorted { $0.delivery.id < $1.delivery.id }
        }
    }

    /// 4 x `count`, at most `Int64.max`: the next prefix of pending rows `claimDeliveries` reads.
    static func scaled(_ count: Int64) -> Int64 {
        let (product, overflow) = count.multipliedReportingOverflow(by: 4)
        return overflow ? Int64.max : product
    }

    /// The hook took the delivery: it is recorded as delivered and its lease ends. Committed without
    /// waiting for the write-ahead log's flush (`relaxedCommit`).
    public func markDelivered(_ id: UInt64, now: Timestamp) async throws(PostgresStoreError) {
        let time = now.date
        try await settle(id, "marking delivery \(id) delivered") { owner in
            """
            UPDATE deliveries SET status = 'delivered', delivered_at = \(time), attempts = attempts + 1,
                lease_owner = NULL, lease_expires = NULL
            FROM \(unescaped: relaxedCommit)
            WHERE id = \(Int64(id)) AND lease_owner = \(owner) AND status = 'pending'
            RETURNING 1
            """
        }
    }

    /// The hook failed: the delivery is tried again at `retryAt` (by any instance), its lease ends, and
    /// its lane waits for it. Committed without waiting for the write-ahead log's flush (`relaxedCommit`).
    public func markRetry(
        _ id: UInt64, attempt: Int, retryAt: Timestamp, error: String
    ) async throws(PostgresStoreError) {
        let time = retryAt.date
        try await settle(id, "scheduling delivery \(id) for retry") { owner in
            """
            UPDATE deliveries SET attempts = \(Int32(clamping: attempt)), retry_at = \(time), last_error = \(error),
                lease_owner = NULL, lease_expires = NULL
            FROM \(unescaped: relaxedCommit)
            WHERE id = \(Int64(id)) AND lease_owner = \(owner) AND status = 'pending'
            RETURNING 1
            """
        }
    }

    /// The hook gave up: the delivery becomes a dead letter and no longer holds its lane up.
    public func markDead(_ id: UInt64, attempt: Int, error: String) async throws(PostgresStoreError) {
        try await settle(id, "marking delivery \(id) dead") { owner in
            """
            UPDATE deliveries SET status = 'dead', attempts = \(Int32(clamping: attempt)), last_error = \(error),
                lease_owner = NULL, lease_expires = NULL
            WHERE id = \(Int64(id)) AND lease_owner = \(owner) AND status = 'pending'
            RETURNING 1
            """
        }
    }

    /// Runs one update of a delivery this instance holds: `deliveryLeaseLost` (naming who holds it now)
    /// when it matched no row, `unknownDelivery` when no such delivery waits.
    func settle(
        _ id: UInt64, _ operation: String, _ query: @escaping @Sendable (String) -> PostgresQuery
    ) async throws(PostgresStoreError) {
        let owner = instance
        let logger = logger
        // nil: changed; else whether the delivery waits, and who holds it.
        let missed: (exists: Bool, holder: String?)? = try await transaction(operation) { connection in
            let rows = try await connection.query(query(owner), logger: logger)
            var count = 0
            for try await _ in rows { count += 1 }
            if count > 0 { return nil }
            let found = try await connection.query(
                "SELECT lease_owner FROM deliveries WHERE id = \(Int64(id)) AND status <> 'delivered'",
                logger: logger)
            for try await holder in found.decode(String?.self) { return (true, holder) }
            return (false, nil)
        }
        guard let missed else { return }
        if !missed.exists { throw .unknownDelivery(Int64(id)) }
        throw .deliveryLeaseLost(id: Int64(id), owner: owner, holder: missed.holder)
    }
}
