import Config
import Daemon
import Hooks
import Store
import TestSupport
import Testing

/// The filtering the poll pipeline does (`DeliveryPlan`): a feed's filter for every hook, then each
/// hook's own, batch hooks included, through the daemon with a real server and store.
@Suite("Filters in the pipeline")
struct FilterPipelineTests {
    @Test("a feed's filter holds items back from every hook; a batch hook's filter drops items from its batch")
    func feedAndHookFilters() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1, 2, 3, 4, 5]]) { bed in
            let digest = RecordingHook(name: "digest")
            let every = RecordingHook(name: "every")
            let daemon = try bed.daemon(
                [
                    TestFeed(
                        name: "a", url: bed.base + "/a.xml", hooks: ["digest", "every"],
                        exclude: ["item 3"])
                ],
                hooks: [
                    HookSettings(hook: digest, filter: try ItemFilter(exclude: ["/item [12]/"]), batch: true),
                    HookSettings(hook: every),
                ], notifyExisting: true)
            _ = await daemon.pollOnce()
            #expect(
                bed.logged == ["Item 1", "Item 2", "Item 4", "Item 5"])
            #expect(every.calls.flatMap { $0 } == ["Item 1", "Item 2", "Item 4", "Item 5"])
            #expect(digest.calls == [["Item 4", "Item 5"]])

            // A new item the batch hook's filter rejects: no call at all for it, the others get it.
            bed.feeds.set("/a.xml", items: [1, 2, 3, 4, 5, 11])
            _ = await daemon.pollOnce()
            #expect(every.calls.flatMap { $0 } == ["Item 1", "Item 2", "Item 4", "Item 5", "Item 11"])
            #expect(digest.calls == [["Item 4", "Item 5"]])
            #expect(try daemon.store.pendingDeliveries(hook: "digest").isEmpty)
            try daemon.close()
        }
    }
}
