import FeedModel
import Foundation
import Store
import TestSupport
import Testing

/// `feedd deliveries`, `run` and `poll` as users run them.
@Suite("feedd daemon commands")
struct DaemonCommandTests {
    private func run(_ arguments: [String]) async throws -> ProcessResult {
        try await ProcessRunner.run(ParseCommandTests.binary, arguments: arguments)
    }

    private func item(_ number: Int) -> FeedItem {
        FeedItem(id: "n\(number)", key: ItemKey.make(.id("n\(number)")), title: "Item \(number)")
    }

    /// Feed "news" with two items, each with a delivery to "chat"; the first one dead.
    private func fill(_ directory: TemporaryDirectory) throws {
        let store = try FileStore.open(directory: directory.path)
        let start = Timestamp(secondsSince1970: 1_800_000_000)
        let result = try store.commit(
            feed: "news", items: [item(1), item(2)], fetchState: FeedFetchState(), now: start,
            deliveries: { _, _ in ["chat"] })
        try store.markDead(result.deliveries[0].id, error: "HTTP 404\tgone")
        try store.close()
    }

    @Test("deliveries lists pending and dead ones; retry and replay queue them again")
    func deliveries() async throws {
        try await withTemporaryDirectory { directory in
            try fill(directory)
            let pending = try await run(["deliveries", "--state-dir", directory.path])
            #expect(pending.status == 0)
            #expect(pending.stdoutText == "2\tchat\tnews\tnew\t0\t2027-01-15T08:00:00Z\t-\n")
            let dead = try await run(["deliveries", "--dead", "--state-dir", directory.path])
            #expect(dead.stdoutText == "1\tchat\tnews\tnew\t0\tdead\tHTTP 404 gone\n")
            let none = try await run(["deliveries", "--hook", "other", "--state-dir", directory.path])
            #expect(none.status == 1 && none.stdoutText.isEmpty)
            #expect(none.stderrText == "feedd: no hook named `other`\n")

            let retry = try await run(["deliveries", "retry", "--hook", "chat", "--state-dir", directory.path])
            #expect(retry.status == 0)
            #expect(retry.stdoutText == "queued 1 dead deliveries again\n")

            let replay = try await run(
                ["deliveries", "replay", "--hook", "archive", "--since", "2026-01-01", "--state-dir", directory.path])
            #expect(replay.stdoutText == "queued 2 deliveries to archive\n", "\(replay.stderrText)")
            let again = try await run(
                ["deliveries", "replay", "--hook", "archive", "--since", "2026-01-01", "--state-dir", directory.path])
            #expect(again.stdoutText == "queued 0 deliveries to archive\n")
            let store = try FileStore.open(directory: directory.path, options: StoreOptions(readOnly: true))
            #expect(try store.pendingDeliveries(hook: "archive").count == 2)
            #expect(try store.pendingDeliveries(hook: "chat").count == 2)
            let bad = try await run(["deliveries", "replay", "--hook", "x", "--since", "soon"])
            #expect(bad.status == 64)
        }
    }

    @Test("run and poll refuse a configuration with problems (exit 78, every problem listed); poll needs --once")
    func badConfiguration() async throws {
        try await withTemporaryDirectory { directory in
            let config = try directory.write(
                """
                state_dir = "state"
                intervl = "10m"
                [[feed]]
                name = "a"
                url = "https://example.org/feed.xml"
                hooks = ["nope"]
                """, to: "feedd.toml")
            for command in [["run"], ["poll", "--once"]] {
                let result = try await run(command + ["--config", config.path])
                #expect(result.status == 78)
                #expect(result.stderrText.contains("feedd.toml:2: intervl: unknown key"))
                #expect(result.stderrText.contains("nope"))
            }
        }
        let poll = try await self.run(["poll"])
        #expect(poll.status == 64)
        #expect(poll.stderrText.contains("feedd poll needs --once"))
    }

    /// A configuration with one feed served by `baseURL` and a jsonl hook, in `directory`.
    private func configuration(in directory: TemporaryDirectory, feedURL: String) throws -> URL {
        try directory.write(
            """
            state_dir = "state"
            interval = "1h"
            hooks = ["archive"]
            notify_existing = true
            [[feed]]
            name = "news"
            url = "\(feedURL)"
            [[hook]]
            name = "archive"
            type = "jsonl"
            path = "new-items.jsonl"
            """, to: "feedd.toml")
    }

