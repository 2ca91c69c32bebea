import FeedModel
import Foundation
import PostgresStore
import Store
import TestSupport
import Testing

extension PostgresTests {
    /// What only the PostgreSQL store has through `FeedStore`: instances sharing a database, leases,
    /// adoption of the configuration, the database going away.
    @Suite struct PostgresFeedStoreTests {
        @Test("instances polling at once are never both granted the same feed")
        func concurrentBeginPoll() async throws {
            try await TestDatabase.withStores(["a", "b"]) { _, stores in
                let feeds = (0..<25).map { "feed-\($0)" }
                let grants = try await withThrowingTaskGroup(of: (String, [String]).self) { group in
                    for store in stores {
                        group.addTask {
                            var granted: [String] = []
                            for feed in feeds {
                                let claim = try await store.beginPoll(
                                    feed: feed, now: at(1), leaseUntil: at(300), force: false)
                                if case .granted = claim { granted.append(feed) }
                            }
                            return (store.instance, granted)
                        }
                    }
                    var all: [String: [String]] = [:]
                    for try await (instance, granted) in group { all[instance] = granted }
                    return all
                }
                let (a, b) = (grants["a"] ?? [], grants["b"] ?? [])
                #expect(Set(a).isDisjoint(with: b))
                #expect(Set(a + b) == Set(feeds))
                // The loser is told who holds the feed and until when.
                let feed = try #require(a.first ?? b.first)
                let loser = a.contains(feed) ? stores[1] : stores[0]
                let busy = try await loser.beginPoll(feed: feed, now: at(2), leaseUntil: at(300), force: true)
                #expect(busy == .busy(owner: a.contains(feed) ? "a" : "b", retryAt: at(300)))
            }
        }

        @Test("an expired lease is taken over; the old holder's commit and renewal fail with leaseLost")
        func takeover() async throws {
            try await TestDatabase.withStores(["a", "b"]) { database, stores in
                let (a, b) = (stores[0], stores[1])
                guard case .granted = try await a.beginPoll(feed: "f", now: at(0), leaseUntil: at(60), force: false)
                else {
                    Issue.record("the first claim was not granted")
                    return
                }
                #expect(
                    try await b.beginPoll(feed: "f", now: at(30), leaseUntil: at(90), force: true)
                        == .busy(owner: "a", retryAt: at(60)))
                guard case .granted = try await b.beginPoll(feed: "f", now: at(61), leaseUntil: at(120), force: false)
                else {
                    Issue.record("the expired lease was not taken over")
                    return
                }
                let commit = try await #require(throws: StoreError.self) {
                    try await a.commit(
                        feed: "f", items: [item("k")], fetchState: FeedFetchState(), now: at(62),
                        deliveries: { _, _ in ["h"] })
                }
                guard case .leaseLost(let what, let owner) = commit else {
                    Issue.record("expected leaseLost, got \(commit)")
                    return
                }
                #expect(what == "feed \"f\"")
                #expect(owner == "b")
                #expect(try await database.count("items") == 0)
                let renew = try await #require(throws: StoreError.self) {
                    try await a.renewPoll(feed: "f", leaseUntil: at(200))
                }
                #expect(renew.description.contains("instance \"b\" took it over"))
                // Ending a poll it no longer holds leaves the new holder's lease alone.
                try await a.endPoll(feed: "f")
                #expect(try await database.value("SELECT lease_owner FROM feeds WHERE name = 'f'") == "b")

