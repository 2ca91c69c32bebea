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
            #expect(none.stdoutText == "no pending deliveries\n")

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

    @Test("run and poll need a configuration: exit 78 until the config layer is wired; poll needs --once")
    func needsConfiguration() async throws {
        let run = try await run(["run", "--state-dir", "/nonexistent"])
        #expect(run.status == 78)
        #expect(run.stderrText.hasPrefix("feedd: reading the configuration file is not available"))
        let poll = try await self.run(["poll"])
        #expect(poll.status == 64)
        #expect(poll.stderrText.contains("feedd poll needs --once"))
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
