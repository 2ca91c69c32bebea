import FeedModel
import Foundation
import Platform
import Store
import TestSupport
import Testing

@Suite("Recovery")
struct RecoveryTests {
    /// Three commits of 5 items each, closed; returns the journal's URL.
    private func threeCommits(_ directory: TemporaryDirectory) throws -> URL {
        let store = try FileStore.open(directory: directory.path)
        for batch in 0..<3 {
            try store.poll("f", (1...5).map { makeItem("f", batch * 5 + $0) }, at: at(Int64(batch)))
        }
        try store.close()
        return try #require(try storeFiles(directory, "journal-").last)
    }

    @Test("a torn last record is cut off and reported; everything before it is kept and appending goes on")
    func tornTail() async throws {
        try await withTemporaryDirectory { directory in
            let journal = try threeCommits(directory)
            let bytes = try Data(contentsOf: journal)
            try bytes.prefix(bytes.count - 7).write(to: journal)
            let store = try FileStore.open(directory: directory.path)
            let note = try #require(store.recoveryNotes.first)
            #expect(note.kind == .tornTail)
            #expect(note.description.contains("bytes dropped"))
            // The lost commit's bodies, already in the segment, are cut too: new bodies start on a boundary.
            #expect(store.recoveryNotes.count == 2)
            #expect(store.recoveryNotes.last?.kind == .unfinishedCommit)
            #expect(try store.itemCount() == 10)
            // The lost commit's items are new again (the commit was never acknowledged as durable here).
            #expect(try store.poll("f", (11...15).map { makeItem("f", $0) }, at: at(9)).new.count == 5)
            try store.close()
            let reopened = try FileStore.open(directory: directory.path)
            #expect(reopened.recoveryNotes.isEmpty)
            #expect(try reopened.itemCount() == 15)
            #expect(try reopened.check().isHealthy)
        }
    }

    @Test("a crash in the middle of writing a commit's bodies: the torn body is cut, later bodies read back whole")
    func tornBody() async throws {
        try await withTemporaryDirectory { directory in
            let journal = try threeCommits(directory)
            // The last commit never reached the journal, and its last body was cut short.
            let records = [UInt8](try Data(contentsOf: journal))
            let store0 = try FileStore.open(directory: directory.path, options: StoreOptions(readOnly: true))
            #expect(try store0.itemCount() == 15)
            try store0.close()
            let segment = try #require(try storeFiles(directory, "segment-").last)
            let bodies = try Data(contentsOf: segment)
            try bodies.prefix(bodies.count - 5).write(to: segment)
            let firstRecordEnd = records.count - 1  // any cut inside the last journal record
            try Data(records.prefix(firstRecordEnd)).write(to: journal)

            let store = try FileStore.open(directory: directory.path)
            #expect(store.recoveryNotes.map(\.kind) == [.tornTail, .unfinishedCommit])
            #expect(try store.itemCount() == 10)
            #expect(try store.poll("f", (11...15).map { makeItem("f", $0) }, at: at(9)).new.count == 5)
            try store.close()
            let reopened = try FileStore.open(directory: directory.path)
            #expect(reopened.recoveryNotes.isEmpty)
            #expect(try reopened.itemCount() == 15)
            #expect(try reopened.items(feed: "f", since: nil, limit: 100).count == 15)
            #expect(try reopened.check().isHealthy)
        }
    }

    @Test("a damaged record in the middle is skipped with a clear note, never a crash")
    func damagedMiddle() async throws {
        try await withTemporaryDirectory { directory in
            let journal = try threeCommits(directory)
            var bytes = [UInt8](try Data(contentsOf: journal))
            // The second record: after the 16-byte header and the first record.
            let first = 16 + 12 + Int(UInt32(bytes[20]) | UInt32(bytes[21]) << 8 | UInt32(bytes[22]) << 16)
            bytes[first + 40] ^= 0xFF
            try Data(bytes).write(to: journal)
            let store = try FileStore.open(directory: directory.path)
            let note = try #require(store.recoveryNotes.first)
            #expect(note.kind == .damagedRecord && note.offset == first)
            #expect(note.description.contains("checksum"))
            #expect(try store.itemCount() == 10)
            let report = try store.check()
            #expect(!report.isHealthy)
            #expect(report.files.contains { $0.problems.contains { $0.contains("fail their checksum") } })
        }
    }

