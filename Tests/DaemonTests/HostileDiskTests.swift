import Foundation
import TestSupport
import Testing

/// The state directory as bad luck leaves it: a disk that fills up while the daemon polls, a state
/// directory the daemon may not write. Both for real, in a child daemon: a file-size limit (`EFBIG`, as
/// a full disk fails, root included) and file permissions (a root test run first becomes user 65534,
/// since root ignores them).
@Suite("State directory: disk full and read-only", .serialized)
struct HostileDiskTests {
    /// A feed of `count` items with bodies of about `size` bytes each.
    static func bigFeed(count: Int, size: Int) -> ScriptedResponse {
        var text = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Big</title>"
        for number in 1...count {
            text += "<item><guid>big-\(number)</guid><title>Big \(number)</title>"
            text += "<description>" + String(repeating: "x", count: size) + "</description></item>"
        }
        text += "</channel></rss>"
        return .text(text, contentType: "application/rss+xml")
    }

    @Test("disk full: the feed whose items do not fit fails with a clear error, the others go on, nothing is lost")
    func diskFull() async throws {
        try await DaemonTestbed.with(feeds: ["/small.xml": [1]]) { bed in
            await bed.server.route("/big.xml", Self.bigFeed(count: 40, size: 4000))
            try bed.writeFeeds([("big", "/big.xml"), ("small", "/small.xml")])

            let (status, stderr) = try await bed.runChildOnce(environment: [
                "DAEMONCHILD_FILE_SIZE_LIMIT": "\(64 << 10)"
            ])
            #expect(status == 0, "\(stderr)")
            #expect(stderr.contains("store write failed"), "\(stderr)")
            #expect(stderr.contains("segment-00000001.items"), "\(stderr)")
            #expect(stderr.contains("File too large"), "\(stderr)")
            #expect(bed.logged == ["Item 1"])
            let segment = try FileManager.default.attributesOfItem(
                atPath: bed.directory.path + "/state/segment-00000001.items")
            #expect((segment[.size] as? Int ?? .max) < 64 << 10)

            // Space is back: the big feed's items are stored and announced, the small one's not again.
            let (again, stderrAgain) = try await bed.runChildOnce(environment: [:])
            #expect(again == 0, "\(stderrAgain)")
            #expect(!stderrAgain.contains("store write failed"), "\(stderrAgain)")
            #expect(!stderrAgain.contains("store recovered"), "\(stderrAgain)")
            let titles = bed.logged
            #expect(titles.count == 41)
            #expect(titles.filter { $0 == "Item 1" }.count == 1)
            #expect(Set(titles.filter { $0.hasPrefix("Big ") }).count == 40)
        }
    }

    @Test("a read-only state directory stops the daemon with an error naming the file; nothing in it changes")
    func readOnlyStateDirectory() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1, 2]]) { bed in
            try bed.writeFeeds([("a", "/a.xml")])
            let (first, firstStderr) = try await bed.runChildOnce(environment: [:])
            #expect(first == 0, "\(firstStderr)")
            #expect(bed.logged == ["Item 1", "Item 2"])

            let state = bed.statePath
            let manager = FileManager.default
            let names = try manager.contentsOfDirectory(atPath: state).sorted()
            func snapshot() throws -> [String: Data] {
                var files: [String: Data] = [:]
                for name in names { files[name] = try Data(contentsOf: URL(fileURLWithPath: state + "/" + name)) }
                return files
            }
            let before = try snapshot()
            for name in names {
                try manager.setAttributes([.posixPermissions: 0o444], ofItemAtPath: state + "/" + name)
            }
            try manager.setAttributes([.posixPermissions: 0o555], ofItemAtPath: state)
            // The test directory must be passable for user 65534 (the child when the tests run as root).
            try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bed.directory.path)
            defer {
                try? manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: state)
                for name in names {
                    try? manager.setAttributes([.posixPermissions: 0o644], ofItemAtPath: state + "/" + name)
                }
            }
            bed.feeds.set("/a.xml", items: [1, 2, 3])

            let (status, stderr) = try await bed.runChildOnce(environment: ["DAEMONCHILD_AS_NOBODY": "1"])
            #expect(status == 1, "\(stderr)")
            #expect(stderr.contains(state + "/lock") && stderr.contains("Permission denied"), "\(stderr)")
            #expect(try snapshot() == before)
            #expect(bed.logged == ["Item 1", "Item 2"])

            // Writable again: what was stored is there, and only the new item is announced.
            try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: state)
            for name in names {
                try manager.setAttributes([.posixPermissions: 0o644], ofItemAtPath: state + "/" + name)
            }
            let (last, lastStderr) = try await bed.runChildOnce(environment: [:])
            #expect(last == 0, "\(lastStderr)")
            #expect(bed.logged == ["Item 1", "Item 2", "Item 3"])
        }
    }
}
