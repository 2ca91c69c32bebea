import Foundation
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Several `feedd run` instances on one PostgreSQL database (issue 16), as users run them: the built
/// binary, one configuration file, a throwaway PostgreSQL server, feeds and a webhook receiver on
/// 127.0.0.1. Each test ends its daemons (SIGKILL on the way out when a check failed) and its servers.
@Suite("instances sharing one PostgreSQL database", .serialized)
struct SharedDatabaseTests {
    /// The feeds' documents: every feed shows `items` items, numbered from 1, each answer after `delay`.
    final class Feeds: Sendable {
        let items = Mutex(3)
        let delay: Duration

        init(delay: Duration) { self.delay = delay }

        func response(_ feed: Int) -> ScriptedResponse {
            let count = items.withLock { $0 }
            var text =
                "<rss version=\"2.0\"><channel><title>Feed \(feed)</title><link>http://example.com/\(feed)</link>"
            for number in (1...count).reversed() {
                text +=
                    "<item><guid>feed-\(feed)-item-\(number)</guid><title>Item \(number) of feed \(feed)</title></item>"
            }
            var response = ScriptedResponse.text(text + "</channel></rss>", contentType: "application/rss+xml")
            response.delay = delay
            return response
        }
    }

    /// One delivery the webhook receiver got: the item's feed and guid, and when it arrived.
    struct Delivered: Sendable {
        var item: String
        var arrived: ContinuousClock.Instant
    }

