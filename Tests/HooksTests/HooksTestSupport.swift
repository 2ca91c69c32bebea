import FeedModel
import Foundation
import Hooks
import Synchronization
import TestSupport

/// A thread-safe counter for scripted server routes.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    /// Adds one and returns the new value.
    func next() -> Int {
        value.add(1, ordering: .relaxed).newValue
    }
}

enum Sample {
    static let feed = HookFeed(name: "bbc-world", title: "BBC News - World", url: "https://feeds.example/world.xml")

    static func item(
        title: String? = "South Korea seeks 'new phase' in ties",
        key: String = "sha256:0123abcd",
        summary: String? = "<p>The two leaders met in <b>Beijing</b> &amp; talked.</p>",
        content: String? = nil,
        categories: [String] = ["Asia"],
        authors: [Author] = [Author(name: "Jake Kwon")]
    ) -> FeedItem {
        FeedItem(
            id: "https://news.example/a/1", key: key, title: title, link: "https://news.example/a/1",
            summary: summary, content: content,
            published: Timestamp(year: 2026, month: 11, day: 28, hour: 8, minute: 2, second: 11),
            authors: authors, categories: categories,
            enclosures: [Enclosure(url: "https://img.example/p.jpg", type: "image/jpeg")])
    }

    static func delivery(_ item: FeedItem = item(), id: String = "d-1", attempt: Int = 1) -> Delivery {
        Delivery(id: id, attempt: attempt, feed: feed, event: .new, item: item)
    }
}

/// Writes an executable shell script into `directory` and returns its path.
@discardableResult
func writeScript(_ body: String, named name: String, in directory: TemporaryDirectory) throws -> String {
    let url = try directory.write("#!/bin/sh\n" + body + "\n", to: name)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    return url.path
}

/// Parses JSON text into Foundation objects.
func parseJSON(_ bytes: [UInt8]) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(bytes))
    guard let dictionary = object as? [String: Any] else { throw TestFailure("not a JSON object") }
    return dictionary
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Whether process `pid` is still running: it exists and is not a zombie waiting to be reaped.
func isRunning(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return false }
    let state = stat[stat.index(close, offsetBy: 2)]
    return state != "Z" && state != "X"
}

/// Waits (at most `limit`) until `condition` holds; returns whether it did.
func eventually(within limit: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
