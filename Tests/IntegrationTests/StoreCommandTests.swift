import FeedModel
import Foundation
import Store
import TestSupport
import Testing

/// `feedd items`, `feeds`, `held` and `store` as users run them, on a store the test fills.
@Suite("feedd store commands")
struct StoreCommandTests {
    private func run(_ arguments: [String]) async throws -> ProcessResult {
        try await ProcessRunner.run(ParseCommandTests.binary, arguments: arguments)
    }

    private func item(_ number: Int, title: String) -> FeedItem {
        FeedItem(
            id: "n\(number)", key: ItemKey.make(.id("n\(number)")), title: title,
            link: "https://example.org/\(number)", published: Timestamp(secondsSince1970: 1_800_000_000))
    }

    /// Feed "news" with two items seen a minute apart, and feed "quiet" that failed.
    private func fill(_ directory: TemporaryDirectory) throws -> FileStore {
        let store = try FileStore.open(directory: directory.path)
        let start = Timestamp(secondsSince1970: 1_800_000_000)
        _ = try store.commit(
            feed: "news", items: [item(1, title: "First")], fetchState: FeedFetchState(lastSuccess: start),
            now: start, deliveries: { _, _ in ["log"] })
        let later = Timestamp(secondsSince1970: 1_800_000_060)
        _ = try store.commit(
            feed: "news", items: [item(1, title: "First"), item(2, title: "Second")],
            fetchState: FeedFetchState(lastSuccess: later), now: later, deliveries: { _, _ in ["log"] })
        try store.recordFetch(
            feed: "quiet", state: FeedFetchState(consecutiveFailures: 2, lastError: "HTTP 503", lastErrorAt: later))
        try store.sync()  // fetch state alone is buffered until then
        return store
    }

