import FeedModel
import Foundation
import Store
import TestSupport
import Testing

@Suite("FileStore")
struct FileStoreTests {
    @Test("the first poll stores every item as new, with one delivery per hook; a second poll finds nothing new")
    func newThenNothing() async throws {
        try await withTemporaryDirectory { directory in
            let store = try FileStore.open(directory: directory.path)
            let items = (1...5).map { makeItem("lwn", $0) }
            let first = try store.commit(
                feed: "lwn", items: items, fetchState: FeedFetchState(etag: "\"a\""), now: t0
            ) { _, _ in ["log", "mail"] }
            #expect(first.new.count == 5)
            #expect(first.deliveries.count == 10)
            #expect(Set(first.deliveries.map(\.itemKey)) == Set(items.map(\.key)))
            let second = try store.poll("lwn", items, at: at(60))
            #expect(second.new.isEmpty && second.updated.isEmpty && second.unchanged == 5)
            #expect(second.deliveries.isEmpty)
            #expect(try store.fetchState(feed: "lwn")?.lastSuccess == at(60))
        }
    }

    @Test("items, fetch state and outbox survive closing and reopening")
    func reopen() async throws {
        try await withTemporaryDirectory { directory in
            var store = try FileStore.open(directory: directory.path)
            let items = (1...3).map { makeItem("a", $0) }
            try store.poll("a", items)
            try store.recordFetch(feed: "a", state: FeedFetchState(etag: "x", consecutiveFailures: 2, lastError: "503"))
            try store.close()
            store = try FileStore.open(directory: directory.path)
            #expect(try store.poll("a", items, at: at(10)).new.isEmpty)
            #expect(try store.fetchState(feed: "a")?.etag == nil)  // the commit above replaced it
            let listed = try store.items(feed: "a")
            #expect(listed.map(\.item) == items.reversed())
            #expect(try store.pendingDeliveries().count == 3)
            #expect(store.recoveryNotes.isEmpty)
        }
    }

    @Test("the same key with changed content is an update, reported and queued as such, not new")
    func update() async throws {
        try await withTemporaryDirectory { directory in
            let store = try FileStore.open(directory: directory.path)
            try store.poll("f", [makeItem("f", 1), makeItem("f", 2)])
            let changed = makeItem("f", 1, summary: "corrected text")
            let result = try store.poll("f", [changed, makeItem("f", 2)], at: at(100))
            #expect(result.new.isEmpty && result.updated == [changed])
            #expect(result.deliveries.map(\.event) == [.updated])
            let stored = try #require(try store.item(feed: "f", key: changed.key))
            #expect(stored.item.summary == "corrected text")
            #expect(stored.firstSeen == t0 && stored.updated == at(100))
        }
    }

    @Test("the item key is scoped by feed: two feeds carrying one story each report it")
    func scopedKeys() async throws {
        try await withTemporaryDirectory { directory in
            let store = try FileStore.open(directory: directory.path)
            let story = makeItem("shared", 1)
            #expect(try store.poll("one", [story]).new.count == 1)
            #expect(try store.poll("two", [story]).new.count == 1)
        }
    }

    @Test("a second process on the same directory is refused at once with a clear message")
    func lock() async throws {
        try await withTemporaryDirectory { directory in
            let store = try FileStore.open(directory: directory.path)
            #expect(throws: StoreError.self) { try FileStore.open(directory: directory.path) }
            do throws(StoreError) {
                _ = try FileStore.open(directory: directory.path)
            } catch {
                #expect(error.isLocked)
                #expect(error.description.contains("is in use by another feedd process"))
            }
            // Read-only opens work beside the writer.
            let reader = try FileStore.open(directory: directory.path, options: StoreOptions(readOnly: true))
            #expect(throws: StoreError.self) { try reader.recordFetch(feed: "x", state: FeedFetchState()) }
            try store.close()
            _ = try FileStore.open(directory: directory.path)
        }
    }