    @Test("a damaged item body is reported by check, skipped by listings with its name, and the rest is listed")
    func damagedBody() async throws {
        try await withTemporaryDirectory { directory in
            _ = try threeCommits(directory)
            let segment = try #require(try storeFiles(directory, "segment-").first)
            var bytes = [UInt8](try Data(contentsOf: segment))
            bytes[40] ^= 0xFF
            try Data(bytes).write(to: segment)
            let store = try FileStore.open(directory: directory.path, options: StoreOptions(readOnly: true))
            let report = try store.check()
            #expect(report.badBodies.count == 1)
            let list = try store.listItems(feed: "f")
            #expect(list.items.count == 14)
            let damaged = try #require(list.damaged.first)
            #expect(list.damaged.count == 1)
            #expect(damaged.feed == "f" && damaged.offset == 16 && damaged.path == segment.path)
            #expect(damaged.key.hasPrefix("sha256:") && damaged.key.hasSuffix("…"))
            #expect(damaged.description.contains("item body fails its checksum"))
            // A limit counts listed items: the damaged one does not take a place.
            #expect(try store.listItems(feed: "f", limit: 14).items.count == 14)
            #expect(try store.items(feed: "f").count == 14)
            #expect(throws: StoreError.self) { try store.item(feed: "f", key: makeItem("f", 1).key) }
        }
    }

    @Test("replay queues the readable items and names the one whose body is damaged")
    func replayWithDamagedBody() async throws {
        try await withTemporaryDirectory { directory in
            _ = try threeCommits(directory)
            let segment = try #require(try storeFiles(directory, "segment-").first)
            var bytes = [UInt8](try Data(contentsOf: segment))
            bytes[40] ^= 0xFF
            try Data(bytes).write(to: segment)
            let store = try FileStore.open(directory: directory.path)
            var skipped: [DamagedItem] = []
            let queued = try store.replay(hook: "again", since: t0, now: at(20)) { skipped.append($0) }
            #expect(queued == 14)
            #expect(skipped.map(\.offset) == [16])
            try store.close()
        }
    }

    @Test("a missing segment file is damage to its items: listings skip them and name the file")
    func missingSegment() async throws {
        try await withTemporaryDirectory { directory in
            _ = try threeCommits(directory)
            let segment = try #require(try storeFiles(directory, "segment-").first)
            let store = try FileStore.open(directory: directory.path, options: StoreOptions(readOnly: true))
            try FileManager.default.removeItem(at: segment)
            let list = try store.listItems()
            #expect(list.items.isEmpty && list.damaged.count == 15)
            #expect(list.damaged.allSatisfy { $0.reason == "the segment file is missing" })
        }
    }

    @Test("a damaged journal record that stored items: their keys are read back from the bodies, not new again")
    func damagedCommitRecord() async throws {
        try await withTemporaryDirectory { directory in
            let journal = try threeCommits(directory)
            var bytes = [UInt8](try Data(contentsOf: journal))
            bytes[16 + 20] ^= 0xFF  // the first commit: the feed's definition, items 1-5, their deliveries
            try Data(bytes).write(to: journal)
            let store = try FileStore.open(directory: directory.path)
            #expect(store.recoveryNotes.map(\.kind) == [.damagedRecord, .keysFromBodies])
            #expect(store.recoveryNotes.last?.description.contains("5 item keys read back") == true)
            // Items 1-5 and 6-15 again, and a new one: only the new one is new.
            #expect(!(try store.isFirstPoll(feed: "f", items: [makeItem("f", 1)])))
            let result = try store.poll("f", (1...16).map { makeItem("f", $0) }, at: at(9))
            #expect(result.new.map(\.key) == [makeItem("f", 16).key])
            #expect(result.matched.count == 5)
            try store.close()
            let reopened = try FileStore.open(directory: directory.path)
            #expect(try reopened.poll("f", (1...16).map { makeItem("f", $0) }, at: at(10)).new.isEmpty)
            try reopened.close()
        }
    }