    /// What the webhook receiver got, in order of arrival.
    static func delivered(_ receiver: HTTPTestServer) async -> [Delivered] {
        var seen: [Delivered] = []
        for request in await receiver.requests(for: "/hook") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                let feed = (object["feed"] as? [String: Any])?["name"] as? String,
                let id = object["id"] as? String
            else { continue }
            seen.append(Delivered(item: "\(feed) \(id)", arrived: request.arrived))
        }
        return seen
    }

    /// The items every feed shows when each has `count` items.
    static func expected(feeds: Int, items count: Int) -> Set<String> {
        var all: Set<String> = []
        for feed in 0..<feeds {
            for number in 1...count { all.insert("feed-\(feed) feed-\(feed)-item-\(number)") }
        }
        return all
    }

    static func waitUntil(
        _ what: String, timeout: Duration, _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw DaemonFailure("timed out after \(timeout) waiting until \(what)")
    }

    /// The configuration every instance reads: `feeds` feeds served by `base`, one webhook hook.
    static func configuration(
        store: String, base: String, feeds: Int, timeout: String = "10s", perHost: Int = 16
    ) -> String {
        var text = """
            state_dir = "state"
            store = "\(store)"
            interval = "2s"
            min_interval = "1s"
            jitter = "0s"
            timeout = "\(timeout)"
            per_host = \(perHost)
            notify_existing = true
            hooks = ["receiver"]

            [[hook]]
            name = "receiver"
            type = "webhook"
            url = "\(base)/hook"
            timeout = "5s"
            concurrency = 8

            """
        for feed in 0..<feeds {
            text += "[[feed]]\nname = \"feed-\(feed)\"\nurl = \"\(base)/f/\(feed).xml\"\n"
        }
        return text
    }

    /// The daemons of a test, killed when it ends unless stopped before.
    final class Daemons: Sendable {
        let started = Mutex<[String: BackgroundProcess]>([:])

        func start(_ instance: String, config: URL, password: String) async throws {
            let daemon = try await BackgroundProcess(
                ParseCommandTests.binary, arguments: ["run", "--config", config.path],
                environment: ["NO_COLOR": "1", "PGPASSWORD": password, "FEEDD_INSTANCE": instance])
            started.withLock { $0[instance] = daemon }
        }

        subscript(_ instance: String) -> BackgroundProcess? { started.withLock { $0[instance] } }

        /// SIGTERM to each one still running; their exit statuses by name (nil: did not exit in time).
        func stop() async -> [String: Int32?] {
            let all = started.withLock { $0 }
            for daemon in all.values where daemon.process.isRunning { daemon.signal(SIGTERM) }
            var statuses: [String: Int32?] = [:]
            for (name, daemon) in all { statuses[name] = await daemon.exitStatus(timeout: .seconds(30)) }
            return statuses
        }

        func killAll() {
            for daemon in started.withLock({ $0.values }) where daemon.process.isRunning { daemon.signal(SIGKILL) }
        }

        /// Both logs but the lines of deliveries and new items, for a failure message.
        var notableLines: String {
            started.withLock { $0 }.sorted { $0.key < $1.key }.map { instance, daemon in
                let lines = daemon.stderr.split(separator: "\n").filter {
                    !$0.contains(" delivered ") && !$0.contains("new items")
                }
                return "--- \(instance):\n" + lines.suffix(60).joined(separator: "\n")
            }.joined(separator: "\n")
        }

        /// Both logs, for a failure message.
        var logs: String {
            started.withLock { $0 }.sorted { $0.key < $1.key }.map { "--- \($0.key):\n\($0.value.stderr.suffix(3000))" }
                .joined(separator: "\n")
        }
    }

    /// Runs `body` with a fresh database on a throwaway server, a temporary directory, a test HTTP server
    /// serving `feeds` feeds and a webhook receiver, and the daemons' handle; every process and server is
    /// ended afterwards, pass or fail.
    static func withCluster(
        feeds count: Int, delay: Duration,
        _ body: (PostgresServer, String, TemporaryDirectory, HTTPTestServer, String, Feeds, Daemons) async throws ->
            Void
    ) async throws {
        try await PostgresServer.withServer { database in
            let name = try await database.createDatabase(prefix: "shared")
            try await withTemporaryDirectory { directory in
                try await HTTPTestServer.withRunning { server, base in
                    let feeds = Feeds(delay: delay)
                    for feed in 0..<count {
                        await server.route("/f/\(feed).xml") { _ in feeds.response(feed) }
                    }
                    await server.route("/hook", .text("ok"))
                    let daemons = Daemons()
                    defer { daemons.killAll() }
                    try await body(database, name, directory, server, base, feeds, daemons)
                }
            }
        }
    }

    /// The feeds each instance stored new items of, from its `new items` log lines.
    static func feedsWithNewItems(in log: String) -> Set<String> {
        var names: Set<String> = []
        for line in log.split(separator: "\n") where line.contains("new items") {
            guard let range = line.range(of: "feed.name=") else { continue }
            names.insert(String(line[range.upperBound...].prefix { $0 != " " }))
        }
        return names
    }

    @Test("two daemons on 200 feeds never poll a feed at once, share the work, and deliver every item once")
    func twoDaemons() async throws {
        let feedCount = 200
        // Slow enough that two instances polling one feed at once would overlap at the server.
        try await Self.withCluster(feeds: feedCount, delay: .milliseconds(150)) {
            database, name, directory, server, base, feeds, daemons in
            let config = try directory.write(
                Self.configuration(store: database.url(database: name), base: base, feeds: feedCount),
                to: "feedd.toml")
            for instance in ["alpha", "beta"] {
                try await daemons.start(instance, config: config, password: database.password)
            }
            // Every feed's three items, then two more each, while both instances poll every feed.
            do {
                try await Self.waitUntil("600 deliveries", timeout: .seconds(60)) {
                    await Self.delivered(server).count >= 3 * feedCount
                }
            } catch {
                let outbox = try await database.psql(
                    "SELECT status, lease_owner, count(*) FROM deliveries GROUP BY 1, 2", database: name)
                Issue.record(
                    "\(error): \(await Self.delivered(server).count) delivered; outbox:\n\(outbox)\n\(daemons.notableLines)"
                )
                return
            }
            feeds.items.withLock { $0 = 5 }
            try await Self.waitUntil("1000 deliveries", timeout: .seconds(60)) {
                await Self.delivered(server).count >= 5 * feedCount
            }
            // A few more rounds (2 s each): nothing more may arrive.
            try await Task.sleep(for: .seconds(5))
            let delivered = await Self.delivered(server).map(\.item)
            #expect(delivered.count == 5 * feedCount, "\(daemons.logs)")
            #expect(Set(delivered) == Self.expected(feeds: feedCount, items: 5))
            var twice: [String: Int] = [:]
            for item in delivered { twice[item, default: 0] += 1 }
            #expect(twice.filter { $0.value > 1 }.keys.sorted() == [], "items delivered more than once")
            var overlapping: [Int] = []
            var polls = 0
            for feed in 0..<feedCount {
                if await server.maxConcurrent("/f/\(feed).xml") > 1 { overlapping.append(feed) }
                polls += await server.hits("/f/\(feed).xml")
            }
            #expect(overlapping == [], "feeds polled by both instances at once")
            // Every feed was polled several times (each round of 2 s), not once per instance and round.
            #expect(polls >= 3 * feedCount)
            // Both instances stored new items of a share of the feeds.
            let alpha = Self.feedsWithNewItems(in: daemons["alpha"]?.stderr ?? "")
            let beta = Self.feedsWithNewItems(in: daemons["beta"]?.stderr ?? "")
            #expect(!alpha.isEmpty && !beta.isEmpty, "one instance did nothing: \(daemons.logs)")
            #expect(alpha.union(beta).count == feedCount)
            let instances = try await database.psql(
                "SELECT string_agg(name, ',' ORDER BY name) FROM instances", database: name)
            #expect(instances == "alpha,beta")
            let statuses = await daemons.stop()
            #expect(statuses == ["alpha": 0, "beta": 0], "\(daemons.logs)")
        }
    }

    @Test("kill -9 of one daemon holding leases: the other takes its feeds over when the leases end, nothing lost")
    func killedDaemon() async throws {
        let feedCount = 40
        // Slow answers, so that the instance killed holds leases of feeds it is fetching.
        try await Self.withCluster(feeds: feedCount, delay: .seconds(1)) {
            database, name, directory, server, base, feeds, daemons in
            let config = try directory.write(
                Self.configuration(
                    store: database.url(database: name), base: base, feeds: feedCount, timeout: "4s", perHost: 8),
                to: "feedd.toml")
            for instance in ["alpha", "beta"] {
                try await daemons.start(instance, config: config, password: database.password)
            }
            try await Self.waitUntil("120 deliveries", timeout: .seconds(60)) {
                await Self.delivered(server).count >= 3 * feedCount
            }
            // New items appear; alpha is killed while it polls feeds (it holds their leases) and, as far as
            // a test can time it, has no delivery in flight.
            feeds.items.withLock { $0 = 5 }
            try await Self.waitUntil("alpha holds leases of feeds and no delivery", timeout: .seconds(30)) {
                let counts = try await database.psql(
                    """
                    SELECT (SELECT count(*) FROM feeds WHERE lease_owner = 'alpha' AND lease_expires > now()) || ' ' ||
                        (SELECT count(*) FROM deliveries WHERE lease_owner = 'alpha' AND status = 'pending')
                    """, database: name)
                return counts.hasPrefix("0 ") == false && counts.hasSuffix(" 0")
            }
            let alpha = try #require(daemons["alpha"])
            alpha.signal(SIGKILL)
            let killed = (instant: ContinuousClock.now, date: Date())
            #expect(await alpha.exitStatus(timeout: .seconds(10)) == SIGKILL)
            // The leases alpha died with, and when each ends (its own clock's whole seconds).
            var leases: [String: Double] = [:]
            let rows = try await database.psql(
                "SELECT name || ' ' || extract(epoch FROM lease_expires) FROM feeds WHERE lease_owner = 'alpha' AND lease_expires > now()",
                database: name)
            for row in rows.split(separator: "\n") {
                let parts = row.split(separator: " ")
                if parts.count == 2, let expires = Double(parts[1]) { leases[String(parts[0])] = expires }
            }
            #expect(!leases.isEmpty)
            let lastExpiry = leases.values.max() ?? killed.date.timeIntervalSince1970
            let waitFor = max(lastExpiry - Date().timeIntervalSince1970, 0) + 30
            try await Self.waitUntil(
                "every item delivered after the kill", timeout: .seconds(waitFor)
            ) {
                Set(await Self.delivered(server).map(\.item)).isSuperset(of: Self.expected(feeds: feedCount, items: 5))
            }
            let allDone = Date().timeIntervalSince1970
            // Nothing lost: every item of every feed delivered, also those of the feeds alpha held; a
            // duplicate only of an item first delivered before the kill (in flight when alpha died).
            let delivered = await Self.delivered(server)
            #expect(Set(delivered.map(\.item)) == Self.expected(feeds: feedCount, items: 5))
            var first: [String: ContinuousClock.Instant] = [:]
            var duplicates: [String] = []
            for delivery in delivered {
                guard let earlier = first[delivery.item] else {
                    first[delivery.item] = delivery.arrived
                    continue
                }
                duplicates.append(delivery.item)
                #expect(earlier < killed.instant, "\(delivery.item) delivered twice, first after the kill")
            }
            #expect(duplicates.count <= 4, "more duplicates than one claim of the hook: \(duplicates)")
            // The feeds alpha held were left alone until their leases ended, and polled soon after.
            for (feed, expires) in leases {
                guard let number = Int(feed.dropFirst("feed-".count)) else { continue }
                let after = await server.requests(for: "/f/\(number).xml").filter { $0.arrived > killed.instant }
                let firstAfter = after.map {
                    killed.date.timeIntervalSince1970 + Self.seconds($0.arrived - killed.instant)
                }
                .min()
                #expect(firstAfter != nil, "\(feed) was not polled after the kill")
                if let firstAfter {
                    #expect(firstAfter >= expires - 1, "\(feed) polled before alpha's lease ended")
                    #expect(firstAfter <= expires + 15, "\(feed) not taken over soon after its lease ended")
                }
            }
            #expect(allDone <= lastExpiry + 20)
            let statuses = await daemons.stop()
            #expect(statuses["beta"] == 0, "\(daemons.logs)")
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    @Test(
        "the database stopped for 30 s under load: logged once each way, nothing lost, a clean exit")
    func databaseOutage() async throws {
        let feedCount = 60
        try await Self.withCluster(feeds: feedCount, delay: .milliseconds(100)) {
            database, name, directory, server, base, feeds, daemons in
            let config = try directory.write(
                Self.configuration(store: database.url(database: name), base: base, feeds: feedCount),
                to: "feedd.toml")
            for instance in ["alpha", "beta"] {
                try await daemons.start(instance, config: config, password: database.password)
            }
            try await Self.waitUntil("180 deliveries", timeout: .seconds(60)) {
                await Self.delivered(server).count >= 3 * feedCount
            }
            // Under load: a new item in every feed, and the database goes away while the instances poll
            // and deliver it; another new item while it is away.
            feeds.items.withLock { $0 = 4 }
            try await Task.sleep(for: .milliseconds(500))
            let halted = ContinuousClock.now
            try await database.halt()
            let down = ContinuousClock.now
            feeds.items.withLock { $0 = 5 }
            // Longer than an operation waits for a pooled connection before it checks whether the database
            // answers at all (`PostgresStore.connectionWait`, 10 s): a shorter outage is waited out without a
            // word. Then a probe (every 5 s) or two fail.
            try await Task.sleep(for: .seconds(30))
            try await database.resume()
            do {
                try await Self.waitUntil("every item delivered after the outage", timeout: .seconds(60)) {
                    Set(await Self.delivered(server).map(\.item)).isSuperset(
                        of: Self.expected(feeds: feedCount, items: 5))
                }
            } catch {
                let missing = Self.expected(feeds: feedCount, items: 5).subtracting(
                    await Self.delivered(server).map(\.item))
                let feedNames = Set(missing.map { $0.split(separator: " ")[0] })
                let list = feedNames.map { "'\($0)'" }.joined(separator: ",")
                let rows = try await database.psql(
                    "SELECT now(), name, lease_owner, lease_expires, next_due, polls FROM feeds WHERE name IN (\(list))",
                    database: name)
                let outbox = try await database.psql(
                    "SELECT d.id, d.item_key, d.status, d.attempts, d.lease_owner, d.lease_expires, d.retry_at FROM deliveries d JOIN feeds f ON f.id = d.feed_id WHERE f.name IN (\(list)) ORDER BY d.id",
                    database: name)
                var mentions = ""
                for instance in ["alpha", "beta"] {
                    let lines = (daemons[instance]?.stderr ?? "").split(separator: "\n").filter { line in
                        feedNames.contains { line.contains("feed.name=\($0) ") }
                            || line.contains(" debug ") == false && !line.contains(" info ")
                    }
                    mentions += "--- \(instance):\n" + lines.suffix(80).joined(separator: "\n") + "\n"
                }
                Issue.record("\(error): missing \(missing.sorted())\nfeeds:\n\(rows)\noutbox:\n\(outbox)\n\(mentions)")
                return
            }
            // A few more rounds: nothing more may arrive but what was in flight at the halt.
            try await Task.sleep(for: .seconds(3))
            let delivered = await Self.delivered(server)
            #expect(Set(delivered.map(\.item)) == Self.expected(feeds: feedCount, items: 5))
            var first: [String: ContinuousClock.Instant] = [:]
            for delivery in delivered {
                guard let earlier = first[delivery.item] else {
                    first[delivery.item] = delivery.arrived
                    continue
                }
                // Sent before the database went away, its record lost with it: the only duplicate allowed.
                #expect(
                    earlier > halted - .seconds(5) && earlier <= down,
                    "\(delivery.item) delivered twice, not in flight at the outage")
            }
            let statuses = await daemons.stop()
            #expect(statuses == ["alpha": 0, "beta": 0], "\(daemons.logs)")
            // Each instance logs the outage at most once and its end as often, one error line at most. An
            // instance whose calls all waited for a pooled connection may ride the outage out without a word
            // (its check whether the database answers comes 10 s into a wait), so only one of the two must.
            var noticed = 0
            for instance in ["alpha", "beta"] {
                let log = daemons[instance]?.stderr ?? ""
                let lines = log.split(separator: "\n")
                let lost = lines.filter { $0.contains("store unavailable; polls and deliveries wait") }
                let back = lines.filter { $0.contains("store available again") }
                #expect(lost.count <= 1 && back.count == lost.count, "\(instance): \(log.suffix(4000))")
                if lost.count == 1 { noticed += 1 }
                // The outage is one error, not one per feed or delivery.
                let errors = lines.filter { $0.contains(" error ") }
                #expect(errors.count == lost.count, "\(instance): \(errors.joined(separator: "\n"))")
                #expect(!log.contains("Fatal error"))
            }
            #expect(noticed >= 1, "no instance logged the outage: \(daemons.logs)")
        }
    }
}
