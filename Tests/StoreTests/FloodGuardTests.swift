import FeedModel
import Store
import TestSupport
import Testing

@Suite("Flood guard")
struct FloodGuardTests {
    /// 20 items whose ids change scheme on the second poll.
    private func renumbered(_ feed: String, _ range: ClosedRange<Int>, scheme: String) -> [FeedItem] {
        range.map { number in
            var item = makeItem(feed, number)
            item.id = "\(scheme):\(number)"
            item.key = ItemKey.make(.id(item.id!))
            return item
        }
    }

    @Test("the first poll of a new feed is never a flood")
    func firstPoll() async throws {
        try await withTemporaryDirectory { directory in
            let store = try FileStore.open(directory: directory.path)
            let result = try store.poll("n", (1...100).map { makeItem("n", $0) })
            #expect(result.new.count == 100 && !result.isFlood)
        }
    }

    @Test("an id scheme change is matched by link and title: nothing announced, keys remembered")
    func idSchemeChange() async throws {
        try await withTemporaryDirectory { directory in
            let store = try FileStore.open(directory: directory.path)
            try store.poll("s", renumbered("s", 1...20, scheme: "old"))
            let moved = renumbered("s", 1...20, scheme: "new")
            let result = try store.poll("s", moved, at: at(60))
            #expect(result.new.isEmpty && result.matched.count == 20 && result.deliveries.isEmpty)
            #expect(try store.poll("s", moved, at: at(120)).unchanged == 20)
        }
    }

    @Test("links compare without fragment, utm parameters, trailing slash or case of scheme and host")
    func linkNormalization() async throws {
        try await withTemporaryDirectory { directory in
            let store = try FileStore.open(directory: directory.path)
            let old = (1...12).map { makeItem("l", $0, title: "old \($0)", link: "https://example.org/p/\($0)/") }
            try store.poll("l", old)
            let moved = (1...12).map {
                var item = makeItem(
                    "l", $0 + 100, title: "new \($0)", link: "HTTPS://Example.ORG/p/\($0)?utm_source=x#top")
                item.key = ItemKey.make(.id("moved-\($0)"))
                return item
            }
            let result = try store.poll("l", moved, at: at(60))
            #expect(result.matched.count == 12 && result.new.isEmpty)
        }
    }

    @Test("what is still a flood is stored but held; held deliveries can be released or dropped")
    func heldThenReleased() async throws {
        try await withTemporaryDirectory { directory in
            var store = try FileStore.open(directory: directory.path)
            try store.poll("h", (1...20).map { makeItem("h", $0) })
            try store.poll("g", (1...20).map { makeItem("g", $0) })
            for delivery in try store.pendingDeliveries() { try store.markDelivered(delivery.id) }
            let flood = try store.poll("h", (101...130).map { makeItem("h", $0) }, at: at(60))
            #expect(flood.isFlood && flood.held.count == 30 && flood.new.isEmpty)
            #expect(try store.pendingDeliveries().isEmpty)
            try store.poll("g", (101...130).map { makeItem("g", $0) }, at: at(60))
            // A few new items are no flood.
            #expect(try store.poll("h", (131...135).map { makeItem("h", $0) }, at: at(120)).new.count == 5)
            try store.close()
            store = try FileStore.open(directory: directory.path)
            #expect(try store.held().map { $0.deliveries.count } == [30, 30])
            #expect(try store.feeds().map(\.heldCount) == [30, 30])
            #expect(try store.release(feed: "h", now: at(200)) == 30)
            #expect(try store.drop(feed: "g") == 30)
            #expect(try store.pendingDeliveries().count == 35)
            #expect(try store.held().isEmpty)
            #expect(try store.poll("g", (101...130).map { makeItem("g", $0) }, at: at(300)).new.isEmpty)
        }
    }

    @Test("thresholds are configurable")
    func thresholds() async throws {
        try await withTemporaryDirectory { directory in
            var options = StoreOptions()
            options.floodGuard = .init(minimum: 100, share: 0.9)
            let store = try FileStore.open(directory: directory.path, options: options)
            try store.poll("t", (1...20).map { makeItem("t", $0) })
            #expect(try store.poll("t", (101...150).map { makeItem("t", $0) }, at: at(1)).new.count == 50)
        }
    }

    /// A candidate as the stores pass them: an index and a link and title hash (0 for none).
    private struct Candidate: Equatable {
        var index: Int
        var link: Int32
        var title: Int32
    }

    /// Runs the match-and-hold step on `candidates` with nothing matched or held before.
    private func sort(
        _ candidates: [Candidate], links: Set<Int32>, titles: Set<Int32>
    ) -> (new: [Int], matched: [Int], held: [Int]) {
        let guardian = StoreOptions.FloodGuard(minimum: 3, share: 0.25)
        var new = candidates
        var matched: [Candidate] = []
        var held: [Candidate] = []
        guardian.matchAndHold(
            new: &new, matched: &matched, held: &held, documentItems: 12, keptLinks: links, keptTitles: titles,
            link: \.link, title: \.title)
        return (new.map(\.index), matched.map(\.index), held.map(\.index))
    }

    @Test(
        "match-and-hold: a 0 hash matches nothing, matched items leave the count, the rest is held past the threshold")
    func matchAndHold() {
        // 12 new items of 12 in the document: threshold max(3, 0.25 × 12) = 3.
        let candidates = (0..<12).map { Candidate(index: $0, link: Int32($0 + 1), title: 0) }
        let kept: Set<Int32> = [0, 1, 2, 3, 4, 5, 6, 7, 8, -9]
        // Links 1...8 are kept: 8 matched, 4 left (more than 3) are held.
        var sorted = sort(candidates, links: kept, titles: kept)
        #expect(sorted.matched == Array(0..<8) && sorted.held == Array(8..<12) && sorted.new.isEmpty)
        // With link 9 kept as well, 3 are left: no longer a flood, they stay new.
        sorted = sort(candidates, links: kept.union([9]), titles: [])
        #expect(sorted.matched.count == 9 && sorted.new == [9, 10, 11] && sorted.held.isEmpty)
        // Titles match as links do; a 0 link never matches a kept 0.
        let titled = candidates.map { Candidate(index: $0.index, link: 0, title: $0.link) }
        sorted = sort(titled, links: [0], titles: [-9, 12])
        #expect(sorted.matched == [11] && sorted.held == Array(0..<11) && sorted.new.isEmpty)
        // At or below the threshold nothing is matched or held.
        sorted = sort(Array(candidates.prefix(3)), links: kept, titles: kept)
        #expect(sorted.new == [0, 1, 2] && sorted.matched.isEmpty && sorted.held.isEmpty)
        let guardian = StoreOptions.FloodGuard(minimum: 3, share: 0.25)
        #expect(!guardian.isSuspected(newItems: 3, documentItems: 12))
        #expect(guardian.isSuspected(newItems: 4, documentItems: 12))
    }
}
