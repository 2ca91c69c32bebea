import FeedModel
import Foundation
import Logging
import PostgresStore
import Store
import StoreLocation
import TestSupport
import Testing

/// The store commands and `feedd store copy` against a throwaway PostgreSQL server (one for the suite,
/// a database per test), run as the built binary.
@Suite("feedd on a PostgreSQL store", .serialized)
struct PostgresCommandTests {
    private static let logger = Logger(label: "feedd.test") { _ in SwiftLogNoOpLogHandler() }
    private static let start = Timestamp(secondsSince1970: 1_800_000_000)

    private func feedd(_ server: PostgresServer, _ arguments: [String]) async throws -> ProcessResult {
        try await ProcessRunner.run(
            ParseCommandTests.binary, arguments: arguments,
            environment: ["PATH": "/usr/bin:/bin", "PGPASSWORD": server.password])
    }

    private func store(_ server: PostgresServer, _ database: String, instance: String = "test") throws
        -> PostgresStore
    {
        try PostgresStore(
            settings: try PostgresSettings(url: server.url(database: database), secret: server.password),
            instance: instance, logger: Self.logger)
    }

    private func running<Result: Sendable>(
        _ store: PostgresStore, _ body: @Sendable () async throws -> Result
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { store.shutDown() }
            return try await body()
        }
    }

    private func item(_ feed: String, _ number: Int) -> FeedItem {
        FeedItem(
            id: "\(feed)-\(number)", key: ItemKey.make(.id("\(feed)-\(number)")), title: "\(feed) item \(number)",
            link: "https://example.org/\(feed)/\(number)", published: Self.start)
    }

    private func at(_ seconds: Int64) -> Timestamp {
        Timestamp(secondsSince1970: Self.start.secondsSince1970 + seconds)
    }

    @Test("items, feeds, held, deliveries and store check read a PostgreSQL store the configuration names")
    func readCommands() async throws {
        try await PostgresServer.withServer { server in
            let name = try await server.createDatabase()
            let database = try store(server, name)
            let poll = at(0)
            try await running(database) {
                try await database.migrate()
                _ = try await database.beginPoll(feed: "news", now: poll, leaseUntil: at(60), force: true)
                _ = try await database.commit(
                    feed: "news", items: [item("news", 1), item("news", 2)],
                    fetchState: FeedFetchState(lastSuccess: poll), now: poll, deliveries: { _, _ in ["log"] })
                try await database.registerInstance(configDigest: String(repeating: "a", count: 64), now: poll)
            }
            // A second instance, seen later, with another configuration: the first one's is marked as differing.
            let other = try store(server, name, instance: "other")
            try await running(other) {
                try await other.registerInstance(configDigest: String(repeating: "b", count: 64), now: at(30))
            }
            try await withTemporaryDirectory { directory in
                try directory.write("store = \"\(server.url(database: name))\"\n", to: "feedd.toml")
                let config = ["--config", directory.path + "/feedd.toml"]
                let items = try await feedd(server, ["items"] + config)
                #expect(items.status == 0, "\(items.stderrText)")
                #expect(
                    items.stdoutText == """
                        2027-01-15T08:00:00Z\tnews\tnews item 2\thttps://example.org/news/2
                        2027-01-15T08:00:00Z\tnews\tnews item 1\thttps://example.org/news/1

                        """)
                let feeds = try await feedd(server, ["feeds"] + config)
                #expect(feeds.status == 0, "\(feeds.stderrText)")
                #expect(feeds.stdoutText.contains("news\t"), "\(feeds.stdoutText)")
                #expect(
                    feeds.stdoutText.hasSuffix(
                        """

                        INSTANCE\tCONFIGURATION\tSTARTED\tLAST SEEN
                        other\tbbbbbbbbbbbb\t2027-01-15T08:00:30Z\t2027-01-15T08:00:30Z
                        test\taaaaaaaaaaaa differs\t2027-01-15T08:00:00Z\t2027-01-15T08:00:00Z

                        """), "\(feeds.stdoutText)")
                let feedsJSON = try await feedd(server, ["feeds", "--json"] + config)
                #expect(feedsJSON.status == 0, "\(feedsJSON.stderrText)")
                let lines = try feedsJSON.stdoutText.split(separator: "\n").map {
                    try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "\($0)")
                }
                try #require(lines.count == 3, "\(feedsJSON.stdoutText)")
                #expect(lines[0]["name"] as? String == "news" && lines[0]["items"] as? Int == 2)
                #expect(lines[0]["instance"] == nil)
                let instances = try lines.dropFirst().map { try #require($0["instance"] as? [String: Any]) }
                #expect(instances.map { $0["name"] as? String } == ["other", "test"])
                #expect(
                    instances.map { $0["config_digest"] as? String }
                        == ["b", "a"].map { String(repeating: $0, count: 64) })
                #expect(instances.map { $0["config_differs"] as? Bool } == [false, true])
                #expect(instances.map { $0["started"] as? String } == ["2027-01-15T08:00:30Z", "2027-01-15T08:00:00Z"])
                #expect(
                    instances.map { $0["last_seen"] as? String } == ["2027-01-15T08:00:30Z", "2027-01-15T08:00:00Z"])
                #expect(lines.dropFirst().allSatisfy { $0.count == 1 })
                let held = try await feedd(server, ["held"] + config)
                #expect(held.status == 0, "\(held.stderrText)")
                let deliveries = try await feedd(server, ["deliveries", "--json"] + config)
                #expect(deliveries.status == 0, "\(deliveries.stderrText)")
                #expect(
                    deliveries.stdoutText.split(separator: "\n").filter { $0.contains("\"hook\":\"log\"") }.count == 2)
                let check = try await feedd(server, ["store", "check"] + config)
                #expect(check.status == 0, "\(check.stderrText)")
                #expect(check.stdoutText.contains("1 feeds, 2 items, 0 remembered keys"), "\(check.stdoutText)")
                #expect(check.stdoutText.hasSuffix("ok\n"))
            }
        }
    }

    @Test("the read commands end their pool with their work: each exits promptly and leaves no session behind")
    func readCommandsDisconnect() async throws {
        try await PostgresServer.withServer { server in
            let name = try await server.createDatabase()
            let database = try store(server, name)
            try await running(database) {
                try await database.migrate()
                _ = try await database.beginPoll(feed: "news", now: at(0), leaseUntil: at(60), force: true)
                _ = try await database.commit(
                    feed: "news", items: [item("news", 1)], fetchState: FeedFetchState(lastSuccess: at(0)),
                    now: at(0), deliveries: { _, _ in ["log"] })
            }
            let sessions = "SELECT count(*) FROM pg_stat_activity WHERE datname = '\(name)'"
            try await withTemporaryDirectory { directory in
                try directory.write("store = \"\(server.url(database: name))\"\n", to: "feedd.toml")
                let config = ["--config", directory.path + "/feedd.toml"]
                for command in [["items"], ["feeds"], ["held"], ["deliveries"], ["store", "check"]] {
                    let started = ContinuousClock.now
                    let result = try await feedd(server, command + config)
                    #expect(result.status == 0, "\(command): \(result.stderrText)")
                    // The pool's shutdown is awaited before the process ends: a pool that did not end would
                    // keep the command from exiting at all.
                    #expect(ContinuousClock.now - started < .seconds(30), "\(command)")
                }
                // The server notices a closed session at once; allow it a generous moment on a loaded machine.
                var open = ""
                let deadline = ContinuousClock.now + .seconds(30)
                repeat {
                    open = try await server.psql(sessions)
                    if open == "0" { break }
                    try await Task.sleep(for: .milliseconds(100))
                } while ContinuousClock.now < deadline
                #expect(open == "0")
            }
        }
    }

    @Test("an empty database is reported as holding no feedd schema and left empty; an unreachable one exits 75")
    func emptyAndUnreachable() async throws {
        try await PostgresServer.withServer { server in
            let name = try await server.createDatabase()
            try await withTemporaryDirectory { directory in
                try directory.write("store = \"\(server.url(database: name))\"\n", to: "feedd.toml")
                let config = ["--config", directory.path + "/feedd.toml"]
                for command in [["feeds"], ["items"], ["store", "check"], ["held", "drop", "news"]] {
                    let result = try await feedd(server, command + config)
                    #expect(result.status == 1, "\(command)")
                    #expect(
                        result.stderrText.hasPrefix(
                            "feedd: the database postgres://***@127.0.0.1:\(server.port)/\(name)?sslmode=disable "
                                + "holds no feedd schema"), "\(command): \(result.stderrText)")
                }
                #expect(try await server.psql("SELECT to_regclass('schema_version') IS NULL", database: name) == "t")

                try directory.write(
                    "store = \"postgres://feedd:hunter2@127.0.0.1:1/feeds?sslmode=disable\"\n", to: "feedd.toml")
                let down = try await feedd(server, ["feeds"] + config)
                #expect(down.status == 75)
                #expect(down.stderrText.hasPrefix("feedd: cannot use the database postgres://feedd:***@127.0.0.1:1/"))
                #expect(down.stderrText.split(separator: "\n").count == 1, "\(down.stderrText)")
                #expect(!down.stderrText.contains("hunter2"))
            }
        }
    }

    @Test("poll --once counts the feeds another instance holds and those the store did not take, as skipped")
    func pollSkipped() async throws {
        try await PostgresServer.withServer { server in
            let name = try await server.createDatabase()
            // Another instance holds "taken" for an hour.
            let other = try store(server, name, instance: "other")
            try await running(other) {
                try await other.migrate()
                let now = Timestamp(secondsSince1970: Int64(Date().timeIntervalSince1970))
                let claim = try await other.beginPoll(
                    feed: "taken", now: now, leaseUntil: Timestamp(secondsSince1970: now.secondsSince1970 + 3600),
                    force: true)
                guard case .granted = claim else { throw PollSkippedTestError.notGranted }
            }
            let http = HTTPTestServer()
            let document = ScriptedResponse.text(
                "<rss version=\"2.0\"><channel><title>t</title><item><guid>1</guid><title>one</title></item>"
                    + "</channel></rss>", contentType: "application/rss+xml")
            var slow = document
            slow.delay = .seconds(4)
            await http.route("/taken.xml", document)
            await http.route("/slow.xml", slow)
            do {
                let base = try await http.start()
                try await withTemporaryDirectory { directory in
                    let config = try directory.write(
                        """
                        state_dir = "state"
                        store = "\(server.url(database: name))"
                        [[feed]]
                        name = "taken"
                        url = "\(base)/taken.xml"
                        [[feed]]
                        name = "slow"
                        url = "\(base)/slow.xml"

                        """, to: "feedd.toml")
                    async let polled = feedd(server, ["poll", "--once", "--config", config.path])
                    // The database goes away while "slow" is being fetched: its poll cannot be stored.
                    let deadline = ContinuousClock.now + .seconds(60)
                    while await http.hits("/slow.xml") == 0, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    try await server.halt()
                    let result = try await polled
                    try await server.resume()
                    #expect(await http.hits("/taken.xml") == 0)
                    #expect(result.status == 0, "\(result.stderrText)")
                    #expect(
                        result.stdoutText
                            == "polled 0 feeds: 0 new items, 0 held, 0 not modified, 0 failed; 0 delivered, "
                            + "0 delivery failures; skipped: 0 host paused, 1 elsewhere, 1 store unavailable\n",
                        "\(result.stderrText)")
                }
            } catch {
                await http.stop()
                throw error
            }
            await http.stop()
        }
    }

    private enum PollSkippedTestError: Error { case notGranted }

    @Test(
        "store copy takes the configured URLs from the configuration: feeds reads the same, the first start changes nothing"
    )
    func copyConfiguredURLs() async throws {
        try await PostgresServer.withServer { server in
            try await withTemporaryDirectory { directory in
                // "moved" was redirected for good: its fetch state has the new URL, the configuration the old one.
                let files = try FileStore.open(directory: directory.path + "/state")
                _ = try files.commit(
                    feed: "moved", items: [item("moved", 1)],
                    fetchState: FeedFetchState(
                        url: "https://new.example.org/feed", nextDue: at(3600), lastSuccess: at(0)),
                    now: at(0), deliveries: { _, _ in [] })
                _ = try files.commit(
                    feed: "gone", items: [item("gone", 1)],
                    fetchState: FeedFetchState(url: "https://gone.example.org/feed", nextDue: at(7200)), now: at(0),
                    deliveries: { _, _ in [] })
                try files.close()
                let fileConfig = try directory.write(
                    "state_dir = \"state\"\n[[feed]]\nname = \"moved\"\nurl = \"https://old.example.org/feed\"\n",
                    to: "files.toml")
                let before = try await feedd(server, ["feeds", "--json", "--config", fileConfig.path])
                #expect(before.status == 0, "\(before.stderrText)")

                let name = try await server.createDatabase()
                let url = server.url(database: name)
                let copy = try await feedd(server, ["store", "copy", "--to", url, "--config", fileConfig.path])
                #expect(copy.status == 0, "\(copy.stderrText)")
                // A feed the configuration names gets its URL; one it does not keeps the fetch state's.
                #expect(
                    try await server.psql("SELECT name, configured_url FROM feeds ORDER BY name", database: name)
                        == "gone|https://gone.example.org/feed\nmoved|https://old.example.org/feed")

                // feeds on the database reads as it did on the file store, before and after the daemon's adopt.
                let databaseConfig = try directory.write("store = \"\(url)\"\n", to: "database.toml")
                let after = try await feedd(server, ["feeds", "--json", "--config", databaseConfig.path])
                #expect(after.status == 0, "\(after.stderrText)")
                #expect(after.stdoutText == before.stdoutText)
                let database = try store(server, name)
                try await running(database) {
                    _ = try await database.adopt(
                        feeds: [ConfiguredFeed(name: "moved", url: "https://old.example.org/feed")],
                        instance: InstanceRecord(name: "test", configDigest: "a", started: at(10), lastSeen: at(10)),
                        now: at(10))
                }
                let adopted = try await feedd(server, ["feeds", "--json", "--config", databaseConfig.path])
                func movedLine(_ text: String) -> String? {
                    text.split(separator: "\n").first { $0.contains("\"name\":\"moved\"") }.map(String.init)
                }
                #expect(movedLine(adopted.stdoutText) != nil)
                #expect(movedLine(adopted.stdoutText) == movedLine(before.stdoutText))
                #expect(
                    movedLine(adopted.stdoutText)?.contains("\"next_due\":\"\(at(3600).rfc3339)\"") == true,
                    "\(adopted.stdoutText)")
            }
        }
    }

    /// A file store of four feeds, 1000 items in all, 100 of them dropped by retention (remembered keys),
    /// and an outbox: pending deliveries (some failed once), one dead. Returns the feeds' documents.
    private func fillFiles(_ path: String) throws -> [String: [FeedItem]] {
        var options = StoreOptions()
        options.retention = StoreOptions.Retention(maxItems: 225)
        let files = try FileStore.open(directory: path, options: options)
        var documents: [String: [FeedItem]] = [:]
        for feed in ["alpha", "beta", "gamma", "delta"] {
            let all = (1...250).map { item(feed, $0) }
            documents[feed] = all
            // The first poll stores silently (no deliveries); the second brings 10 new ones with deliveries.
            _ = try files.commit(
                feed: feed, items: Array(all.prefix(240)), fetchState: FeedFetchState(etag: "\"\(feed)\""),
                now: at(0), deliveries: { _, _ in [] })
            _ = try files.commit(
                feed: feed, items: all, fetchState: FeedFetchState(etag: "\"\(feed)2\"", lastSuccess: at(60)),
                now: at(60), deliveries: { _, _ in ["log"] })
        }
        _ = try files.compact(now: at(120))
        let pending = try files.pendingDeliveries()
        try files.markFailed(pending[0].id, attempt: 1, retryAt: at(600), error: "HTTP 503")
        try files.markFailed(pending[1].id, attempt: 2, retryAt: at(900), error: "timed out")
        try files.markDead(pending[2].id, error: "gave up")
        try files.close()
        return documents
    }

    @Test("store copy moves a file store into an empty database and back; nothing old is announced again")
    func copyBothWays() async throws {
        try await PostgresServer.withServer { server in
            try await withTemporaryDirectory { directory in
                let source = directory.path + "/state"
                let documents = try fillFiles(source)
                let before = try FileStore.open(directory: source, options: StoreOptions(readOnly: true))
                let counts = try before.counts()
                let outbox = try before.pendingDeliveries()
                #expect(counts.items + counts.rememberedKeys == 1000)
                #expect(counts.rememberedKeys == 100)
                #expect(counts.pending == 39 && counts.dead == 1)

                let name = try await server.createDatabase()
                let url = server.url(database: name)
                let copy = try await feedd(server, ["store", "copy", "--to", url, "--state-dir", source])
                #expect(copy.status == 0, "\(copy.stderrText)")
                #expect(copy.stdoutText.contains("items\t900\t900\n"), "\(copy.stdoutText)")
                #expect(copy.stdoutText.contains("remembered keys\t100\t100\n"))
                #expect(copy.stdoutText.contains("pending deliveries\t39\t39\n"))
                #expect(copy.stdoutText.hasSuffix("ok: the counts match\n"))
                #expect(!copy.stdoutText.contains(server.password))

                // The same documents polled on the database announce nothing; the outbox is there as it was.
                let database = try store(server, name)
                try await running(database) {
                    #expect(try await database.counts() == counts)
                    for (feed, items) in documents {
                        _ = try await database.beginPoll(feed: feed, now: at(700), leaseUntil: at(760), force: true)
                        let result = try await database.commit(
                            feed: feed, items: items, fetchState: FeedFetchState(), now: at(700),
                            deliveries: { _, _ in ["log"] })
                        #expect(result.new.isEmpty && result.updated.isEmpty && result.held.isEmpty, "\(feed)")
                        #expect(result.unchanged == 250)
                    }
                    let pending = try await database.pendingDeliveries(dueBy: nil, limit: .max)
                    #expect(pending.map(\.id).sorted() == outbox.map(\.id).sorted())
                    for delivery in outbox {
                        let copied = pending.first { $0.id == delivery.id }
                        #expect(copied?.attempt == delivery.attempt)
                        #expect(copied?.nextAttempt == delivery.nextAttempt)
                        #expect(copied?.lastError == delivery.lastError)
                        #expect(copied?.itemKey == delivery.itemKey)
                    }
                    #expect(try await database.deadDeliveries(limit: 10).count == 1)
                }

                // A database that holds feeds is refused, and left as it was.
                let again = try await feedd(server, ["store", "copy", "--to", url, "--state-dir", source])
                #expect(again.status == 1)
                #expect(
                    again.stderrText.contains("is not empty: it holds 4 feeds and 1000 items"), "\(again.stderrText)")

                // And back into a new directory: the same counts, and the documents announce nothing.
                let target = directory.path + "/back"
                let back = try await feedd(server, ["store", "copy", "--from", url, "--to", target])
                #expect(back.status == 0, "\(back.stderrText)")
                #expect(back.stdoutText.hasSuffix("ok: the counts match\n"), "\(back.stdoutText)")
                let files = try FileStore.open(directory: target)
                #expect(try files.counts() == counts)
                for (feed, items) in documents {
                    let result = try files.commit(
                        feed: feed, items: items, fetchState: FeedFetchState(), now: at(800),
                        deliveries: { _, _ in ["log"] })
                    #expect(result.new.isEmpty && result.updated.isEmpty, "\(feed)")
                }
                #expect(try files.pendingDeliveries().map(\.id).sorted() == outbox.map(\.id).sorted())
                try files.close()

                // A directory that holds something else is refused, and left as it was.
                try directory.write("notes", to: "other/notes.txt")
                let other = try await feedd(
                    server, ["store", "copy", "--from", url, "--to", directory.path + "/other"])
                #expect(other.status == 1)
                #expect(other.stderrText.contains("holds notes.txt, which is not part of a feedd store"))
                #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/other") == ["notes.txt"])

                // A directory that holds a store is refused too.
                let twice = try await feedd(server, ["store", "copy", "--from", url, "--to", target])
                #expect(twice.status == 1)
                #expect(twice.stderrText.contains("is not empty"), "\(twice.stderrText)")
            }
        }
    }
}
