import FeedModel
import Store
import TestSupport
import Testing

/// The store calls the daemon adds: per-hook outbox pages, previews, replays.
@Suite("Store: daemon queries")
struct DaemonQueryTests {
    private func item(_ number: Int) -> FeedItem {
        FeedItem(id: "n\(number)", key: ItemKey.make(.id("n\(number)")), title: "Item \(number)")
    }

    @Test("a hook's pending deliveries come in due order, a page at a time")
    func pagesInDueOrder() async throws {
        try await withTemporaryDirectory { directory in
            let store = try FileStore.open(directory: directory.path)
            let start = Timestamp(secondsSince1970: 1_800_000_000)
            let result = try store.commit(
                feed: "f", items: (0..<40).map(item), fetchState: FeedFetchState(), now: start,
                deliveries: { _, _ in ["a", "b"] })
            // Scatter the due times of hook a's deliveries.
            for (index, delivery) in result.deliveries.enumerated() where delivery.hook == "a" {
                let due = Timestamp(secondsSince1970: start.secondsSince1970 + Int64((index * 7919) % 97))
                try store.markFailed(delivery.id, attempt: 1, retryAt: due, error: "x")
            }
            let all = try store.pendingDeliveries().filter { $0.hook == "a" }
            let page = try store.pendingDeliveries(hook: "a", limit: 7)
            #expect(page.map(\.id) == all.prefix(7).map(\.id))
            let due = Timestamp(secondsSince1970: start.secondsSince1970 + 10)
            #expect(
                try store.pendingDeliveries(hook: "a", dueBy: due).map(\.id)
                    == all.filter { $0.nextAttempt <= due }.map(\.id))
            #expect(try store.nextPendingAttempt(hook: "a") == all.first?.nextAttempt)
            #expect(try store.nextPendingAttempt(hook: "none") == nil)
            try store.close()
        }
    }

    @Test("a preview tells new, updated and known items apart without writing")
    func preview() async throws {
        try await withTemporaryDirectory { directory in
            let store = try FileStore.open(directory: directory.path)
            let now = Timestamp(secondsSince1970: 1_800_000_000)
            #expect(try store.preview(feed: "f", items: [item(1)]).isFirstPoll)
            _ = try store.commit(feed: "f", items: [item(1), item(2)], fetchState: FeedFetchState(), now: now) { _, _ in
                []
            }
            var changed = item(2)
            changed.title = "Item 2, corrected"
            let preview = try store.preview(feed: "f", items: [item(1), changed, item(3)])
            #expect(!preview.isFirstPoll)
            #expect(preview.new.map(\.title) == ["Item 3"])
            #expect(preview.updated.map(\.title) == ["Item 2, corrected"])
            #expect(preview.unchanged == 1)
            #expect(try store.polls(feed: "f") == 1)
            #expect(try store.items(feed: "f").count == 2)
            try store.close()
        }
    }
}