    @Test("items lists newest first, as tab-separated lines or JSON Lines, while the store is open elsewhere")
    func items() async throws {
        try await withTemporaryDirectory { directory in
            let store = try fill(directory)
            let text = try await run(["items", "--state-dir", directory.path])
            #expect(text.status == 0)
            #expect(
                text.stdoutText == """
                    2027-01-15T08:01:00Z\tnews\tSecond\thttps://example.org/2
                    2027-01-15T08:00:00Z\tnews\tFirst\thttps://example.org/1

                    """)
            let json = try await run(["items", "--state-dir", directory.path, "--json", "--limit", "1"])
            let lines = json.stdoutText.split(separator: "\n")
            #expect(lines.count == 1)
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
            #expect(object["feed"] as? String == "news")
            #expect(object["first_seen"] as? String == "2027-01-15T08:01:00Z")
            #expect(object["title"] as? String == "Second")
            #expect(object["key"] as? String == ItemKey.make(.id("n2")))
            let since = try await run(["items", "--state-dir", directory.path, "--since", "2027-01-15T08:00:30Z"])
            #expect(since.stdoutText.split(separator: "\n").count == 1)
            try store.close()
        }
    }

    @Test("items skips a damaged item body with a warning naming it, lists the rest and exits 0")
    func itemsWithDamagedBody() async throws {
        try await withTemporaryDirectory { directory in
            try fill(directory).close()
            // One flipped byte inside the first body ("First", at offset 16 of the first segment).
            let segment = directory.path + "/segment-00000001.items"
            let handle = try #require(FileHandle(forUpdatingAtPath: segment))
            try handle.seek(toOffset: 40)
            let byte = try #require(try handle.read(upToCount: 1)?.first)
            try handle.seek(toOffset: 40)
            try handle.write(contentsOf: [byte ^ 0xFF])
            try handle.close()

            let check = try await run(["store", "check", "--state-dir", directory.path])
            #expect(check.status != 0)
            // (`--limit 1` stops at "Second", before the damaged one: no warning then.)
            for arguments in [["items"], ["items", "--json"], ["items", "--limit", "2"]] {
                let listed = try await run(arguments + ["--state-dir", directory.path])
                #expect(listed.status == 0, "\(arguments): \(listed.stderrText)")
                let lines = listed.stdoutText.split(separator: "\n")
                #expect(lines.count == 1 && lines[0].contains("Second"), "\(arguments): \(listed.stdoutText)")
                #expect(
                    listed.stderrText.contains(
                        "feedd: warning: feed \"news\": item \(String(ItemKey.make(.id("n1")).prefix(39)))…"
                            + " skipped: \(segment) at offset 16: item body fails its checksum (see `feedd store check`)"
                    ),
                    "\(listed.stderrText)")
            }
        }
    }

    @Test("feeds prints each feed's state; store check says ok")
    func feedsAndCheck() async throws {
        try await withTemporaryDirectory { directory in
            _ = try fill(directory)
            let feeds = try await run(["feeds", "--state-dir", directory.path])
            #expect(feeds.status == 0)
            let lines = feeds.stdoutText.split(separator: "\n")
            #expect(lines.first?.hasPrefix("NAME\tITEMS\tHELD") == true)
            try #require(lines.count == 3)
            #expect(lines[1] == "news\t2\t0\t2027-01-15T08:01:00Z\t0\t-\t-\t-")
            #expect(lines[2] == "quiet\t0\t0\t-\t2\t-\t2027-01-15T08:01:00Z HTTP 503\t-")
            let check = try await run(["store", "check", "--state-dir", directory.path])
            #expect(check.status == 0)
            #expect(check.stdoutText.hasSuffix("ok\n"))
        }
    }

    @Test("feeds shows the pause of a feed's host that the daemon recorded, until it ends")
    func feedsShowHostPause() async throws {
        try await withTemporaryDirectory { directory in
            _ = try fill(directory)
            // As the daemon writes it: a pause ahead (for news), one that has ended (for quiet).
            let ahead = Timestamp(secondsSince1970: Int64(Date().timeIntervalSince1970) + 3600).rfc3339
            _ = try directory.write(
                """
                {"version":1,"hosts":[\
                {"host":"example.org:443","http_status":429,"since":"2027-01-15T08:00:00Z","until":"\(ahead)",\
                "feeds":["news"]},\
                {"host":"quiet.example:443","http_status":503,"since":"2020-01-01T00:00:00Z",\
                "until":"2020-01-01T00:10:00Z","feeds":["quiet"]}]}
                """, to: "host-pauses.json")
            let feeds = try await run(["feeds", "--state-dir", directory.path])
            #expect(feeds.status == 0, "\(feeds.stderrText)")
            let lines = feeds.stdoutText.split(separator: "\n")
            #expect(lines.first?.hasSuffix("\tLAST ERROR\tHOST PAUSED UNTIL") == true)
            try #require(lines.count == 3)
            #expect(lines[1].hasSuffix("\t\(ahead) example.org:443 (HTTP 429)"), "\(lines[1])")
            #expect(lines[2].hasSuffix("HTTP 503\t-"), "\(lines[2])")

            _ = try directory.write("{not json", to: "host-pauses.json")
            let damaged = try await run(["feeds", "--state-dir", directory.path])
            #expect(damaged.status == 0)
            #expect(damaged.stderrText.contains("host-pauses.json: not a host pause file"), "\(damaged.stderrText)")
            let rows = damaged.stdoutText.split(separator: "\n").dropFirst()
            #expect(rows.count == 2 && rows.allSatisfy { $0.hasSuffix("\t-") }, "\(damaged.stdoutText)")
        }
    }

    @Test("commands that write exit with 75 while another process holds the state directory")
    func locked() async throws {
        try await withTemporaryDirectory { directory in
            let store = try fill(directory)
            let compact = try await run(["store", "compact", "--state-dir", directory.path])
            #expect(compact.status == 75)
            #expect(compact.stderrText.contains("is in use by another feedd process"))
            let release = try await run(["held", "release", "news", "--state-dir", directory.path])
            #expect(release.status == 75)
            try store.close()
            let again = try await run(["store", "compact", "--state-dir", directory.path])
            #expect(again.status == 0)
            #expect(again.stdoutText.hasPrefix("dropped 0 items"))
        }
    }

    @Test("a missing state directory is an I/O error (74) that names it")
    func missing() async throws {
        let result = try await run(["items", "--state-dir", "/nonexistent/feedd-state"])
        #expect(result.status == 74)
        #expect(
            result.stderrText.hasPrefix(
                "feedd: no feedd state directory at /nonexistent/feedd-state\nfeedd looked for it here, in this order:\n"
                    + "  --state-dir /nonexistent/feedd-state: used\n"), "\(result.stderrText)")
    }

    @Test("held lists nothing on a quiet store")
    func heldEmpty() async throws {
        try await withTemporaryDirectory { directory in
            _ = try fill(directory)
            let result = try await run(["held", "--state-dir", directory.path])
            #expect(result.status == 0 && result.stdoutText == "nothing held\n")
        }
    }
}

@Suite("feedd store commands: help")
struct StoreCommandHelpTests {
    @Test(
        "each store command's --help has examples and exit status",
        arguments: [
            ["items"], ["feeds"], ["held"], ["held", "release"], ["held", "drop"], ["store", "check"],
            ["store", "compact"], ["store", "copy"],
        ])
    func help(_ command: [String]) async throws {
        let result = try await ProcessRunner.run(ParseCommandTests.binary, arguments: command + ["--help"])
        #expect(result.status == 0)
        #expect(result.stdoutText.contains("EXAMPLES"))
        #expect(result.stdoutText.contains("EXIT STATUS"))
        #expect(result.stdoutText.contains("--state-dir <dir>"))
    }

    @Test("the root command lists exit statuses 74 and 75")
    func rootHelp() async throws {
        let result = try await ProcessRunner.run(ParseCommandTests.binary, arguments: ["--help"])
        #expect(result.stdoutText.contains("74  the state directory cannot be read or written"))
        #expect(result.stdoutText.contains("75  the state directory is in use by another feedd process"))
    }
}
