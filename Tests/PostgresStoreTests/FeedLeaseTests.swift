import FeedModel
import PostgresStore
import Store
import TestSupport
import Testing

extension PostgresTests {
    @Suite struct FeedLeaseTests {
        /// Every item goes to two hooks.
        static func hooks(_ item: StoredItem, _ event: ItemEvent) -> [String] { ["webhook", "log"] }

        @Test("two instances claiming at once never get the same feed, and together get every due feed")
        func concurrentClaims() async throws {
            try await TestDatabase.withStores(["a", "b"]) { database, stores in
                let names = (0..<200).map { "feed-\($0)" }
                try await stores[0].upsertFeeds(names.map { ($0, "https://example.org/\($0).xml") }, now: start)
                let claims = try await withThrowingTaskGroup(of: [String].self) { group in
                    for store in stores {
                        group.addTask {
                            var mine: [String] = []
                            while true {
                                let batch = try await store.claimDueFeeds(limit: 7, leaseUntil: at(300), now: at(1))
                                if batch.isEmpty { return mine }
                                mine += batch.map(\.name)
                            }
                        }
                    }
                    var all: [[String]] = []
                    for try await claimed in group { all.append(claimed) }
                    return all
                }
                #expect(Set(claims[0]).isDisjoint(with: claims[1]))
                #expect(claims[0].count + claims[1].count == 200)
                #expect(Set(claims[0] + claims[1]) == Set(names))
                #expect(try await database.count("feeds WHERE lease_owner IS NOT NULL") == 200)
            }
        }

