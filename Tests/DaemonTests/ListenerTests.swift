import FlyingSocks
import Foundation
import Platform
import TestSupport
import Testing

/// Nested in the serialized `ProcessTests`: one daemon child at a time, so that these process-heavy tests
/// do not run beside each other and starve the timing-sensitive tests of other suites.
extension ProcessTests {
    /// The HTTP listener against hostile clients, through a `DaemonChild` process: idle, slow and many
    /// connections, and the descriptor limit.
    @Suite("HTTP listener limits")
    struct ListenerTests {
        /// Starts a child daemon polling one feed, with the listener on a port the kernel picks and the
        /// given limits (header ms, idle ms, connections); returns it with the listener's port.
        static func start(
            on bed: DaemonTestbed, limits: String, feeds: String? = nil, wrapper: [String] = []
        ) async throws -> (ProcessTests.Child, UInt16) {
            try await start(in: bed.directory, base: bed.base, limits: limits, feeds: feeds, wrapper: wrapper)
        }

        /// `start(on:…)` for a test that made its own directory and server.
        static func start(
            in directory: TemporaryDirectory, base: String, limits: String, feeds: String? = nil, wrapper: [String] = []
        ) async throws -> (ProcessTests.Child, UInt16) {
            _ = try directory.write(feeds ?? "a=\(base)/a.xml\n", to: "feeds.txt")
            let child = try await ProcessTests.Child(
                arguments: ProcessTests.arguments(in: directory, interval: "1"),
                environment: [
                    "DAEMONCHILD_LISTEN": "127.0.0.1:0", "DAEMONCHILD_NOTIFY_EXISTING": "1",
                    "DAEMONCHILD_LISTENER_LIMITS": limits,
                ],
                wrapper: wrapper)
            guard let port = await child.listenerAddress()?.split(separator: ":").last.flatMap({ UInt16($0) }) else {
                child.end()
                throw TestFailure("the listener did not start: \(child.stderr)")
            }
            return (child, port)
        }

        @Test("300 idle connections: /health still answers at once, connections stay capped, polling goes on")
        func manyIdleConnections() async throws {
            try DescriptorLimit.raiseSoftToHard()
            try await DaemonTestbed.with(feeds: ["/a.xml": [1]]) { bed in
                // Timeouts far longer than the test: only the cap and the eviction of idle ones can help.
                let (child, port) = try await Self.start(on: bed, limits: "60000,60000,40")
                defer { child.end() }
                #expect(await eventually { bed.logged == ["Item 1"] })
                let baseline = try socketCount(of: child.process.processIdentifier)

                var idle: [Socket] = []
                defer { for socket in idle { try? socket.close() } }
                for _ in 0..<300 { idle.append(try TCPClient.connect(port: port)) }

                let started = ContinuousClock.now
                let answer = try await TCPClient.get("/health", port: port)
                #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
                #expect(ContinuousClock.now - started < .seconds(5))
                // The listener holds at most 40 connections (and one being ended, now and then).
                #expect(try socketCount(of: child.process.processIdentifier) <= baseline + 42)
                // The oldest idle ones were closed to make room.
                let closed = await TCPClient.closedCount(idle, within: .seconds(5))
                #expect(closed >= 300 - 40, "only \(closed) closed")

                bed.feeds.set("/a.xml", items: [1, 2])
                #expect(
                    await eventually {
                        bed.logged == ["Item 1", "Item 2"]
                    })
                child.signal(SIGTERM)
                #expect(await child.exitStatus() == 0, "\(child.stderr)")
            }
        }

