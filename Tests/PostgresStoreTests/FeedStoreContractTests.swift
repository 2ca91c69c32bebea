import FeedModel
import Foundation
import PostgresStore
import Store
import TestSupport
import Testing

/// The stores a contract test runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case file, postgres

    var testDescription: String { rawValue }
}

/// Runs `body` with a fresh store of `kind`: a file store in a temporary directory, or a PostgreSQL store
/// (instance `instance`) on a fresh database of the suite's server, its pool running. Closed afterwards.
func withStore<Result: Sendable>(
    _ kind: StoreKind, options: StoreOptions = StoreOptions(), instance: String = "a",
    _ body: @Sendable (any FeedStore) async throws -> Result
) async throws -> Result {
    switch kind {
    case .file:
        let directory = try TemporaryDirectory(prefix: "feedd-contract")
        defer { try? directory.remove() }
        let store = LocalFeedStore(
            files: try FileStore(directory: directory.path, options: options), instance: instance)
        do {
            let result = try await body(store)
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    case .postgres:
        let server = try #require(TestDatabase.server, "the suite needs the .postgresServer trait")
        let database = TestDatabase(server: server, name: try await server.createDatabase())
        let store = try PostgresStore(
            settings: try database.settings(), instance: instance, options: options, logger: quietLogger)
        return try await withRunning([store]) {
            try await store.migrate()
            let result = try await body(store)
            try await store.close()
            return result
        }
    }
}

/// One poll of `feed` at `now` as the daemon makes it: claimed (forced), then committed with a delivery per
/// hook in `hooks` for every item.
@discardableResult
func poll(
    _ store: any FeedStore, _ feed: String, _ items: [FeedItem], now: Timestamp, hooks: [String] = ["h"]
) async throws -> CommitResult {
    let claim = try await store.beginPoll(feed: feed, now: now, leaseUntil: later(now, 300), force: true)
    guard case .granted = claim else {
        Issue.record("poll of \(feed) at \(now) not granted: \(claim)")
        return CommitResult()
    }
    return try await store.commit(
        feed: feed, items: items, fetchState: FeedFetchState(nextDue: later(now, 600), lastSuccess: now),
        now: now, deliveries: { _, _ in hooks })
}

/// `seconds` after `time`.
func later(_ time: Timestamp, _ seconds: Int64) -> Timestamp {
    Timestamp(secondsSince1970: time.secondsSince1970 + seconds)
}

/// Claims every due delivery of `hook` and marks it delivered.
func deliverAll(_ store: any FeedStore, hook: String = "h", now: Timestamp) async throws {
    for delivery in try await store.claimDeliveries(hook: hook, now: now, limit: 1000, leaseUntil: later(now, 60)) {
        try await store.markDelivered(delivery.id)
    }
}

extension PostgresTests {
    /// The `FeedStore` contract: every test runs against the file store and the PostgreSQL store.
    @Suite struct FeedStoreContractTests {
        @Test("new, unchanged and updated items; what the reading calls show", arguments: StoreKind.allCases)
        func newUnchangedUpdated(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let first = try await poll(
                    store, "lwn", [item("a"), item("b"), item("a", title: "repeat")], now: at(0))
                #expect(first.new.map(\.key) == ["a", "b"])
                #expect(first.deliveries.map(\.itemKey) == ["a", "b"])
                let second = try await poll(
                    store, "lwn", [item("a"), item("b", title: "B, corrected"), item("c")], now: at(10))
                #expect(second.new.map(\.key) == ["c"])
                #expect(second.updated.map(\.key) == ["b"])
                #expect(second.unchanged == 1)
                #expect(second.deliveries.map { "\($0.itemKey) \($0.event.name)" } == ["c new", "b updated"])

                let b = try #require(try await store.item(feed: "lwn", key: "b"))
                #expect(b.item.title == "B, corrected")
                #expect(b.firstSeen == at(0))
                #expect(b.updated == at(10))
                #expect(try await store.item(feed: "lwn", key: "zz") == nil)
                #expect(try await store.itemCount() == 3)
                let listed = try await store.listItems(feed: nil, since: nil, limit: nil)
                #expect(listed.items.map { $0.item?.key } == ["c", "b", "a"])
                #expect(try await store.listItems(feed: "lwn", since: at(5), limit: nil).items.count == 2)
                #expect(try await store.listItems(feed: "lwn", since: nil, limit: 1).items.count == 1)
                #expect(try await store.listItems(feed: "other", since: nil, limit: nil).items.isEmpty)

                let feeds = try await store.feeds()
                #expect(feeds.map(\.name) == ["lwn"])
                #expect(feeds.first?.itemCount == 3)
                #expect(feeds.first?.polls == 2)
                #expect(feeds.first?.state.nextDue == at(610))
                #expect(try await store.fetchState(feed: "lwn")?.lastSuccess == at(10))
                #expect(try await store.fetchState(feed: "nope") == nil)
                let counts = try await store.deliveryCounts()
                #expect(counts[.pending] == 4)
                #expect(counts[.held] == 0)
                #expect(counts[.dead] == 0)
                let pending = try await store.pendingDeliveries(dueBy: nil, limit: 10)
                #expect(pending.map(\.id) == pending.map(\.id).sorted())
                #expect(try await store.pendingDeliveries(dueBy: at(5), limit: 10).count == 2)
            }
        }

        @Test("the first-poll rule and preview", arguments: StoreKind.allCases)
        func firstPoll(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                #expect(try await store.isFirstPoll(feed: "lwn", items: [item("a")]))
                let before = try await store.preview(feed: "lwn", items: [item("a"), item("b")])
                #expect(before.isFirstPoll)
                #expect(before.new.map(\.key) == ["a", "b"])
                try await poll(store, "lwn", [item("a")], now: at(0), hooks: [])
                #expect(try await !store.isFirstPoll(feed: "lwn", items: [item("a")]))
                let after = try await store.preview(feed: "lwn", items: [item("a"), item("b", title: "new")])
                #expect(!after.isFirstPoll)
                #expect(after.new.map(\.key) == ["b"])
                #expect(after.unchanged == 1)
                // A preview writes nothing.
                #expect(try await store.itemCount() == 1)
            }
        }

        @Test(
            "a key once seen is never new again after retention; key memory forgets it", arguments: StoreKind.allCases)
        func rememberedKeys(kind: StoreKind) async throws {
            var options = StoreOptions()
            options.retention = .init(maxItems: 1, maxAge: .seconds(365 * 86_400))
            options.keyMemory = .init(polls: 2, age: .seconds(86_400))
            try await withStore(kind, options: options) { store in
                try await poll(store, "f", [item("a"), item("b"), item("c")], now: at(0))
                try await deliverAll(store, now: at(1))
                let compacted = try await store.compact(now: at(2))
                #expect(compacted.itemsDropped == 2)
                #expect(compacted.keysForgotten == 0)
                #expect(try await store.itemCount() == 1)
                #expect(try await store.feeds().first?.rememberedKeys == 2)
                let again = try await poll(store, "f", [item("a"), item("b"), item("c")], now: at(10))
                #expect(again.new.isEmpty)
                #expect(again.unchanged == 3)
                // Not shown for three polls over two days: forgotten, and new again.
                for round in 1...3 { try await poll(store, "f", [item("c")], now: at(Int64(round) * 86_400)) }
                #expect(try await store.compact(now: at(3 * 86_400)).keysForgotten == 2)
                let back = try await poll(store, "f", [item("a"), item("c")], now: at(4 * 86_400))
                #expect(back.new.map(\.key) == ["a"])
            }
        }

        @Test("retention per feed, by age, and never of an item with a delivery waiting", arguments: StoreKind.allCases)
        func retention(kind: StoreKind) async throws {
            var options = StoreOptions()
            options.retention = .init(maxItems: 500, maxAge: .seconds(86_400))
            options.retentionByFeed["small"] = .init(maxItems: 1, maxAge: .seconds(365 * 86_400))
            try await withStore(kind, options: options) { store in
                try await poll(store, "small", [item("a"), item("b"), item("c")], now: at(0), hooks: [])
                try await poll(store, "big", [item("a"), item("b"), item("c")], now: at(0), hooks: [])
                try await poll(store, "waiting", [item("a")], now: at(0), hooks: ["h"])
                #expect(try await store.compact(now: at(10)).itemsDropped == 2)
                let counts = Dictionary(uniqueKeysWithValues: try await store.feeds().map { ($0.name, $0.itemCount) })
                #expect(counts == ["small": 1, "big": 3, "waiting": 1])
                #expect(try await store.item(feed: "small", key: "c") != nil)
                // Two days later the big feed's items are past the default age; the small feed keeps its own
                // (a year), and the item with a pending delivery stays.
                #expect(try await store.compact(now: at(2 * 86_400)).itemsDropped == 3)
                #expect(try await store.itemCount() == 2)
                #expect(
                    try await poll(store, "small", [item("a"), item("d")], now: at(2 * 86_400)).new.map(\.key) == ["d"])
            }
        }

        @Test(
            "the flood guard matches by link and title, holds the rest; release and drop", arguments: StoreKind.allCases
        )
        func floodGuard(kind: StoreKind) async throws {
            var options = StoreOptions()
            options.floodGuard = .init(minimum: 3, share: 0.25)
            try await withStore(kind, options: options) { store in
                let old = (0..<4).map { item("i\($0)") }
                // The first poll of a feed is never a flood.
                #expect(try await poll(store, "f", old, now: at(0)).new.count == 4)
                var burst = (0..<8).map { item("n\($0)") }
                burst[0].link = "HTTPS://EXAMPLE.org/i0/#top"  // the same link as i0, normalized
                burst[1].title = "  ITEM   i1 "  // the same title as i1, normalized
                let flood = try await poll(store, "f", old + burst, now: at(10))
                #expect(flood.isFlood)
                #expect(flood.matched.map(\.key) == ["n0", "n1"])
                #expect(flood.held.count == 6)
                #expect(flood.new.isEmpty)
                #expect(flood.deliveries.allSatisfy { $0.status == .held })
                let held = try await store.held()
                #expect(held.map(\.feed) == ["f"])
                #expect(held.first?.deliveries.map(\.itemKey) == (2..<8).map { "n\($0)" })
                #expect(try await store.deliveryCounts()[.held] == 6)
                #expect(try await store.feeds().first?.heldCount == 6)
                #expect(try await store.release(feed: "f", now: at(20)) == 6)
                #expect(try await store.held().isEmpty)
                #expect(try await store.pendingDeliveries(dueBy: at(20), limit: 100).count == 10)

                // A second flood, dropped: the items stay known.
                let second = (0..<8).map { item("m\($0)") }
                #expect(try await poll(store, "f", old + second, now: at(30)).held.count == 8)
                #expect(try await store.drop(feed: "f") == 8)
                #expect(try await store.deliveryCounts()[.held] == 0)
                #expect(try await poll(store, "f", old + second, now: at(40)).unchanged == 12)
            }
        }

        @Test("failed, dead and retried deliveries; a feed's deliveries in order", arguments: StoreKind.allCases)
        func deliveries(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let queued = try await poll(store, "f", [item("a"), item("b"), item("c")], now: at(0)).deliveries
                let claimed = try await store.claimDeliveries(hook: "h", now: at(1), limit: 10, leaseUntil: at(60))
                #expect(claimed.map(\.id) == queued.map(\.id))
                #expect(
                    try await store.claimDeliveries(hook: "other", now: at(1), limit: 10, leaseUntil: at(60)).isEmpty)
                try await store.markFailed(queued[0].id, attempt: 1, retryAt: at(100), error: "HTTP 502")
                try await store.markDead(queued[1].id, error: "gave up")
                try await store.markDelivered(queued[2].id)
                let waiting = try await store.waitingDeliveries(hook: "h", now: at(2))
                #expect(waiting.firstID["f"] == queued[0].id)
                #expect(waiting.earliest == at(100))
                let dead = try await store.deadDeliveries(limit: 10)
                #expect(dead.map(\.id) == [queued[1].id])
                #expect(dead.first?.lastError == "gave up")
                #expect(try await store.deliveryCounts() == [.pending: 1, .held: 0, .dead: 1])

                let retried = try await store.claimDeliveries(hook: "h", now: at(100), limit: 10, leaseUntil: at(160))
                #expect(retried.map(\.id) == [queued[0].id])
                #expect(retried.first?.attempt == 1)
                #expect(retried.first?.lastError == "HTTP 502")
                try await store.markDelivered(queued[0].id)
                #expect(try await store.retryDead(hook: nil, now: at(200)) == 1)
                let again = try await store.claimDeliveries(hook: "h", now: at(200), limit: 10, leaseUntil: at(260))
                #expect(again.map(\.id) == [queued[1].id])
                #expect(again.first?.attempt == 0)
                try await store.markDelivered(queued[1].id)
                #expect(try await store.deliveryCounts() == [.pending: 0, .held: 0, .dead: 0])
                let missing = try await #require(throws: StoreError.self) { try await store.markDelivered(999_999) }
                guard case .unknownDelivery(999_999) = missing else {
                    Issue.record("expected unknownDelivery, got \(missing)")
                    return
                }
            }
        }

        @Test(
            "replay queues kept items since a time, skipping those with a delivery waiting",
            arguments: StoreKind.allCases)
        func replay(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                try await poll(store, "f", [item("a"), item("b")], now: at(0))
                try await poll(store, "g", [item("c")], now: at(10))
                try await deliverAll(store, now: at(11))
                #expect(try await store.replay(hook: "h", feed: nil, since: at(0), now: at(20)).queued == 3)
                #expect(try await store.replay(hook: "h", feed: nil, since: at(0), now: at(21)).queued == 0)
                #expect(try await store.replay(hook: "h2", feed: "g", since: at(5), now: at(22)).queued == 1)
                #expect(try await store.replay(hook: "h3", feed: nil, since: at(11), now: at(23)).queued == 0)
                let replayed = try await store.claimDeliveries(hook: "h", now: at(30), limit: 10, leaseUntil: at(90))
                #expect(replayed.map(\.itemKey) == ["a", "b", "c"])
                #expect(replayed.allSatisfy { $0.event == .new })
            }
        }

        @Test("adopt returns this instance; check finds a healthy store", arguments: StoreKind.allCases)
        func adoptAndCheck(kind: StoreKind) async throws {
            try await withStore(kind) { store in
                let record = InstanceRecord(name: "a", configDigest: "d1", started: at(0), lastSeen: at(0))
                let instances = try await store.adopt(
                    feeds: [ConfiguredFeed(name: "f", url: "https://example.org/f")], instance: record, now: at(0))
                #expect(instances.contains(record))
                try await poll(store, "f", [item("a")], now: at(1))
                try await store.sync()
                let report = try await store.check()
                #expect(report.isHealthy, "\(report.files.flatMap(\.problems)) \(report.badBodies)")
                #expect(report.items == 1)
                #expect(report.deliveries == 1)
                #expect(!report.files.isEmpty)
            }
        }
    }
}