        @Test("an expired lease is taken over, and the old holder can neither renew nor commit")
        func expiredLease() async throws {
            try await TestDatabase.withStores(["a", "b"]) { database, stores in
                let (a, b) = (stores[0], stores[1])
                try await a.upsertFeeds([("lwn", "https://lwn.net/headlines/rss")], now: start)
                #expect(try await a.claimDueFeeds(limit: 10, leaseUntil: at(60), now: start).map(\.name) == ["lwn"])
                #expect(try await b.claimDueFeeds(limit: 10, leaseUntil: at(90), now: at(30)).isEmpty)
                let taken = try await b.claimDueFeeds(limit: 10, leaseUntil: at(121), now: at(61))
                #expect(taken.map(\.name) == ["lwn"])
                #expect(try await database.value("SELECT lease_owner FROM feeds") == "b")

                let renew = try await #require(throws: PostgresStoreError.self) {
                    try await a.renewFeedLease("lwn", until: at(200))
                }
                #expect(renew.description.contains("feed \"lwn\": the lease of instance \"a\" was lost"))
                let commit = try await #require(throws: PostgresStoreError.self) {
                    try await a.commitPoll(
                        feed: "lwn", items: [item("k1")], fetchState: FeedFetchState(), now: at(62),
                        deliveries: Self.hooks)
                }
                guard case .feedLeaseLost = commit else {
                    Issue.record("expected feedLeaseLost, got \(commit)")
                    return
                }
                #expect(try await database.count("items") == 0)
                #expect(try await database.count("deliveries") == 0)
            }
        }

        @Test("a renewed lease keeps the feed from other instances")
        func renewedLease() async throws {
            try await TestDatabase.withStores(["a", "b"]) { _, stores in
                let (a, b) = (stores[0], stores[1])
                try await a.upsertFeeds([("lwn", "https://lwn.net/headlines/rss")], now: start)
                _ = try await a.claimDueFeeds(limit: 1, leaseUntil: at(60), now: start)
                try await a.renewFeedLease("lwn", until: at(180))
                #expect(try await b.claimDueFeeds(limit: 1, leaseUntil: at(200), now: at(120)).isEmpty)
                #expect(try await b.claimDueFeeds(limit: 1, leaseUntil: at(300), now: at(181)).count == 1)
            }
        }

        @Test("a commit stores new items with a delivery per hook, keeps the fetch state, and ends the lease")
        func commitPoll() async throws {
            try await TestDatabase.withStores(["a", "b"]) { database, stores in
                let (a, b) = (stores[0], stores[1])
                try await a.upsertFeeds([("lwn", "https://lwn.net/headlines/rss")], now: start)
                _ = try await a.claimDueFeeds(limit: 1, leaseUntil: at(60), now: start)
                let state = FeedFetchState(
                    url: "https://lwn.net/rss", etag: "\"v1\"", lastModified: "Tue, 01 Dec 2026 10:00:00 GMT",
                    nextDue: at(600), consecutiveFailures: 0, lastSuccess: at(5), title: "LWN")
                let items = [item("k1"), item("k2"), item("k1", title: "a repeat in the same document")]
                let first = try await a.commitPoll(
                    feed: "lwn", items: items, fetchState: state, now: at(5), deliveries: Self.hooks)
                #expect(first.new.map(\.key) == ["k1", "k2"])
                #expect(
                    first.deliveries.map { "\($0.itemKey)/\($0.hook)" } == [
                        "k1/webhook", "k1/log", "k2/webhook", "k2/log",
                    ])
                #expect(try await database.count("feeds WHERE lease_owner IS NULL AND polls = 1") == 1)

                // Not due before next_due; then the state comes back as stored.
                #expect(try await b.claimDueFeeds(limit: 1, leaseUntil: at(700), now: at(599)).isEmpty)
                let again = try #require(try await b.claimDueFeeds(limit: 1, leaseUntil: at(700), now: at(600)).first)
                #expect(again.state == state)
                #expect(again.polls == 1)
                #expect(again.configuredURL == "https://lwn.net/headlines/rss")

                // The same document again: nothing new; a changed item is an update.
                let second = try await b.commitPoll(
                    feed: "lwn", items: [item("k1"), item("k2", title: "Item k2, corrected"), item("k3")],
                    fetchState: state, now: at(601), deliveries: Self.hooks)
                #expect(second.new.map(\.key) == ["k3"])
                #expect(second.updated.map(\.key) == ["k2"])
                #expect(second.unchanged == 1)
                #expect(second.deliveries.map(\.event) == [.new, .new, .updated, .updated])
                #expect(try await database.count("items") == 3)
                #expect(try await database.count("deliveries") == 8)
                #expect(
                    try await database.value("SELECT body->>'title' FROM items WHERE key = 'k2'")
                        == "Item k2, corrected")
            }
        }

        @Test("a 304 or failure stores the fetch state alone and ends the lease")
        func recordFetch() async throws {
            try await TestDatabase.withStores { database, stores in
                try await stores[0].upsertFeeds([("lwn", "https://lwn.net/headlines/rss")], now: start)
                _ = try await stores[0].claimDueFeeds(limit: 1, leaseUntil: at(60), now: start)
                let failed = FeedFetchState(
                    nextDue: at(900), consecutiveFailures: 3, lastError: "HTTP 503", lastErrorAt: at(2))
                try await stores[0].recordFetch(feed: "lwn", fetchState: failed)
                #expect(try await database.count("feeds WHERE lease_owner IS NULL AND polls = 0") == 1)
                let claimed = try await stores[0].claimDueFeeds(limit: 1, leaseUntil: at(960), now: at(900))
                #expect(claimed.first?.state == failed)
                let unknown = try await #require(throws: PostgresStoreError.self) {
                    try await stores[0].recordFetch(feed: "nope", fetchState: failed)
                }
                #expect(unknown.description == "no feed named \"nope\" in the database")
            }
        }

        @Test("commits racing with the same items after a takeover store each item once and deliver it once")
        func racingCommits() async throws {
            try await TestDatabase.withStores(["a", "b"]) { database, stores in
                let (a, b) = (stores[0], stores[1])
                try await a.upsertFeeds([("lwn", "https://lwn.net/headlines/rss")], now: start)
                _ = try await a.claimDueFeeds(limit: 1, leaseUntil: at(60), now: start)
                _ = try await b.claimDueFeeds(limit: 1, leaseUntil: at(130), now: at(70))
                let items = (0..<50).map { item("k\($0)") }
                let outcomes = try await withThrowingTaskGroup(of: (String, Int?).self) { group in
                    for store in [a, b] {
                        group.addTask {
                            do {
                                let result = try await store.commitPoll(
                                    feed: "lwn", items: items, fetchState: FeedFetchState(nextDue: at(900)),
                                    now: at(71), deliveries: Self.hooks)
                                return (store.instance, result.new.count)
                            } catch PostgresStoreError.feedLeaseLost {
                                return (store.instance, nil)
                            }
                        }
                    }
                    var outcomes: [String: Int?] = [:]
                    for try await (name, count) in group { outcomes[name] = count }
                    return outcomes
                }
                #expect(outcomes["a"] == .some(nil))
                #expect(outcomes["b"] == .some(50))
                #expect(try await database.count("items") == 50)
                #expect(try await database.count("deliveries") == 100)
                #expect(try await database.count("(SELECT DISTINCT item_key, hook FROM deliveries) AS d") == 100)
            }
        }
    }
}
