import Fetcher
import Foundation
import Platform
import Synchronization
import TestSupport
import Testing

/// Text gathered from a pipe's handler thread.
final class TextBuffer: Sendable {
    private let value = Mutex("")

    var text: String { value.withLock { $0 } }

    func append(_ more: String) { value.withLock { $0 += more } }
}

/// The daemon as a child process (`DaemonChild`, settings from its arguments): signals, systemd's notify
/// socket, reload.
@Suite("Daemon process", .serialized)
struct ProcessTests {
    /// A running child daemon with its standard error collected.
    final class Child: Sendable {
        let process: Process
        private let errorText = TextBuffer()

        /// With a `wrapper` (a program and its arguments), that program is run with DaemonChild's path and
        /// `arguments` after its own, to `exec` it in a changed setting (`sh -c 'ulimit …; exec "$0" "$@"'`).
        init(arguments: [String], environment: [String: String] = [:], wrapper: [String] = []) async throws {
            process = Process()
            if let program = wrapper.first {
                process.executableURL = URL(fileURLWithPath: program)
                process.arguments = wrapper.dropFirst() + [builtExecutable("DaemonChild").path] + arguments
            } else {
                process.executableURL = builtExecutable("DaemonChild")
                process.arguments = arguments
            }
            var env = ProcessInfo.processInfo.environment
            env["JOURNAL_STREAM"] = nil
            env["NOTIFY_SOCKET"] = nil
            for (key, value) in environment { env[key] = value }
            process.environment = env
            let pipe = Pipe()
            process.standardError = pipe
            process.standardOutput = FileHandle.nullDevice
            let text = errorText
            pipe.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                text.append(String(decoding: data, as: UTF8.self))
            }
            try await ProcessRunner.launch(process)
        }

        deinit {
            // A test that failed half-way leaves nothing running.
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }

        var stderr: String { errorText.text }

        func signal(_ number: Int32) { kill(process.processIdentifier, number) }

