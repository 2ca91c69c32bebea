import FeedModel
import Foundation
import Store
import TestSupport
import Testing

/// `feeds`, `items`, `deliveries` and `held` as a person sees them at a terminal (run under a
/// pseudo-terminal with `script`), as scripts see them through a pipe, and as JSON.
@Suite("feedd listings at a terminal, piped and as JSON")
struct TerminalOutputTests {
    static let escape = "\u{1B}["

    private func run(_ arguments: [String]) async throws -> ProcessResult {
        try await ProcessRunner.run(ParseCommandTests.binary, arguments: arguments)
    }

    /// Runs feedd with its standard output on a pseudo-terminal (`script -qec CMD /dev/null`); the
    /// output comes back with `\r\n` line ends, which are made `\n` here.
    private func runOnTerminal(_ arguments: [String], noColour: Bool = false) async throws -> (Int32, String) {
        let command = ([ParseCommandTests.binary.path] + arguments).map(Self.quoted).joined(separator: " ")
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = nil
        if noColour { environment["NO_COLOR"] = "1" }
        environment["COLUMNS"] = "200"
        let result = try await ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/script"), arguments: ["-qec", command, "/dev/null"],
            environment: environment)
        return (result.status, result.stdoutText.replacing("\r\n", with: "\n"))
    }

    private static func quoted(_ argument: String) -> String {
        "'" + argument.replacing("'", with: "'\\''") + "'"
    }

    /// The text without colour codes.
    private static func plain(_ text: String) -> String {
        text.replacing(#/\x1B\[[0-9;]*m/#, with: "")
    }

    private func item(_ number: Int, title: String) -> FeedItem {
        FeedItem(
            id: "n\(number)", key: ItemKey.make(.id("n\(number)")), title: title,
            link: "https://example.org/\(number)", published: Timestamp(secondsSince1970: 1_800_000_000))
    }

    static let longError =
        "HTTP 503 from https://reader:hunter2@example.org/feed.xml: "
        + String(repeating: "the server is busy ", count: 10)

    /// Feed "news" (two items, one with accents written as combining marks, one delivery with an error
    /// holding a password), and feed "quiet" that keeps failing with a long error.
    private func fill(_ directory: TemporaryDirectory) throws {
        let store = try FileStore.open(directory: directory.path)
        let start = Timestamp(secondsSince1970: 1_800_000_000)
        _ = try store.commit(
            feed: "news", items: [item(1, title: "Cre\u{300}me bru\u{302}le\u{301}e")],
            fetchState: FeedFetchState(lastSuccess: start), now: start, deliveries: { _, _ in ["log"] })
        let later = Timestamp(secondsSince1970: 1_800_000_060)
        _ = try store.commit(
            feed: "news", items: [item(1, title: "Cre\u{300}me bru\u{302}le\u{301}e"), item(2, title: "Second")],
            fetchState: FeedFetchState(lastSuccess: later), now: later, deliveries: { _, _ in ["log"] })
        let first = try #require(try store.pendingDeliveries().first)
        try store.markFailed(first.id, attempt: 1, retryAt: later, error: Self.longError)
        try store.recordFetch(
            feed: "quiet",
            state: FeedFetchState(consecutiveFailures: 2, lastError: Self.longError, lastErrorAt: later))
        try store.close()
    }

    @Test("feeds at a terminal: a header, aligned columns, colour for state, a long error cut with …")
    func feedsOnTerminal() async throws {
        try await withTemporaryDirectory { directory in
            try fill(directory)
            let (status, output) = try await runOnTerminal(["feeds", "--state-dir", directory.path])
            #expect(status == 0)
            #expect(output.contains(Self.escape + "31m"))  // the failing feed in red
            let lines = Self.plain(output).split(separator: "\n").map(String.init)
            try #require(lines.count == 3)
            #expect(lines[0].hasPrefix("NAME   ITEMS  HELD  LAST SUCCESS"))
            #expect(!lines.joined().contains("\t"))
            // Every column starts where its header starts.
            for header in ["ITEMS", "FAILURES", "LAST ERROR"] {
                let column = try #require(lines[0].range(of: header)).lowerBound.utf16Offset(in: lines[0])
                for line in lines.dropFirst() {
                    let index = line.index(line.startIndex, offsetBy: column)
                    #expect(line[line.index(before: index)] == " " && line[index] != " ", "\(header) in \(line)")
                }
            }
            #expect(lines[2].contains("…") && !lines[2].contains("busy the server is busy the server is busy"))
            #expect(!output.contains("hunter2"))

            let (_, uncoloured) = try await runOnTerminal(
                ["feeds", "--state-dir", directory.path], noColour: true)
            #expect(!uncoloured.contains("\u{1B}"))
            #expect(uncoloured.hasPrefix("NAME   ITEMS"))

            // Piped: today's tab-separated lines, the whole error, no colour.
            let piped = try await run(["feeds", "--state-dir", directory.path])
            #expect(!piped.stdoutText.contains("\u{1B}"))
            #expect(piped.stdoutText.split(separator: "\n")[0].hasPrefix("NAME\tITEMS\tHELD"))
            #expect(piped.stdoutText.contains("busy the server is busy the server is busy"))
        }
    }

    @Test("items at a terminal aligns a title with combining accents; piped it stays tab-separated")
    func itemsOnTerminal() async throws {
        try await withTemporaryDirectory { directory in
            try fill(directory)
            let (status, output) = try await runOnTerminal(["items", "--state-dir", directory.path])
            #expect(status == 0)
            let lines = Self.plain(output).split(separator: "\n").map(String.init)
            try #require(lines.count == 3)
            #expect(lines[0].hasPrefix("FIRST SEEN"))
            // The links start in the same column (counted in characters, as a terminal shows them).
            let columns = lines.map { line in
                line.distance(
                    from: line.startIndex,
                    to: line.firstRange(of: "LINK")?.lowerBound ?? line.firstRange(of: "https")?.lowerBound
                        ?? line.endIndex)
            }
            #expect(Set(columns).count == 1, "\(lines)")

            let piped = try await run(["items", "--state-dir", directory.path])
            #expect(
                piped.stdoutText == """
                    2027-01-15T08:01:00Z\tnews\tSecond\thttps://example.org/2
                    2027-01-15T08:00:00Z\tnews\tCre\u{300}me bru\u{302}le\u{301}e\thttps://example.org/1

                    """)
        }
    }

    @Test("deliveries and feeds print JSON Lines with snake_case fields and masked credentials")
    func json() async throws {
        try await withTemporaryDirectory { directory in
            try fill(directory)
            let feeds = try await run(["feeds", "--state-dir", directory.path, "--json"])
            #expect(feeds.status == 0)
            let feedObjects = try feeds.stdoutText.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            try #require(feedObjects.count == 2)
            #expect(feedObjects[0]["name"] as? String == "news")
            #expect(feedObjects[0]["items"] as? Int == 2)
            #expect(feedObjects[0]["last_success"] as? String == "2027-01-15T08:01:00Z")
            #expect(feedObjects[0]["last_error"] is NSNull && feedObjects[0]["host_pause"] is NSNull)
            #expect(feedObjects[1]["consecutive_failures"] as? Int == 2)
            #expect((feedObjects[1]["last_error"] as? String)?.hasPrefix("HTTP 503 from https://") == true)
            #expect(!feeds.stdoutText.contains("hunter2"))

            let deliveries = try await run(["deliveries", "--state-dir", directory.path, "--json"])
            #expect(deliveries.status == 0)
            let objects = try deliveries.stdoutText.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            try #require(objects.count == 2)
            #expect(objects.allSatisfy { $0["hook"] as? String == "log" && $0["status"] as? String == "pending" })
            #expect(objects.contains { $0["attempts"] as? Int == 1 && $0["last_error"] is String })
            #expect(objects.allSatisfy { ($0["item_key"] as? String)?.hasPrefix("sha256:") == true })
            #expect(!deliveries.stdoutText.contains("hunter2"))

            let held = try await run(["held", "--state-dir", directory.path, "--json"])
            #expect(held.status == 0 && held.stdoutText.isEmpty)
        }
    }

    @Test("held lists a flood at a terminal as a table, piped as before, and as JSON")
    func held() async throws {
        try await withTemporaryDirectory { directory in
            let store = try FileStore.open(directory: directory.path)
            let items = (1...20).map { item($0, title: "Old \($0)") }
            _ = try store.commit(
                feed: "flood", items: items, fetchState: FeedFetchState(),
                now: Timestamp(secondsSince1970: 1_800_000_000),
                deliveries: { _, _ in ["log"] })
            for delivery in try store.pendingDeliveries() { try store.markDelivered(delivery.id) }
            _ = try store.commit(
                feed: "flood", items: (101...130).map { item($0, title: "New \($0)") }, fetchState: FeedFetchState(),
                now: Timestamp(secondsSince1970: 1_800_000_060), deliveries: { _, _ in ["log"] })
            try store.close()
            try #require(
                try FileStore.open(directory: directory.path, options: StoreOptions(readOnly: true)).held().count == 1)

            let (status, output) = try await runOnTerminal(["held", "--state-dir", directory.path], noColour: true)
            #expect(status == 0)
            let lines = output.split(separator: "\n")
            #expect(lines.first?.hasPrefix("FEED   DELIVERIES  ITEMS  FIRST TITLES") == true)
            #expect(lines.count == 2 && lines[1].hasPrefix("flood  30          30     New "))

            let piped = try await run(["held", "--state-dir", directory.path])
            let pipedLines = piped.stdoutText.split(separator: "\n")
            #expect(pipedLines.first == "flood\t30 deliveries of 30 items")
            #expect(pipedLines.count == 6 && pipedLines[1].hasPrefix("  New "))

            let json = try await run(["held", "--state-dir", directory.path, "--json"])
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(json.stdoutText.utf8)) as? [String: Any])
            #expect(object["feed"] as? String == "flood" && object["deliveries"] as? Int == 30)
            #expect((object["first_titles"] as? [String])?.count == 5)
        }
    }

    @Test(
        "a feed or hook that does not exist is an error (1) with a suggestion, not an empty success",
        arguments: [
            (["items", "--feed", "nwes"], "no feed named `nwes`; did you mean `news`?"),
            (["deliveries", "--hook", "lgo"], "no hook named `lgo`; did you mean `log`?"),
            (["deliveries", "retry", "--hook", "nope"], "no hook named `nope`"),
            (["held", "release", "nwes"], "no feed named `nwes`; did you mean `news`?"),
            (["held", "drop", "nope"], "no feed named `nope`"),
        ])
    func unknownNames(arguments: [String], message: String) async throws {
        try await withTemporaryDirectory { directory in
            try fill(directory)
            let result = try await run(arguments + ["--state-dir", directory.path])
            #expect(result.status == 1)
            #expect(result.stdoutText.isEmpty)
            #expect(result.stderrText.contains(message), "\(result.stderrText)")
        }
    }

    @Test("through the configuration, a configured hook without deliveries is known and replay checks the hook")
    func configuredHooks() async throws {
        try await withTemporaryDirectory { directory in
            try fill(directory)
            let config = try directory.write(
                """
                state_dir = "."
                [[hook]]
                name = "archive"
                type = "jsonl"
                path = "archive.jsonl"
                """, to: "feedd.toml"
            ).path
            let listed = try await run(["deliveries", "--hook", "archive", "--config", config])
            #expect(listed.status == 0 && listed.stdoutText == "no pending deliveries\n", "\(listed.stderrText)")
            let typo = try await run(["deliveries", "replay", "--hook", "archve", "--since", "1d", "--config", config])
            #expect(typo.status == 1)
            #expect(typo.stderrText.contains("no hook named `archve`; did you mean `archive`?"))
            let replay = try await run([
                "deliveries", "replay", "--hook", "archive", "--since", "2026-01-01", "--config", config,
            ])
            #expect(
                replay.status == 0 && replay.stdoutText == "queued 2 deliveries to archive\n", "\(replay.stderrText)")
        }
    }

    /// A configuration with feed "news" (a local file with one item), feed "gone" when `failingFeed`,
    /// and an exec hook that fails when `failingHook`.
    private func pollConfiguration(
        _ directory: TemporaryDirectory, failingFeed: Bool, failingHook: Bool
    ) throws -> String {
        let feed = try directory.write(
            "<rss version=\"2.0\"><channel><title>N</title><item><title>One</title><guid>1</guid></item></channel></rss>",
            to: "news.xml")
        var text = """
            state_dir = "state"
            hooks = ["run"]
            notify_existing = true
            [[hook]]
            name = "run"
            type = "exec"
            command = ["\(failingHook ? "/bin/false" : "/bin/true")"]
            [[feed]]
            name = "news"
            url = "\(feed.absoluteString)"

            """
        if failingFeed {
            text += "[[feed]]\nname = \"gone\"\nurl = \"\(directory.url(for: "gone.xml").absoluteString)\"\n"
        }
        return try directory.write(text, to: "feedd.toml").path
    }

    @Test(
        "poll --once exits 0, 1 for a failed feed, 2 for a failed delivery, 3 for both; words agree with numbers",
        arguments: [(false, false, Int32(0)), (true, false, 1), (false, true, 2), (true, true, 3)])
    func pollExitStatus(failingFeed: Bool, failingHook: Bool, status: Int32) async throws {
        try await withTemporaryDirectory { directory in
            let config = try pollConfiguration(directory, failingFeed: failingFeed, failingHook: failingHook)
            let result = try await run(["poll", "--once", "--config", config])
            #expect(result.status == status, "\(result.stderrText)")
            #expect(!result.stdoutText.contains("\u{1B}") && !result.stdoutText.contains("\r"))
            let feeds = failingFeed ? "2 feeds" : "1 feed"
            let failures = failingHook ? "1 delivery failure" : "0 delivery failures"
            #expect(
                result.stdoutText
                    == "polled \(feeds): 1 new item, 0 held, 0 not modified, \(failingFeed ? 1 : 0) failed; "
                    + "\(failingHook ? 0 : 1) delivered, \(failures)\n")
        }
    }

    @Test("poll --once on a terminal redraws one progress line in place, then prints the summary")
    func pollProgress() async throws {
        try await withTemporaryDirectory { directory in
            let config = try pollConfiguration(directory, failingFeed: true, failingHook: false)
            let (status, output) = try await runOnTerminal([
                "poll", "--once", "--config", config, "--log-level", "error",
            ])
            #expect(status == 1)
            #expect(output.contains("\r\u{1B}[Kpolling: 0 of 2 feeds done, 0 new items, 0 failed; waiting for news"))
            #expect(output.contains("\r\u{1B}[Kpolling: 2 of 2 feeds done, 1 new item, 1 failed"))
            // The progress line is cleared; then the failed feed (standard error) and the summary follow.
            let last = try #require(output.ranges(of: "\r\u{1B}[K").last)
            let rest = output[last.upperBound...]
            #expect(
                rest.hasPrefix("feedd: gone: file://")
                    && rest.hasSuffix(
                        "\npolled 2 feeds: 1 new item, 0 held, 0 not modified, 1 failed; 1 delivered, 0 delivery failures\n"
                    ), "\(rest)")
        }
    }
}
