import FeedModel
import Foundation
import Store
import TestSupport
import Testing

/// Credentials in feed URLs as the CLI shows them: masked (`user:***@`) in every message and listing;
/// kept only where the output is the user's configuration itself (export-opml, add --dry-run).
@Suite("feedd output masks credentials in URLs")
struct CredentialOutputTests {
    private func run(_ arguments: [String]) async throws -> ProcessResult {
        try await ProcessRunner.run(ParseCommandTests.binary, arguments: arguments)
    }

    @Test("check, poll, feeds, deliveries and remove print user:***@; export-opml keeps the real URL")
    func cliOutput() async throws {
        try await withTemporaryDirectory { directory in
            try await HTTPTestServer.withRunning { server, base in
                await server.route("/missing.xml", ScriptedResponse(status: 404))
                let secret = base.replacing("http://", with: "http://reader:hunter2@") + "/missing.xml"
                let masked = base.replacing("http://", with: "http://reader:***@") + "/missing.xml"
                let config = try directory.write(
                    "state_dir = \"state\"\nlisten = \"127.0.0.1:0\"\n[[feed]]\nname = \"private\"\nurl = \"\(secret)\"\n",
                    to: "feedd.toml"
                ).path

                let check = try await run(["check", "--config", config])
                #expect(check.status == 0, "\(check.stderrText)")
                #expect(check.stdoutText.contains("url = \"\(masked)\"\n"), "\(check.stdoutText)")
                #expect(!check.stdoutText.contains("hunter2"))

                let poll = try await run(["poll", "--once", "--config", config])
                #expect(poll.status == 1, "\(poll.stderrText)")
                #expect(poll.stderrText.contains(masked), "\(poll.stderrText)")
                #expect(!(poll.stdoutText + poll.stderrText).contains("hunter2"), "\(poll.stderrText)")

                let feeds = try await run(["feeds", "--state-dir", directory.path + "/state"])
                #expect(feeds.stdoutText.contains("HTTP 404"), "\(feeds.stdoutText)")
                #expect(!feeds.stdoutText.contains("hunter2"), "\(feeds.stdoutText)")

                let export = try await run(["export-opml", "--config", config])
                #expect(export.status == 0, "\(export.stderrText)")
                #expect(export.stdoutText.contains("xmlUrl=\"\(secret)\""), "\(export.stdoutText)")

                let remove = try await run(["remove", "private", "--config", config])
                #expect(remove.status == 0, "\(remove.stderrText)")
                #expect(remove.stdoutText.contains(masked), "\(remove.stdoutText)")
                #expect(!remove.stdoutText.contains("hunter2"), "\(remove.stdoutText)")
            }
        }
    }

    @Test("errors stored before masking existed are masked when listed")
    func oldStoredErrors() async throws {
        try await withTemporaryDirectory { directory in
            let store = try FileStore.open(directory: directory.path)
            var state = FeedFetchState()
            state.lastError = "https://reader:hunter2@feeds.example/a.xml: HTTP 500"
            state.lastErrorAt = Timestamp(secondsSince1970: 1_800_000_000)
            state.consecutiveFailures = 1
            try store.recordFetch(feed: "a", state: state)
            let item = FeedItem(id: "n1", key: ItemKey.make(.id("n1")), title: "Item 1")
            let result = try store.commit(
                feed: "a", items: [item], fetchState: state, now: Timestamp(secondsSince1970: 1_800_000_000),
                deliveries: { _, _ in ["chat"] })
            try store.markDead(result.deliveries[0].id, error: "https://bot:t0ken@hooks.example/x: HTTP 403")
            try store.close()

            let feeds = try await run(["feeds", "--state-dir", directory.path])
            #expect(
                feeds.stdoutText.contains("https://reader:***@feeds.example/a.xml: HTTP 500"), "\(feeds.stdoutText)")
            #expect(!feeds.stdoutText.contains("hunter2"))
            let dead = try await run(["deliveries", "--dead", "--state-dir", directory.path])
            #expect(dead.stdoutText.contains("https://bot:***@hooks.example/x: HTTP 403"), "\(dead.stdoutText)")
            #expect(!dead.stdoutText.contains("t0ken"))
        }
    }
}
