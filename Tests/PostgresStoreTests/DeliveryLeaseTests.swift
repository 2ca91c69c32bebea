import FeedModel
import PostgresNIO
import Store
import TestSupport
import Testing

@testable import PostgresStore

extension PostgresTests {
    @Suite struct DeliveryLeaseTests {
        /// Stores `count` new items of each feed with one delivery per hook; returns the deliveries.
        static func queue(
            _ store: PostgresStore, feeds: [String], hooks: [String], count: Int
        ) async throws -> [Delivery] {
            try await store.upsertFeeds(feeds.map { ($0, "https://example.org/\($0)") }, now: start)
            _ = try await store.claimDueFeeds(limit: feeds.count, leaseUntil: at(60), now: start)
            var queued: [Delivery] = []
            for feed in feeds {
                let result = try await store.commitPoll(
                    feed: feed, items: (0..<count).map { item("\(feed)-\($0)") },
                    fetchState: FeedFetchState(nextDue: at(3600)), now: start, deliveries: { _, _ in hooks })
                queued += result.deliveries
            }
            return queued
        }

        @Test("a lane goes in order: its next delivery waits while the one before is leased or waits to retry")
        func laneOrder() async throws {
            try await TestDatabase.withStores(["a", "b"]) { _, stores in
                let (a, b) = (stores[0], stores[1])
                let queued = try await Self.queue(a, feeds: ["f"], hooks: ["h", "g"], count: 3)
                let h = queued.filter { $0.hook == "h" }.map(\.id)
                let g = queued.filter { $0.hook == "g" }.map(\.id)

                let first = try await a.claimDeliveries(hooks: ["h"], limit: 10, leaseUntil: at(60), now: at(1))
                #expect(first.map(\.delivery.id) == [h[0]])
                // Leased: the lane waits, for this instance and the other; another hook's lane does not.
                #expect(try await b.claimDeliveries(hooks: ["h"], limit: 10, leaseUntil: at(60), now: at(2)).isEmpty)
                #expect(
                    try await b.claimDeliveries(limit: 10, leaseUntil: at(60), now: at(2)).map(\.delivery.id) == [g[0]])

                // A failure: the lane waits for the retry, then the same delivery comes back with its attempts.
                try await a.markRetry(h[0], attempt: 1, retryAt: at(100), error: "HTTP 502")
                #expect(try await b.claimDeliveries(hooks: ["h"], limit: 10, leaseUntil: at(160), now: at(99)).isEmpty)
                let retried = try await b.claimDeliveries(hooks: ["h"], limit: 10, leaseUntil: at(160), now: at(100))
                #expect(retried.map(\.delivery.id) == [h[0]])
                #expect(retried.first?.delivery.attempt == 1)
                #expect(retried.first?.delivery.lastError == "HTTP 502")

                try await b.markDelivered(h[0], now: at(101))
                let next = try await a.claimDeliveries(hooks: ["h"], limit: 10, leaseUntil: at(160), now: at(101))
                #expect(next.map(\.delivery.id) == [h[1]])
                // A dead letter does not hold the lane up.
                try await a.markDead(h[1], attempt: 5, error: "gave up")
                let last = try await a.claimDeliveries(
                    hooks: ["h"], limit: 10, perLane: 5, leaseUntil: at(160), now: at(102))
                #expect(last.map(\.delivery.id) == [h[2]])
            }
        }

        @Test("a claim reaches the open lanes behind hundreds of waiting rows, each lane's first rows in order")
        func claimBeyondWaitingRows() async throws {
            try await TestDatabase.withStores(["a"]) { _, stores in
                let a = stores[0]
                // 300 deliveries of feed "w", whose lane then waits for its head's retry, and 3 of feed "o" after
                // them: more waiting rows than the first prefix a claim of 2 reads.
                let waiting = try await Self.queue(a, feeds: ["w"], hooks: ["h"], count: 300)
                let open = try await Self.queue(a, feeds: ["o"], hooks: ["h"], count: 3)
                let head = try await a.claimDeliveries(limit: 1, leaseUntil: at(60), now: at(1))
                #expect(head.map(\.delivery.id) == [waiting[0].id])
                try await a.markRetry(waiting[0].id, attempt: 1, retryAt: at(1000), error: "HTTP 503")

                let claimed = try await a.claimDeliveries(limit: 2, perLane: 2, leaseUntil: at(60), now: at(2))
                #expect(claimed.map(\.delivery.id) == Array(open.prefix(2).map(\.id)))
                for delivery in claimed { try await a.markDelivered(delivery.delivery.id, now: at(3)) }
                let rest = try await a.claimDeliveries(limit: 10, leaseUntil: at(60), now: at(3))
                #expect(rest.map(\.delivery.id) == [open[2].id])
                try await a.markDelivered(open[2].id, now: at(4))
                // Only "w" is left, and it waits for its head's retry.
                #expect(try await a.claimDeliveries(limit: 10, leaseUntil: at(60), now: at(5)).isEmpty)
                let retried = try await a.claimDeliveries(limit: 10, leaseUntil: at(1060), now: at(1000))
                #expect(retried.map(\.delivery.id) == [waiting[0].id])
            }
        }