    private static func feed(_ items: [Int]) -> String {
        let entries = items.map { "<item><title>Story \($0)</title><guid>s\($0)</guid></item>" }.joined()
        return "<rss version=\"2.0\"><channel><title>News</title>\(entries)</channel></rss>"
    }

    private static func lines(_ url: URL) -> [String] {
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    @Test("poll --once through a configuration file: new items reach the hook once, the next poll is conditional")
    func pollOnceWithConfiguration() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            let body = Self.feed([1, 2])
            await server.route("/feed.xml") { request in
                if request.header("If-None-Match") == "\"v1\"" { return ScriptedResponse(status: 304) }
                return ScriptedResponse(headers: ["ETag": "\"v1\""], body: Array(body.utf8))
            }
            try await withTemporaryDirectory { directory in
                let config = try configuration(in: directory, feedURL: "\(baseURL)/feed.xml")
                let first = try await run(["poll", "--once", "--config", config.path])
                #expect(first.status == 0, "\(first.stderrText)")
                let jsonl = directory.url(for: "new-items.jsonl")
                let delivered = Self.lines(jsonl)
                #expect(delivered.count == 2)
                let payloads = delivered.compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }
                #expect(payloads.count == 2, "every line is a JSON object: \(delivered)")
                #expect(payloads.map { ($0["feed"] as? [String: Any])?["name"] as? String } == ["news", "news"])
                #expect(Set(payloads.compactMap { $0["title"] as? String }) == ["Story 1", "Story 2"])

                let second = try await run(["poll", "--once", "--config", config.path])
                #expect(second.status == 0, "\(second.stderrText)")
                #expect(Self.lines(jsonl).count == 2, "nothing announced twice")
                let requests = await server.requests(for: "/feed.xml")
                #expect(requests.count == 2)
                #expect(requests.last?.header("If-None-Match") == "\"v1\"")
            }
        }
    }

    @Test("the log level comes from --log-level, else the configuration's log_level")
    func logLevel() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/feed.xml", ScriptedResponse(body: Array(Self.feed([1]).utf8)))
            try await withTemporaryDirectory { directory in
                let config = try configuration(in: directory, feedURL: "\(baseURL)/feed.xml")
                var text = try String(contentsOf: config, encoding: .utf8)
                text = "log_level = \"warning\"\n" + text
                try text.write(to: config, atomically: true, encoding: .utf8)
                let quiet = try await run(["poll", "--once", "--config", config.path])
                #expect(quiet.status == 0, "\(quiet.stderrText)")
                #expect(!quiet.stderrText.contains(" info "), "\(quiet.stderrText)")
                await server.route("/feed.xml", ScriptedResponse(body: Array(Self.feed([1, 2]).utf8)))
                let loud = try await run(["poll", "--once", "--config", config.path, "--log-level", "info"])
                #expect(loud.stderrText.contains(" info "), "\(loud.stderrText)")
            }
        }
    }

    @Test("run through a configuration file: stories arrive, SIGTERM stops it with status 0")
    func runWithConfiguration() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/feed.xml", ScriptedResponse(body: Array(Self.feed([1, 2, 3]).utf8)))
            try await withTemporaryDirectory { directory in
                let config = try configuration(in: directory, feedURL: "\(baseURL)/feed.xml")
                let daemon = try await BackgroundProcess(
                    ParseCommandTests.binary, arguments: ["run", "--config", config.path])
                let jsonl = directory.url(for: "new-items.jsonl")
                var delivered: [String] = []
                for _ in 0..<200 where delivered.count < 3 {
                    try await Task.sleep(for: .milliseconds(50))
                    delivered = Self.lines(jsonl)
                }
                daemon.signal(SIGTERM)
                #expect(await daemon.exitStatus() == 0, "\(daemon.stderr)")
                #expect(daemon.process.terminationReason == .exit)
                #expect(delivered.count == 3)
            }
        }
    }

    @Test(
        "each daemon command's --help has examples and exit status",
        arguments: [["run"], ["poll"], ["deliveries", "list"], ["deliveries", "retry"], ["deliveries", "replay"]])
    func help(_ command: [String]) async throws {
        let result = try await run(command + ["--help"])
        #expect(result.status == 0)
        #expect(result.stdoutText.contains("EXAMPLES"))
        #expect(result.stdoutText.contains("EXIT STATUS"))
        #expect(result.stdoutText.contains("--state-dir <dir>"))
    }
}