        @Test("idle and kept-alive connections are closed after the timeout; a byte-by-byte header is cut off")
        func timeouts() async throws {
            try await DaemonTestbed.with(feeds: ["/a.xml": [1]]) { bed in
                let (child, port) = try await Self.start(on: bed, limits: "1000,1000,64")
                defer { child.end() }

                // Connected and silent.
                let started = ContinuousClock.now
                let silent = try (0..<10).map { _ in try TCPClient.connect(port: port) }
                defer { for socket in silent { try? socket.close() } }
                #expect(await TCPClient.closedCount(silent, within: .seconds(15)) == 10)
                #expect(ContinuousClock.now - started >= .milliseconds(900))

                // One request answered, then the connection kept alive and left idle.
                let kept = try TCPClient.connect(port: port)
                defer { try? kept.close() }
                _ = try kept.write(Data("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
                let response = try await TCPClient.readResponse(kept)
                #expect(response.hasPrefix("HTTP/1.1 200"), "\(response)")
                #expect(await TCPClient.closedCount([kept], within: .seconds(15)) == 1)

                // A header sent one byte every 100 ms (it would take 6 s) is cut off near the 1 s timeout.
                let slow = try TCPClient.connect(port: port)
                defer { try? slow.close() }
                let header = Array(
                    "GET /health HTTP/1.1\r\nHost: x\r\nUser-Agent: slowloris\r\nX-Pad: aaaaaaaaaa\r\n\r\n".utf8)
                let slowStart = ContinuousClock.now
                var sent = 0
                var cut = false
                for byte in header {
                    do {
                        _ = try slow.write(Data([byte]))
                        sent += 1
                    } catch {
                        cut = true
                        break
                    }
                    if await TCPClient.closedCount([slow], within: .milliseconds(100)) == 1 {
                        cut = true
                        break
                    }
                }
                #expect(cut, "the whole slow header was accepted")
                #expect(sent < header.count)
                #expect(ContinuousClock.now - slowStart < .seconds(5))

                // Polling went on all the while, and /health still answers.
                #expect(try await TCPClient.get("/health", port: port).hasPrefix("HTTP/1.1 200"))
                #expect(await eventually { bed.logged == ["Item 1"] })
                child.signal(SIGTERM)
                #expect(await child.exitStatus() == 0, "\(child.stderr)")
            }
        }

        @Test("HTTP/1.1 pipelining and HEAD, HTTP/1.0, and requests refused: 431, 501, 400, 505")
        func protocolCases() async throws {
            try await DaemonTestbed.with(feeds: ["/a.xml": [1]]) { bed in
                let (child, port) = try await Self.start(on: bed, limits: "10000,10000,64")
                defer { child.end() }

                // Two requests in one write on one connection: two answers, in order; HEAD has no body.
                let pipelined = try TCPClient.connect(port: port)
                defer { try? pipelined.close() }
                _ = try pipelined.write(
                    Data("HEAD /health HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
                let both = try await TCPClient.read(pipelined) { $0.contains("no such path") }
                #expect(both.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(both)")
                let afterHead = both.range(of: "\r\n\r\n").map { String(both[$0.upperBound...]) } ?? ""
                #expect(afterHead.hasPrefix("HTTP/1.1 404 "), "a HEAD answer has no body: \(both)")

                // HTTP/1.0 without keep-alive: answered, then closed.
                let old = try TCPClient.connect(port: port)
                defer { try? old.close() }
                _ = try old.write(Data("GET /health HTTP/1.0\r\n\r\n".utf8))
                #expect(try await TCPClient.readResponse(old).contains("Connection: close\r\n"))
                #expect(await TCPClient.closedCount([old], within: .seconds(5)) == 1)

                for (request, status) in [
                    ("GET /health HTTP/1.1\r\nX-Big: \(String(repeating: "a", count: 20_000))\r\n\r\n", "431"),
                    ("GET /health HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "501"),
                    ("BROKEN\r\n\r\n", "400"),
                    ("GET /health HTTP/2.0\r\n\r\n", "505"),
                ] {
                    let socket = try TCPClient.connect(port: port)
                    defer { try? socket.close() }
                    _ = try socket.write(Data(request.utf8))
                    let answer = try await TCPClient.readResponse(socket)
                    #expect(answer.hasPrefix("HTTP/1.1 \(status)"), "\(answer)")
                    #expect(await TCPClient.closedCount([socket], within: .seconds(5)) == 1)
                }
                child.signal(SIGTERM)
                #expect(await child.exitStatus() == 0, "\(child.stderr)")
            }
        }

        @Test("the daemon raises its soft descriptor limit to the hard one at start")
        func descriptorLimitRaised() async throws {
            try await DaemonTestbed.with(feeds: ["/a.xml": [1]]) { bed in
                let own = try DescriptorLimit.current()
                // Started with a soft limit below the hard one, as many service managers do.
                let low = min(256, own.hard)
                let (child, _) = try await Self.start(
                    in: bed.directory, base: bed.base, limits: "10000,10000,64",
                    wrapper: ["/bin/sh", "-c", "ulimit -Sn \(low) && exec \"$0\" \"$@\""])
                defer { child.end() }
                let limits = try String(
                    contentsOfFile: "/proc/\(child.process.processIdentifier)/limits", encoding: .utf8)
                let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
                let fields = line.split(separator: " ").dropFirst(3)
                #expect(fields.count >= 2)
                #expect(fields.first == fields.dropFirst().first, "\(line)")
                #expect(fields.first.flatMap { UInt64($0) } == own.hard || own.hard == UInt64.max)
                #expect(child.stderr.contains("descriptor limit"), "\(child.stderr)")
                child.signal(SIGTERM)
                #expect(await child.exitStatus() == 0, "\(child.stderr)")
            }
        }

        @Test(
            "descriptors stay flat over a minute of polling with the listener used (FEEDD_LONG_TESTS)",
            .enabled(if: ProcessInfo.processInfo.environment["FEEDD_LONG_TESTS"] != nil))
        func descriptorsFlat() async throws {
            try await withTemporaryDirectory { directory in
                try await HTTPTestServer.withRunning { server, base in
                    let feeds = FeedServer()
                    feeds.set("/a.xml", items: [1])
                    feeds.fail("/down.xml", status: 500)
                    await feeds.route(["/a.xml", "/down.xml"], on: server)
                    let (child, port) = try await Self.start(
                        in: directory, base: base, limits: "1000,1000,64",
                        feeds: "a=\(base)/a.xml\ndown=\(base)/down.xml\n"
                    )
                    defer { child.end() }
                    let pid = child.process.processIdentifier
                    #expect(await eventually { JSONLines(path: directory.path + "/log.jsonl").titles == ["Item 1"] })
                    try await Task.sleep(for: .seconds(3))
                    let before = try descriptorCount(of: pid)
                    var number = 1
                    let end = ContinuousClock.now + .seconds(56)
                    while ContinuousClock.now < end {
                        number += 1
                        feeds.set("/a.xml", items: Array(1...number))
                        _ = try await TCPClient.get("/feeds", port: port)
                        try await Task.sleep(for: .seconds(3))
                    }
                    #expect(await eventually { JSONLines(path: directory.path + "/log.jsonl").titles.count == number })
                    try await Task.sleep(for: .seconds(2))
                    // A transfer or a listener connection may be open at either moment: a little slack.
                    let after = try descriptorCount(of: pid)
                    #expect(after <= before + 2, "descriptors: \(before) at the start, \(after) after a minute")
                    child.signal(SIGTERM)
                    #expect(await child.exitStatus() == 0, "\(child.stderr)")
                }
            }
        }
    }
}

/// Open descriptors of process `pid`.
func descriptorCount(of pid: Int32) throws -> Int {
    try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
}

/// Open sockets of process `pid`.
func socketCount(of pid: Int32) throws -> Int {
    try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count { name in
        let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(name)")
        return target?.hasPrefix("socket:") == true
    }
}

/// A raw TCP client to 127.0.0.1, for what an HTTP library would not do: stay silent, send slowly.
enum TCPClient {
    static func connect(port: UInt16) throws -> Socket {
        let socket = try Socket(domain: AF_INET, type: .stream)
        try socket.connect(to: sockaddr_in.inet(ip4: "127.0.0.1", port: port))
        try socket.setFlags(.nonBlocking)
        return socket
    }

    /// How many of `sockets` the server closed (end of file or reset) within `limit`.
    static func closedCount(_ sockets: [Socket], within limit: Duration) async -> Int {
        let deadline = ContinuousClock.now + limit
        var closed = Set<Int>()
        while true {
            for (index, socket) in sockets.enumerated() where !closed.contains(index) {
                do {
                    _ = try socket.read(atMost: 4096)
                } catch SocketError.blocked {
                    continue
                } catch {
                    closed.insert(index)
                }
            }
            if closed.count == sockets.count || ContinuousClock.now >= deadline { return closed.count }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Reads one response (up to the end of its body, by Content-Length) from `socket`.
    static func readResponse(_ socket: Socket, within limit: Duration = .seconds(10)) async throws -> String {
        let deadline = ContinuousClock.now + limit
        var bytes: [UInt8] = []
        while ContinuousClock.now < deadline {
            do {
                bytes += try socket.read(atMost: 4096)
            } catch SocketError.blocked {
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if let end = text.range(of: "\r\n\r\n"),
                let lengthLine = text[..<end.lowerBound].split(separator: "\r\n").first(where: {
                    $0.lowercased().hasPrefix("content-length:")
                }),
                let length = Int(lengthLine.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)),
                text[end.upperBound...].utf8.count >= length
            {
                return text
            }
        }
        throw TestFailure("no whole response within \(limit): \(String(decoding: bytes, as: UTF8.self))")
    }

    /// What arrives on `socket` until `done` holds for all of it.
    static func read(
        _ socket: Socket, within limit: Duration = .seconds(10), until done: (String) -> Bool
    ) async throws -> String {
        let deadline = ContinuousClock.now + limit
        var bytes: [UInt8] = []
        while ContinuousClock.now < deadline {
            do {
                bytes += try socket.read(atMost: 4096)
            } catch SocketError.blocked {
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            if done(String(decoding: bytes, as: UTF8.self)) { return String(decoding: bytes, as: UTF8.self) }
        }
        throw TestFailure("not within \(limit): \(String(decoding: bytes, as: UTF8.self))")
    }

    /// One GET on a new connection.
    static func get(_ path: String, port: UInt16) async throws -> String {
        let socket = try connect(port: port)
        defer { try? socket.close() }
        _ = try socket.write(Data("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
        return try await readResponse(socket)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
