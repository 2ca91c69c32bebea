// feedd-bench-store: the store's figures from issue 5, one phase per process so that each peak memory
// is that phase's own. Run by scripts/bench-store; never part of `swift test`.
//
//   feedd-bench-store insert DIR [FEEDS] [ITEMS]   1,000,000 items across 10,000 feeds (one commit per feed)
//   feedd-bench-store load DIR                     open the store: start-up time and peak memory
//   feedd-bench-store pass DIR [LATEST]            a poll of every feed with its latest 50 items, none new
//   feedd-bench-store compact DIR                  write a snapshot (start-up then reads it)
//
// Items look like a typical RSS item: a title of about 50 bytes, a link, a 600-byte summary, a date,
// an author and two categories. Generating them is not timed; only the store's calls are.
import FeedModel
import Foundation
import Store

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("feedd-bench-store: \(message)\n".utf8))
    exit(64)
}

func peakMemoryMB() -> Double {
    var usage = rusage()
    guard getrusage(Int32(RUSAGE_SELF.rawValue), &usage) == 0 else { return -1 }
    return Double(usage.ru_maxrss) / 1024
}

let summaryText = String(
    repeating: "Lorem ipsum dolor sit amet, <a href=\"https://example.org/x\">consectetur</a> adipiscing. ",
    count: 7)

func item(feed: Int, number: Int) -> FeedItem {
    let id = "https://feed\(feed).example.org/posts/\(number)"
    return FeedItem(
        id: id, key: ItemKey.make(.id(id)), title: "Post number \(number) of feed \(feed): a typical headline",
        link: id, summary: summaryText, published: Timestamp(secondsSince1970: 1_790_000_000 + Int64(number) * 60),
        authors: [Author(name: "Author \(feed % 97)")], categories: ["news", "topic \(number % 13)"])
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: feedd-bench-store insert|load|pass|compact DIR [N...]") }
let directory = arguments[2]
func argument(_ index: Int, _ fallback: Int) -> Int {
    arguments.count > index ? Int(arguments[index]) ?? fallback : fallback
}
let clock = ContinuousClock()
let now = Timestamp(secondsSince1970: 1_800_000_000)

do {
    switch arguments[1] {
    case "insert":
        let feeds = argument(3, 10_000)
        let perFeed = argument(4, 100)
        let store = try FileStore.open(directory: directory)
        var timed = Duration.zero
        for feed in 0..<feeds {
            let items = (0..<perFeed).map { item(feed: feed, number: $0) }
            let started = clock.now
            let result = try store.commit(
                feed: "feed-\(feed)", items: items, fetchState: FeedFetchState(etag: "\"v1\"", lastSuccess: now),
                now: now, deliveries: { _, _ in [] })
            timed += clock.now - started
            precondition(result.new.count == perFeed, "insert: expected all new")
        }
        try store.close()
        let total = feeds * perFeed
        print(
            "insert: \(total) items across \(feeds) feeds in \(String(format: "%.2f", seconds(timed))) s "
                + "(\(String(format: "%.0f", Double(total) / seconds(timed))) items/s, one fsync per feed), "
                + "peak \(String(format: "%.0f", peakMemoryMB())) MB")
    case "load":
        let started = clock.now
        let store = try FileStore.open(directory: directory, options: StoreOptions(readOnly: true))
        let elapsed = clock.now - started
        let count = try store.itemCount()
        print(
            "load: \(count) items in \(String(format: "%.3f", seconds(elapsed))) s, "
                + "peak \(String(format: "%.0f", peakMemoryMB())) MB")
    case "pass":
        let latest = argument(3, 50)
        let store = try FileStore.open(directory: directory)
        let feeds = try store.feeds()
        var timed = Duration.zero
        var unchanged = 0
        for summary in feeds {
            guard let feed = Int(summary.name.dropFirst("feed-".count)) else { continue }
            let items = (summary.itemCount - latest..<summary.itemCount).map { item(feed: feed, number: $0) }
            let started = clock.now
            let result = try store.commit(
                feed: summary.name, items: items, fetchState: FeedFetchState(etag: "\"v1\"", lastSuccess: now),
                now: now, deliveries: { _, _ in [] })
            timed += clock.now - started
            precondition(result.new.isEmpty && result.updated.isEmpty, "pass: expected nothing new")
            unchanged += result.unchanged
        }
        let started = clock.now
        try store.close()
        let closing = clock.now - started
        print(
            "pass: \(feeds.count) feeds, \(unchanged) items, nothing new, in \(String(format: "%.3f", seconds(timed))) s "
                + "(+\(String(format: "%.3f", seconds(closing))) s for the final fsync), "
                + "peak \(String(format: "%.0f", peakMemoryMB())) MB")
    case "compact":
        let store = try FileStore.open(directory: directory)
        let started = clock.now
        let report = try store.compact(now: now)
        let elapsed = clock.now - started
        try store.close()
        print(
            "compact: snapshot \(report.snapshotBytes / 1_000_000) MB in \(String(format: "%.2f", seconds(elapsed))) s")
    default:
        fail("unknown phase \(arguments[1])")
    }
} catch {
    fail("\(error)")
}