        /// Kills the child if it still runs and waits for it: for `defer`, so that no test leaves one behind.
        func end() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        /// Waits for the exit, up to `timeout`; nil when it did not exit (then it is killed).
        func exitStatus(timeout: Duration = .seconds(30)) async -> Int32? {
            let deadline = ContinuousClock.now + timeout
            while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return nil
            }
            return process.terminationStatus
        }
    }

    /// DaemonChild's arguments for the state, hook log and feeds file in `directory`.
    static func arguments(in directory: TemporaryDirectory, interval: String) -> [String] {
        [directory.path + "/state", directory.path + "/log.jsonl", directory.path + "/feeds.txt", interval]
    }

    @Test(
        "SIGTERM: READY=1, STATUS=, WATCHDOG=1 and STOPPING=1 on the notify socket, then exit 0 with the store flushed")
    func notifyAndTerminate() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1]]) { bed in
            try bed.writeFeeds([("a", "/a.xml")])
            let socketPath = bed.directory.path + "/notify.sock"
            let socket = try DatagramSocket.bound(to: socketPath)
            let child = try await bed.startChild(
                interval: "1", environment: ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "2000000"])
            var messages: [String] = []
            func receive(until predicate: (String) -> Bool) throws -> Bool {
                let deadline = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < deadline {
                    if let message = try socket.receive(timeoutMilliseconds: 200) {
                        messages.append(message)
                        if predicate(message) { return true }
                    }
                }
                return false
            }
            #expect(try receive { $0.contains("READY=1") }, "\(child.stderr)")
            #expect(messages.first?.contains("STATUS=1 feeds") == true)
            #expect(await eventually { await bed.server.hits("/a.xml") >= 2 })
            bed.feeds.set("/a.xml", items: [1, 2])
            #expect(await eventually { bed.logged == ["Item 2"] })
            #expect(try receive { $0.contains("STATUS=") && $0.contains("1 new items") }, "\(messages)")
            #expect(try messages.contains("WATCHDOG=1") || receive { $0 == "WATCHDOG=1" }, "\(messages)")
            child.signal(SIGTERM)
            #expect(try receive { $0.contains("STOPPING=1") }, "\(messages)")
            #expect(await child.exitStatus() == 0, "\(child.stderr)")
            #expect(child.stderr.contains("notice feedd: stopped"))
        }
    }

    @Test("listen: the HTTP listener serves health, metrics, feeds and items while the daemon runs")
    func httpListener() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1, 2]]) { bed in
            try bed.writeFeeds([("a", "/a.xml"), ("broken", "/missing.xml")])
            let child = try await bed.startChild(
                interval: "1", environment: ["DAEMONCHILD_LISTEN": "127.0.0.1:0", "DAEMONCHILD_NOTIFY_EXISTING": "1"])
            // The kernel picks the port; the log says which.
            let url = try #require(await child.listenerAddress().map { "http://" + $0 }, "\(child.stderr)")
            #expect(await eventually { bed.logged.count == 2 })
            let fetcher = try HTTPFetcher()
            defer { fetcher.shutdown() }
            func get(_ path: String) async -> (Int, String) {
                switch await fetcher.fetch(FetchRequest(url: url + path)) {
                case .content(let content): return (200, String(decoding: content.body, as: UTF8.self))
                case .failure(.httpStatus(_, let code, _, _)): return (code, "")
                default: return (0, "")
                }
            }

            let (healthStatus, health) = await get("/health")
            #expect(healthStatus == 200)
            let healthObject = try JSONSerialization.jsonObject(with: Data(health.utf8)) as? [String: Any]
            #expect(healthObject?["status"] as? String == "ok")
            #expect(healthObject?["feeds"] as? Int == 2)

            // Both feeds polled: "a" stored its items, "broken" failed (they need not finish together).
            #expect(
                await eventually {
                    let text = await get("/metrics").1
                    return text.contains("feedd_items_new_total 2") && text.contains("feedd_feeds_failing 1.0\n")
                })
            let metrics = await get("/metrics").1
            #expect(metrics.contains("# TYPE feedd_polls_total counter"))
            #expect(metrics.contains("feedd_feeds 2.0\n"))
            #expect(metrics.contains("feedd_feeds_failing 1.0\n"), "\(metrics)")
            #expect(metrics.contains("feedd_items_stored 2.0\n"))
            #expect(metrics.contains("feedd_outbox_deliveries{status=\"dead\"} 0.0\n"))

            let feedList =
                try JSONSerialization.jsonObject(with: Data(await get("/feeds").1.utf8)) as? [[String: Any]]
            #expect(feedList?.map { $0["name"] as? String } == ["a", "broken"])
            #expect(feedList?.first?["items"] as? Int == 2)
            #expect((feedList?.last?["last_error"] as? String)?.contains("404") == true, "\(feedList ?? [])")

            let items =
                try JSONSerialization.jsonObject(with: Data(await get("/items?feed=a&limit=1").1.utf8))
                as? [[String: Any]]
            #expect(items?.count == 1)
            #expect(items?.first?["feed"] as? String == "a")
            #expect(items?.first?["title"] as? String == "Item 2")

            #expect(await get("/items?feed=nobody").0 == 404)
            #expect(await get("/items?limit=zero").0 == 400)
            #expect(await get("/nothing-here").0 == 404)

            child.signal(SIGTERM)
            #expect(await child.exitStatus() == 0, "\(child.stderr)")
            #expect(await get("/health").0 == 0, "the listener closes with the daemon")
        }
    }

    @Test("listen: a port already taken is logged and tried again, and the daemon polls all the same")
    func httpListenerPortTaken() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1]]) { bed in
            try bed.writeFeeds([("a", "/a.xml")])
            // The test server's own port is taken.
            let taken = String(bed.base.dropFirst("http://".count))
            let child = try await bed.startChild(
                interval: "1", environment: ["DAEMONCHILD_LISTEN": taken, "DAEMONCHILD_NOTIFY_EXISTING": "1"])
            #expect(await eventually { child.stderr.contains("HTTP listener failed; trying again in 30 s") })
            #expect(await eventually { bed.logged == ["Item 1"] })
            child.signal(SIGTERM)
            #expect(await child.exitStatus() == 0, "\(child.stderr)")
        }
    }

    @Test("SIGHUP reloads: an added feed starts, a removed one stops, and a bad reload keeps the old settings")
    func reload() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1], "/b.xml": [1]]) { bed in
            try bed.writeFeeds([("a", "/a.xml")])
            let child = try await bed.startChild(interval: "1")
            #expect(await eventually { await bed.server.hits("/a.xml") >= 1 }, "\(child.stderr)")
            #expect(await bed.server.hits("/b.xml") == 0)

            try bed.writeFeeds([("b", "/b.xml")])
            child.signal(SIGHUP)
            #expect(await eventually { await bed.server.hits("/b.xml") >= 2 }, "\(child.stderr)")
            // b's polls are the clock: three more of them are three more one-second rounds, in which a
            // still scheduled would be polled about three times; one poll may have been in flight.
            let aHits = await bed.server.hits("/a.xml")
            let bRounds = await bed.server.hits("/b.xml")
            #expect(await eventually { await bed.server.hits("/b.xml") >= bRounds + 3 }, "\(child.stderr)")
            #expect(await bed.server.hits("/a.xml") <= aHits + 1)

            _ = try bed.directory.write("garbage\n", to: "feeds.txt")
            child.signal(SIGHUP)
            #expect(await eventually { child.stderr.contains("reload failed; keeping the settings in force") })
            let bHits = await bed.server.hits("/b.xml")
            #expect(await eventually { await bed.server.hits("/b.xml") > bHits })

            child.signal(SIGINT)
            #expect(await child.exitStatus() == 0, "\(child.stderr)")
        }
    }

    @Test("SIGKILL with deliveries pending: after a restart they are delivered, each once")
    func killedWithPendingDeliveries() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1, 2]]) { bed in
            try bed.writeFeeds([("a", "/a.xml")])
            // A file stands where the hook's folder should be (a missing folder would be made):
            // every attempt fails and is retried.
            try bed.directory.write("not a folder yet", to: "later")
            let log = bed.directory.path + "/later/log.jsonl"
            let arguments = [bed.directory.path + "/state", log, bed.directory.path + "/feeds.txt", "1"]
            let environment = ["DAEMONCHILD_NOTIFY_EXISTING": "1", "DAEMONCHILD_RETRY_SECONDS": "1"]
            let first = try await Child(arguments: arguments, environment: environment)
            #expect(await eventually { first.stderr.contains("delivery failed; will retry") }, "\(first.stderr)")
            first.signal(SIGKILL)
            // It died of the signal within the wait (nil would mean it outlived it and was killed there).
            #expect(await first.exitStatus() != nil)
            #expect(first.process.terminationReason == .uncaughtSignal)

            try FileManager.default.removeItem(atPath: bed.directory.path + "/later")
            try FileManager.default.createDirectory(
                atPath: bed.directory.path + "/later", withIntermediateDirectories: true)
            let second = try await Child(arguments: arguments, environment: environment)
            #expect(await eventually { JSONLines(path: log).titles.count >= 2 }, "\(second.stderr)")
            // Two more poll rounds (one second apart, past the one-second retry delay) before looking
            // again, so that a duplicate delivery would have had its chance.
            let polls = await bed.server.hits("/a.xml")
            #expect(await eventually { await bed.server.hits("/a.xml") >= polls + 2 }, "\(second.stderr)")
            #expect(JSONLines(path: log).titles == ["Item 1", "Item 2"])
            second.signal(SIGTERM)
            #expect(await second.exitStatus() == 0, "\(second.stderr)")
        }
    }

    @Test("poll once: the feed's items are stored, delivered on the next run, and the process exits")
    func pollOnceChild() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1, 2]]) { bed in
            try bed.writeFeeds([("a", "/a.xml")])
            let arguments = Self.arguments(in: bed.directory, interval: "60") + ["once"]
            let first = try await ProcessRunner.run(
                builtExecutable("DaemonChild"), arguments: arguments, timeout: .seconds(20))
            #expect(first.status == 0, "\(first.stderrText)")
            #expect(first.stdoutText == "polled 1 new 2 delivered 0 failed 0\n")
            bed.feeds.set("/a.xml", items: [1, 2, 3])
            let second = try await ProcessRunner.run(
                builtExecutable("DaemonChild"), arguments: arguments, timeout: .seconds(20))
            #expect(second.stdoutText == "polled 1 new 1 delivered 1 failed 0\n", "\(second.stderrText)")
            #expect(bed.logged == ["Item 3"])
        }
    }

    @Test("systemd/feedd.service passes systemd-analyze verify (scripts/setup installs it)")
    func unitFileVerifies() async throws {
        let unit = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("systemd/feedd.service")
        let text = try String(contentsOf: unit, encoding: .utf8)
        for line in [
            "Type=notify", "StateDirectory=feedd", "ProtectSystem=strict", "NoNewPrivileges=yes", "WatchdogSec=",
            "ExecReload=/bin/kill -HUP $MAINPID", "SystemCallFilter=@system-service", "CapabilityBoundingSet=\n",
            "User=feedd\n", "ExecStart=/usr/local/bin/feedd run --config /etc/feedd/feedd.toml\n",
        ] {
            #expect(text.contains(line), "missing \(line)")
        }
        let analyze = try #require(
            ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            }), "systemd-analyze is missing: scripts/setup installs Debian's systemd package")
        try await withTemporaryDirectory { directory in
            // verify wants ExecStart's binary to exist: point it at a stand-in.
            let binary = try directory.write("#!/bin/sh\n", to: "feedd")
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binary.path)
            let copy = text.replacingOccurrences(of: "/usr/local/bin/feedd", with: binary.path)
            let unitCopy = try directory.write(copy, to: "feedd.service")
            let result = try await ProcessRunner.run(
                URL(fileURLWithPath: analyze), arguments: ["verify", "--man=no", unitCopy.path], timeout: .seconds(60))
            let complaints = result.stderrText.split(separator: "\n").filter {
                !$0.contains("Failed to") || $0.contains("feedd.service")
            }
            #expect(result.status == 0, "\(result.stderrText)")
            #expect(complaints.isEmpty, "\(result.stderrText)")
        }
    }
}