    @Test("a damaged record that named a feed: its kept items name it again at its next poll")
    func lostFeedDefinition() async throws {
        try await withTemporaryDirectory { directory in
            let store0 = try FileStore.open(directory: directory.path)
            try store0.poll("f", (1...3).map { makeItem("f", $0) }, at: at(0))
            try store0.poll("f", (1...6).map { makeItem("f", $0) }, at: at(1))
            try store0.close()
            let journal = try #require(try storeFiles(directory, "journal-").last)
            var bytes = [UInt8](try Data(contentsOf: journal))
            bytes[16 + 20] ^= 0xFF
            try Data(bytes).write(to: journal)
            let store = try FileStore.open(directory: directory.path)
            #expect(try store.feeds().isEmpty)  // the name was in the damaged record
            #expect(!(try store.isFirstPoll(feed: "f", items: [makeItem("f", 5)])))
            let result = try store.poll("f", (1...7).map { makeItem("f", $0) }, at: at(2))
            #expect(result.new.map(\.key) == [makeItem("f", 7).key])
            #expect(try store.feeds().map(\.name) == ["f"])
            #expect(try store.items(feed: "f").count == 7)
            try store.close()
        }
    }

    @Test("store check passes on a healthy store, before and after compaction")
    func checkHealthy() async throws {
        try await withTemporaryDirectory { directory in
            _ = try threeCommits(directory)
            let store = try FileStore.open(directory: directory.path)
            #expect(try store.check().isHealthy)
            try store.compact(now: at(100))
            let report = try store.check()
            #expect(report.isHealthy && report.items == 15)
            #expect(try storeFiles(directory, "snapshot-").count == 1)
        }
    }

    @Test("a file of a newer format version is refused with its name and version")
    func formatVersion() async throws {
        try await withTemporaryDirectory { directory in
            let journal = try threeCommits(directory)
            var bytes = [UInt8](try Data(contentsOf: journal))
            bytes[8] = 9
            try Data(bytes).write(to: journal)
            do throws(StoreError) {
                _ = try FileStore.open(directory: directory.path)
                Issue.record("opened a version 9 journal")
            } catch {
                #expect(error.description.contains("format version 9"))
                #expect(error.description.contains(journal.lastPathComponent))
            }
        }
    }
}

@Suite("Write failures")
struct WriteFailureTests {
    @Test("disk full: the commit fails cleanly, nothing advances, and the store works once space is back")
    func diskFull() async throws {
        try await withTemporaryDirectory { directory in
            let faults = FaultyFileSystem()
            var options = StoreOptions()
            options.fileSystem = faults
            var store = try FileStore.open(directory: directory.path, options: options)
            try store.poll("d", [makeItem("d", 1)])
            for writes in [0, 1] {  // fail on the body segment, then on the journal after the bodies
                faults.fail(write: SystemError.noSpace, after: writes)
                do throws(StoreError) {
                    _ = try store.commit(
                        feed: "d", items: [makeItem("d", 2)], fetchState: FeedFetchState(etag: "new"), now: at(5),
                        deliveries: everyItem)
                    Issue.record("commit succeeded on a full disk")
                } catch {
                    #expect(error.isIOError)
                    #expect(error.description.contains("No space left on device"))
                    #expect(error.description.contains(directory.path))
                }
                #expect(try store.fetchState(feed: "d")?.etag == nil)
                #expect(try store.itemCount() == 1)
            }
            faults.heal()
            #expect(try store.poll("d", [makeItem("d", 2)], at: at(6)).new.count == 1)
            try store.close()
            store = try FileStore.open(directory: directory.path)
            #expect(store.recoveryNotes.isEmpty)
            #expect(try store.itemCount() == 2)
            #expect(try store.pendingDeliveries().count == 2)
            #expect(try store.check().isHealthy)
        }
    }