    @Test("a dropped item that reappears is not new; retention keeps its key")
    func retentionRemembersKeys() async throws {
        try await withTemporaryDirectory { directory in
            var options = StoreOptions()
            options.retention = .init(maxItems: 3, maxAge: .seconds(86_400))
            var store = try FileStore.open(directory: directory.path, options: options)
            let items = (1...6).map { makeItem("r", $0) }
            for (index, item) in items.enumerated() { try store.poll("r", [item], at: at(Int64(index))) }
            for delivery in try store.pendingDeliveries() { try store.markDelivered(delivery.id) }
            let report = try store.compact(now: at(10))
            #expect(report.itemsDropped == 3)
            #expect(try store.items(feed: "r").map(\.item) == Array(items[3...].reversed()))
            // Age: a day later everything goes.
            try store.compact(now: at(2 * 86_400))
            #expect(try store.itemCount() == 0)
            try store.close()
            store = try FileStore.open(directory: directory.path, options: options)
            let again = try store.poll("r", items, at: at(3 * 86_400))
            #expect(again.new.isEmpty && again.unchanged == 6)
            #expect(try store.poll("r", [makeItem("r", 7)], at: at(3 * 86_400 + 1)).new.count == 1)
        }
    }

    @Test("retention never drops an item with a delivery still in the outbox")
    func retentionKeepsPending() async throws {
        try await withTemporaryDirectory { directory in
            var options = StoreOptions()
            options.retention = .init(maxItems: 1, maxAge: .seconds(86_400))
            let store = try FileStore.open(directory: directory.path, options: options)
            try store.poll("p", (1...4).map { makeItem("p", $0) })
            #expect(try store.compact(now: at(5)).itemsDropped == 0)
            for delivery in try store.pendingDeliveries() { try store.markDelivered(delivery.id) }
            #expect(try store.compact(now: at(6)).itemsDropped == 3)
        }
    }

    @Test("outbox: failures are rescheduled, dead deliveries can be retried, delivered ones leave")
    func outbox() async throws {
        try await withTemporaryDirectory { directory in
            var store = try FileStore.open(directory: directory.path)
            try store.poll("o", [makeItem("o", 1), makeItem("o", 2)])
            let pending = try store.pendingDeliveries()
            #expect(pending.count == 2)
            try store.markFailed(pending[0].id, attempt: 1, retryAt: at(300), error: "HTTP 502")
            #expect(try store.pendingDeliveries(dueBy: at(10)).map(\.id) == [pending[1].id])
            try store.markDead(pending[1].id, error: "gave up")
            try store.close()
            store = try FileStore.open(directory: directory.path)
            let failed = try #require(try store.pendingDeliveries().first)
            #expect(failed.id == pending[0].id && failed.attempt == 1 && failed.lastError == "HTTP 502")
            #expect(try store.deadDeliveries().map(\.id) == [pending[1].id])
            #expect(try store.retryDead(hook: "log", now: at(400)) == 1)
            try store.markDelivered(pending[0].id)
            #expect(try store.pendingDeliveries().map(\.id) == [pending[1].id])
            #expect(throws: StoreError.self) { try store.markDelivered(99) }
        }
    }

    @Test("feeds lists state, counts and held deliveries by name")
    func feeds() async throws {
        try await withTemporaryDirectory { directory in
            let store = try FileStore.open(directory: directory.path)
            try store.poll("b", [makeItem("b", 1)])
            try store.recordFetch(feed: "a", state: FeedFetchState(consecutiveFailures: 3, lastError: "timeout"))
            let feeds = try store.feeds()
            #expect(feeds.map(\.name) == ["a", "b"])
            #expect(feeds[0].state.consecutiveFailures == 3 && feeds[0].itemCount == 0)
            #expect(feeds[1].itemCount == 1 && feeds[1].polls == 1)
        }
    }
}
