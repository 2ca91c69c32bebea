import Config
import Daemon
import Fetcher
import Foundation
import Hooks
import Store
import TestSupport
import Testing

/// A damaged store as the daemon meets it: a flipped byte in an item body or in a journal record costs
/// only that record, never the listings, the lane of a hook, or announcements made once already.
@Suite("Damaged store under the daemon")
struct DamageTests {
    /// Flips one byte of the file at `path`, in place (the daemon may have the file open).
    static func flipByte(in path: String, at offset: UInt64) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: [byte ^ 0xFF])
    }

    @Test(
        "a damaged journal record does not make a feed's items new again: only the item added since is delivered",
        arguments: [false, true])
    func damagedJournalRecord(notifyExisting: Bool) async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1, 2, 3]]) { bed in
            let blueprint = bed.blueprint([bed.feed("a", "/a.xml")], notifyExisting: notifyExisting ? .all : .none)
            let announced = notifyExisting ? ["Item 1", "Item 2", "Item 3"] : []

            let daemon = try await Daemon.build(blueprint, logger: quietLogger)
            _ = await daemon.pollOnce()
            #expect(await daemon.pollOnce().notModified == 1)
            #expect(bed.logged == announced)
            try await daemon.close()

            // The first record of the journal: the commit that defined the feed and stored its items,
            // with the feed's fetch state.
            try Self.flipByte(in: bed.statePath + "/journal-00000001.log", at: 16 + 20)
            bed.feeds.set("/a.xml", items: [1, 2, 3, 4])
            let restarted = try await Daemon.build(blueprint, logger: quietLogger)
            #expect(try restarted.files.recoveryNotes.contains { $0.kind == .damagedRecord })
            let summary = await restarted.pollOnce()
            #expect(summary.newItems == 1)
            #expect(bed.logged == announced + ["Item 4"])
            #expect(try restarted.files.items(feed: "a").count == 4)
            try await restarted.close()
        }
    }

    @Test("a delivery whose item body is damaged becomes a dead letter saying why; the feed's next items go on")
    func damagedBodyOfDelivery() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1, 2]]) { bed in
            let feeds = [bed.feed("a", "/a.xml", hooks: ["broken"])]
            let broken = RecordingHook(name: "broken", failing: true)
            let daemon = try await bed.daemon(feeds, hooks: [HookSettings(hook: broken)], notifyExisting: true)
            _ = await daemon.pollOnce()
            #expect(try daemon.files.pendingDeliveries(hook: "broken").count == 2)
            try await daemon.close()

            // Item 1's body is the first record of the first segment.
            let segment = bed.statePath + "/segment-00000001.items"
            try Self.flipByte(in: segment, at: 16 + 30)
            let repaired = RecordingHook(name: "broken")
            // Built again with the repaired hook in place of the broken one, and the clock near max_age.
            let restarted = try await bed.daemon(
                feeds, hooks: [HookSettings(hook: repaired)], notifyExisting: true,
                clock: LaterClock(seconds: 3 * 86_400 - 60))
            let summary = await restarted.pollOnce()
            #expect(repaired.calls == [["Item 2"]])
            #expect(summary.delivered == 1)
            let dead = try restarted.files.deadDeliveries()
            #expect(dead.count == 1)
            let error = try #require(dead.first?.lastError)
            #expect(error.hasPrefix("the stored item cannot be read: \(segment) at offset 16: item body fails"))
            #expect(try restarted.files.pendingDeliveries().isEmpty)
            try await restarted.close()
        }
    }

    @Test("listen: /items skips a damaged item body, logs a warning naming it, and answers 200 with the rest")
    func listenerWithDamagedBody() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1, 2]]) { bed in
            try bed.writeFeeds([("a", "/a.xml")])
            let child = try await bed.startChild(
                interval: "3600",
                environment: ["DAEMONCHILD_LISTEN": "127.0.0.1:0", "DAEMONCHILD_NOTIFY_EXISTING": "1"])
            defer { if child.process.isRunning { child.signal(SIGKILL) } }
            let url = try #require(await child.listenerAddress().map { "http://" + $0 }, "\(child.stderr)")
            #expect(await eventually { bed.logged.count == 2 })
            let segment = bed.statePath + "/segment-00000001.items"
            try Self.flipByte(in: segment, at: 16 + 30)

            let fetcher = try HTTPFetcher()
            defer { fetcher.shutdown() }
            let result = await fetcher.fetch(FetchRequest(url: url + "/items"))
            let content = try #require(result.content, "\(result)")
            let items = try JSONSerialization.jsonObject(with: Data(content.body)) as? [[String: Any]]
            #expect(items?.map { $0["title"] as? String } == ["Item 2"])
            #expect(
                await eventually {
                    child.stderr.contains("damaged item skipped in /items")
                        && child.stderr.contains("\(segment) at offset 16")
                }, "\(child.stderr)")

            child.signal(SIGTERM)
            #expect(await child.exitStatus() == 0, "\(child.stderr)")
        }
    }
}
