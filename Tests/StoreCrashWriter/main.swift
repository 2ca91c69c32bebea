// StoreCrashWriter: the child process of the store's crash tests. It opens the store in DIR, commits
// batches FIRST, FIRST+1, ... (10 items each, and the previous batch of the same feed again), and
// prints `acked BATCH new=N` after each commit returns, so the test knows what was acknowledged
// when it kills the process. Every COMPACT batches it compacts. Exit 75 when the store is locked.
import FeedModel
import Platform
import Store

let arguments = CommandLine.arguments
guard arguments.count >= 4, let first = Int(arguments[2]), let count = Int(arguments[3]) else {
    try? StandardStream.error.write("usage: StoreCrashWriter DIR FIRST COUNT [COMPACT]\n")
    exitProcess(64)
}
let compactEvery = arguments.count > 4 ? Int(arguments[4]) ?? 0 : 0

func items(batch: Int) -> [FeedItem] {
    (0..<10).map { index in
        let id = "item-\(batch * 10 + index)"
        return FeedItem(
            id: id, key: ItemKey.make(.id(id)), title: "Item \(batch * 10 + index)",
            link: "https://example.org/\(id)", summary: String(repeating: "text ", count: 40))
    }
}

func feed(batch: Int) -> String { "feed-\(batch % 7)" }

do {
    let store = try FileStore.open(directory: arguments[1])
    for note in store.recoveryNotes { try? StandardStream.error.write("recovered: \(note)\n") }
    for batch in first..<first + count {
        let now = Timestamp(secondsSince1970: 1_800_000_000 + Int64(batch))
        let previous = batch >= 7 ? items(batch: batch - 7) : []
        let result = try store.commit(
            feed: feed(batch: batch), items: items(batch: batch) + previous,
            fetchState: FeedFetchState(lastSuccess: now),
            now: now, deliveries: { _, _ in ["h"] })
        try StandardStream.output.write("acked \(batch) new=\(result.new.count)\n")
        if compactEvery > 0 && batch % compactEvery == compactEvery - 1 { try store.compact(now: now) }
    }
    try store.close()
} catch {
    try? StandardStream.error.write("StoreCrashWriter: \(error)\n")
    exitProcess((error as? StoreError)?.isLocked == true ? 75 : 1)
}