    @Test("a failed fsync (read-only file system) does not acknowledge the commit")
    func readOnlyFileSystem() async throws {
        try await withTemporaryDirectory { directory in
            let faults = FaultyFileSystem()
            var options = StoreOptions()
            options.fileSystem = faults
            let store = try FileStore.open(directory: directory.path, options: options)
            faults.fail(write: SystemError.readOnlyFileSystem, sync: SystemError.readOnlyFileSystem)
            #expect(throws: StoreError.self) { try store.poll("r", [makeItem("r", 1)]) }
            #expect(throws: StoreError.self) { try store.compact(now: t0) }
            faults.heal()
            #expect(try store.poll("r", [makeItem("r", 1)]).new.count == 1)
            try store.compact(now: t0)
            #expect(try store.check().isHealthy)
        }
    }
}

@Suite("Compaction")
struct CompactionTests {
    @Test("commits go on while a compaction writes its snapshot, and nothing is lost")
    func concurrentCommits() async throws {
        try await withTemporaryDirectory { directory in
            let store = try FileStore.open(directory: directory.path)
            for feed in 0..<20 { try store.poll("c\(feed)", (0..<50).map { makeItem("c\(feed)", $0) }) }
            let path = directory.path
            async let compactions: Void = Task.detached {
                for round in 0..<5 { try store.compact(now: at(Int64(round))) }
            }.value
            for batch in 0..<40 {
                try store.poll("live", [makeItem("live", batch)], at: at(Int64(batch)))
            }
            try await compactions
            try store.close()
            let reopened = try FileStore.open(directory: path)
            #expect(reopened.recoveryNotes.isEmpty)
            #expect(try reopened.itemCount() == 20 * 50 + 40)
            #expect(try reopened.poll("live", (0..<40).map { makeItem("live", $0) }, at: at(99)).new.isEmpty)
            #expect(try reopened.check().isHealthy)
            #expect(try storeFiles(directory, "journal-").count == 1)
        }
    }

    @Test("a remembered key is forgotten only after the feed went the configured polls and time without it")
    func forgetting() async throws {
        try await withTemporaryDirectory { directory in
            var options = StoreOptions()
            options.retention = .init(maxItems: 1, maxAge: .seconds(86_400))
            options.keyMemory = .init(polls: 2, age: .seconds(100))
            let store = try FileStore.open(directory: directory.path, options: options)
            try store.poll("k", [makeItem("k", 1)])
            try store.poll("k", [makeItem("k", 2)], at: at(1))
            for delivery in try store.pendingDeliveries() { try store.markDelivered(delivery.id) }
            #expect(try store.compact(now: at(2)).itemsDropped == 1)  // item 1: remembered
            try store.poll("k", [makeItem("k", 2)], at: at(3))
            try store.poll("k", [makeItem("k", 2)], at: at(4))
            #expect(try store.compact(now: at(50)).keysForgotten == 0)  // too recent
            try store.poll("k", [makeItem("k", 2)], at: at(200))
            #expect(try store.compact(now: at(300)).keysForgotten == 1)  // 3 polls and 298 s without it
            #expect(try store.poll("k", [makeItem("k", 1)], at: at(301)).new.count == 1)
        }
    }

    @Test("a damaged snapshot with no older one still gives its intact records, with a note")
    func damagedSnapshot() async throws {
        try await withTemporaryDirectory { directory in
            var store = try FileStore.open(directory: directory.path)
            for feed in 0..<3 { try store.poll("s\(feed)", (0..<5).map { makeItem("s\(feed)", $0) }) }
            try store.compact(now: t0)
            try store.close()
            let snapshot = try #require(try storeFiles(directory, "snapshot-").first)
            var bytes = [UInt8](try Data(contentsOf: snapshot))
            bytes[bytes.count - 3] ^= 0xFF  // the end record
            try Data(bytes).write(to: snapshot)
            store = try FileStore.open(directory: directory.path)
            #expect(store.recoveryNotes.count == 1)
            #expect(try store.itemCount() == 15)
        }
    }
}