        @Test("an expired delivery lease is taken over with its attempts; the old holder cannot settle it")
        func expiredDeliveryLease() async throws {
            try await TestDatabase.withStores(["a", "b"]) { database, stores in
                let (a, b) = (stores[0], stores[1])
                let queued = try await Self.queue(a, feeds: ["f"], hooks: ["h"], count: 1)
                _ = try await a.claimDeliveries(limit: 1, leaseUntil: at(30), now: at(1))
                #expect(try await b.claimDeliveries(limit: 1, leaseUntil: at(60), now: at(29)).isEmpty)
                let taken = try await b.claimDeliveries(limit: 1, leaseUntil: at(90), now: at(30))
                #expect(taken.map(\.delivery.id) == [queued[0].id])
                let error = try await #require(throws: PostgresStoreError.self) {
                    try await a.markDelivered(queued[0].id, now: at(31))
                }
                #expect(
                    error.description
                        == "delivery \(queued[0].id): the lease of instance \"a\" was lost (expired and taken over)")
                try await b.markDelivered(queued[0].id, now: at(32))
                #expect(try await database.value("SELECT status || ' ' || attempts FROM deliveries") == "delivered 1")
            }
        }

        @Test("an instance that loses the race for a lane's head takes nothing of that lane")
        func lostLaneHead() async throws {
            try await TestDatabase.withStores(["a", "b"]) { _, stores in
                let (a, b) = (stores[0], stores[1])
                let queued = try await Self.queue(a, feeds: ["f", "g"], hooks: ["h"], count: 3)
                let head = try #require(queued.first { $0.feed == "f" }).id
                // Another instance's claim in flight: its transaction holds the row lock of lane f's head.
                let claimed = try await a.client.withConnection { connection in
                    try await connection.query("BEGIN", logger: quietLogger)
                    try await connection.query(
                        "SELECT id FROM deliveries WHERE id = \(Int64(head)) FOR UPDATE", logger: quietLogger)
                    let claimed = try await b.claimDeliveries(
                        limit: 10, perLane: 3, leaseUntil: at(60), now: at(1))
                    try await connection.query("ROLLBACK", logger: quietLogger)
                    return claimed
                }
                #expect(claimed.map(\.delivery.feed) == ["g", "g", "g"])
            }
        }

        @Test("instances claiming at once never share a delivery, and each lane's claims are its first rows")
        func concurrentClaims() async throws {
            try await TestDatabase.withStores(["a", "b"]) { _, stores in
                let feeds = (0..<20).map { "feed-\($0)" }
                let queued = try await Self.queue(stores[0], feeds: feeds, hooks: ["h1", "h2"], count: 5)
                let claims = try await withThrowingTaskGroup(of: [Delivery].self) { group in
                    for store in stores {
                        group.addTask {
                            var mine: [Delivery] = []
                            for round in 0..<6 {
                                mine += try await store.claimDeliveries(
                                    limit: 9, perLane: 3, leaseUntil: at(600), now: at(Int64(1 + round))
                                ).map(\.delivery)
                            }
                            return mine
                        }
                    }
                    var all: [[Delivery]] = []
                    for try await claimed in group { all.append(claimed) }
                    return all
                }
                let ids = [Set(claims[0].map(\.id)), Set(claims[1].map(\.id))]
                #expect(ids[0].isDisjoint(with: ids[1]))
                #expect(!ids[0].isEmpty || !ids[1].isEmpty)
                // Per lane: the claimed rows are its first (no row claimed past an unclaimed one), by one instance.
                let lanes = Dictionary(grouping: queued) { "\($0.feed)/\($0.hook)" }
                for (lane, rows) in lanes {
                    let order = rows.map(\.id).sorted()
                    let taken = order.map { ids[0].contains($0) || ids[1].contains($0) }
                    #expect(taken == taken.sorted { $0 && !$1 }, "lane \(lane): \(taken)")
                    #expect(taken.filter { $0 }.count <= 3, "lane \(lane) claimed past perLane")
                    let owners = Set(
                        order.filter { ids[0].contains($0) || ids[1].contains($0) }.map { ids[0].contains($0) ? 0 : 1 })
                    #expect(owners.count <= 1, "lane \(lane) split between instances")
                }
            }
        }
    }
}
