import FeedModel
import Foundation
import Store
import TestSupport
import Testing

/// A child process writing thousands of items, killed with SIGKILL at random points, then a restart.
@Suite("Crash safety")
struct CrashTests {
    static let writer: URL = {
        var directory = Bundle.main.bundleURL
        if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
        let candidate = directory.appendingPathComponent("StoreCrashWriter")
        if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("StoreCrashWriter")
    }()

    /// SplitMix64: the kill points are the same on every run.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func key(_ number: Int) -> String { ItemKey.make(.id("item-\(number)")) }

    @Test("every acknowledged item survives SIGKILL at random points, and none is announced twice")
    func killedAtRandom() async throws {
        try await withTemporaryDirectory { directory in
            var random = SeededGenerator(state: 0x5EED_F00D)
            var acked = Set<Int>()
            var next = 0
            for round in 0..<24 {
                let delay = Int.random(in: 40...260, using: &random)
                let result = try await ProcessRunner.run(
                    Self.writer, arguments: [directory.path, String(next), "100000", "25"],
                    timeout: .milliseconds(delay))
                #expect(result.wasSignalled, "round \(round): \(result.stderrText)")
                for line in result.stdoutText.split(separator: "\n") {
                    let words = line.split(separator: " ")
                    if words.count == 3, words[0] == "acked", let batch = Int(words[1]) { acked.insert(batch) }
                }
                next = (acked.max() ?? -1) + 1
            }
            #expect(acked.count > 50, "too few commits acknowledged to test anything")

            let store = try FileStore.open(directory: directory.path)
            for batch in acked {
                for number in batch * 10..<batch * 10 + 10 {
                    #expect(try store.item(feed: "feed-\(batch % 7)", key: Self.key(number)) != nil, "item \(number)")
                }
            }
            // One delivery per stored item: nothing was announced twice, nothing stored went unannounced.
            let deliveries = try store.pendingDeliveries()
            let perKey = Dictionary(grouping: deliveries, by: \.itemKey)
            #expect(perKey.values.allSatisfy { $0.count == 1 })
            #expect(deliveries.count == (try store.itemCount()))
            // Committing every acknowledged batch again finds nothing new.
            let again = try store.commit(
                feed: "feed-0",
                items: acked.filter { $0 % 7 == 0 }.flatMap { batch in
                    (batch * 10..<batch * 10 + 10).map { FeedItem(id: "item-\($0)", key: Self.key($0)) }
                }, fetchState: FeedFetchState(), now: t0, deliveries: everyItem)
            #expect(again.new.isEmpty)
            #expect(try store.check().isHealthy)
        }
    }

    @Test("a second process on a locked state directory exits at once with status 75")
    func lockedChild() async throws {
        try await withTemporaryDirectory { directory in
            let store = try FileStore.open(directory: directory.path)
            let result = try await ProcessRunner.run(
                Self.writer, arguments: [directory.path, "0", "1"], timeout: .seconds(20))
            #expect(result.status == 75 && !result.wasSignalled)
            #expect(result.stderrText.contains("is in use by another feedd process"))
            try store.close()
        }
    }
}