                // b's poll makes the feed due later: busy without force, granted with it.
                _ = try await b.commit(
                    feed: "f", items: [item("k")], fetchState: FeedFetchState(nextDue: at(700)), now: at(63),
                    deliveries: { _, _ in [] })
                #expect(
                    try await a.beginPoll(feed: "f", now: at(100), leaseUntil: at(160), force: false)
                        == .busy(owner: nil, retryAt: at(700)))
                guard
                    case .granted(let state) = try await a.beginPoll(
                        feed: "f", now: at(100), leaseUntil: at(160), force: true)
                else {
                    Issue.record("a forced poll was not granted")
                    return
                }
                #expect(state.nextDue == at(700))
                try await a.endPoll(feed: "f")
                #expect(try await database.count("feeds WHERE lease_owner IS NULL") == 1)
            }
        }

        @Test("adopt adds feeds, marks those gone from the configuration removed, and lists the instances")
        func adopt() async throws {
            try await TestDatabase.withStores(["a", "b"]) { database, stores in
                let (a, b) = (stores[0], stores[1])
                let one = InstanceRecord(name: "a", configDigest: "d1", started: at(0), lastSeen: at(0))
                let two = InstanceRecord(name: "b", configDigest: "d2", started: at(5), lastSeen: at(5))
                let feeds = [
                    ConfiguredFeed(name: "f", url: "https://example.org/f"),
                    ConfiguredFeed(name: "g", url: "https://example.org/g"),
                ]
                #expect(try await a.adopt(feeds: feeds, instance: one, now: at(0)) == [one])
                try await poll(a, "g", [item("k")], now: at(1))
                #expect(try await database.count("feeds WHERE next_due IS NOT NULL") == 1)

                #expect(try await b.adopt(feeds: [feeds[0]], instance: two, now: at(5)) == [one, two])
                #expect(try await database.value("SELECT name FROM feeds WHERE removed_at IS NOT NULL") == "g")
                #expect(try await b.feeds().map(\.name) == ["f", "g"])
                #expect(try await b.itemCount() == 1)

                // Configured again under a new URL: no longer removed, and due at once.
                let moved = ConfiguredFeed(name: "g", url: "https://example.org/g2")
                let later = InstanceRecord(name: "a", configDigest: "d3", started: at(10), lastSeen: at(10))
                #expect(try await a.adopt(feeds: [feeds[0], moved], instance: later, now: at(10)) == [later, two])
                #expect(
                    try await database.value("SELECT configured_url FROM feeds WHERE name = 'g'")
                        == "https://example.org/g2")
                #expect(try await database.count("feeds WHERE removed_at IS NULL AND next_due IS NULL") == 2)
                #expect(try await a.instances() == [later, two])
            }
        }

        @Test("close ends run(), and later calls fail with closed")
        func close() async throws {
            let server = try #require(TestDatabase.server)
            let database = TestDatabase(server: server, name: try await server.createDatabase())
            let store = try database.store("a")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.run() }
                try await store.migrate()
                #expect(try await store.itemCount() == 0)
                try await store.close()
                // run() returns: the group ends without cancelling it.
                try await group.waitForAll()
            }
            let error = try await #require(throws: StoreError.self) { try await store.itemCount() }
            #expect(error.description.contains("is closed"))
        }

        @Test("a database that goes away is unavailable; the store works again when it is back")
        func unavailable() async throws {
            // A server of its own: stopping the suite's would fail the other tests.
            try await PostgresServer.withServer { server in
                let database = TestDatabase(server: server, name: try await server.createDatabase())
                let store = try PostgresStore(
                    settings: try database.settings(), instance: "a", connectionWait: .seconds(1), logger: quietLogger)
                try await withRunning([store]) {
                    try await store.migrate()
                    try await poll(store, "f", [item("k")], now: at(0))
                    try await server.halt()
                    for _ in 0..<2 {
                        let started = ContinuousClock.now
                        let error = try await #require(throws: StoreError.self) { try await store.itemCount() }
                        #expect(error.isUnavailable, "\(error)")
                        #expect(error.description.hasPrefix("cannot use the database \(store.location)"))
                        #expect(ContinuousClock.now - started < .seconds(30))
                    }
                    try await server.resume()
                    let deadline = ContinuousClock.now + .seconds(60)
                    var count: Int?
                    while count == nil && ContinuousClock.now < deadline {
                        do {
                            count = try await store.itemCount()
                        } catch let error as StoreError where error.isUnavailable {
                            try await Task.sleep(for: .milliseconds(200))
                        }
                    }
                    #expect(count == 1)
                }
            }
        }
    }
}
