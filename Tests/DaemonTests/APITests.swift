import FeedModel
import FlyingSocks
import Foundation
import Store
import TestSupport
import Testing

extension ProcessTests {
    /// The listener's write API and its token, through a `DaemonChild` process on 127.0.0.1.
    @Suite("HTTP write API")
    struct APITests {
        static let token = "s3cret-token-for-tests"

        /// A child daemon polling `feeds` (name=URL lines) every hour (so only the first poll and the API's
        /// polls happen), its listener on a port the kernel picks, with the token file when `withToken`.
        static func start(
            in directory: TemporaryDirectory, feeds: String, withToken: Bool, asPublic: Bool = false
        ) async throws -> (ProcessTests.Child, UInt16) {
            _ = try directory.write(feeds, to: "feeds.txt")
            // asPublic: on 127.0.0.1, guarded as on a public address (no port opened to other machines).
            var environment = [
                "DAEMONCHILD_LISTEN": "127.0.0.1:0", "DAEMONCHILD_NOTIFY_EXISTING": "1",
                "DAEMONCHILD_LISTEN_PUBLIC": asPublic ? "1" : "0",
            ]
            if withToken {
                environment["DAEMONCHILD_LISTEN_TOKEN_FILE"] = try directory.write(Self.token + "\n", to: "token").path
            }
            let child = try await ProcessTests.Child(
                arguments: ProcessTests.arguments(in: directory, interval: "3600"), environment: environment)
            var port: UInt16? = nil
            // A loaded machine may take a while to start a child daemon: the deadline is generous.
            let started = await eventually(timeout: .seconds(30)) {
                port = child.stderr.split(separator: "\n").first { $0.contains("HTTP listener started") }
                    .flatMap { $0.split(separator: " ").first { $0.hasPrefix("listen=") } }
                    .flatMap { $0.split(separator: ":").last }
                    .flatMap { UInt16($0) }
                return port != nil
            }
            guard started, let port else {
                child.end()
                throw TestFailure("the listener did not start: \(child.stderr)")
            }
            return (child, port)
        }

        @Test("without listen_token every write answers 403 saying how to enable it; reads still work")
        func writesOffWithoutToken() async throws {
            try await DaemonTestbed.with(feeds: ["/a.xml": [1]]) { bed in
                let (directory, server, base) = (bed.directory, bed.server, bed.base)
                let (child, port) = try await Self.start(
                    in: directory, feeds: "a=\(base)/a.xml\n", withToken: false)
                defer { child.end() }
                #expect(await eventually { await server.hits("/a.xml") == 1 })
                for path in [
                    "/api/feeds/a/poll", "/api/deliveries/retry", "/api/held/a/release", "/api/held/a/drop",
                ] {
                    let answer = try await HTTPAnswer.send("POST", path, token: Self.token, port: port)
                    #expect(answer.status == 403, "\(path): \(answer)")
                    #expect(answer.json["error"] as? String ?? "" != "")
                    #expect((answer.json["error"] as? String)?.contains("listen_token") == true, "\(answer)")
                }
                #expect(try await HTTPAnswer.send("GET", "/health", port: port).status == 200)
                // No poll happened on the way.
                #expect(await server.hits("/a.xml") == 1)
                child.signal(SIGTERM)
                #expect(await child.exitStatus() == 0, "\(child.stderr)")
            }
        }

        @Test("poll now: the running daemon fetches the feed at once and answers how it went; 401 without the token")
        func pollNow() async throws {
            try await DaemonTestbed.with(feeds: ["/a.xml": [1]]) { bed in
                let (directory, server, base, feeds) = (bed.directory, bed.server, bed.base, bed.feeds)
                let (child, port) = try await Self.start(in: directory, feeds: "a=\(base)/a.xml\n", withToken: true)
                defer { child.end() }
                #expect(await eventually { JSONLines(path: directory.path + "/log.jsonl").titles == ["Item 1"] })
                #expect(await server.hits("/a.xml") == 1)

                // Refusals first: nothing is fetched for them.
                let missing = try await HTTPAnswer.send("POST", "/api/feeds/a/poll", port: port)
                #expect(missing.status == 401)
                #expect(missing.headers["www-authenticate"]?.hasPrefix("Bearer") == true, "\(missing)")
                let wrong = try await HTTPAnswer.send(
                    "POST", "/api/feeds/a/poll", token: "s3cret-token-for-test", port: port)
                #expect(wrong.status == 401)
                #expect(
                    wrong.headers["www-authenticate"] == "Bearer realm=\"feedd\", error=\"invalid_token\"",
                    "\(wrong)")
                let longer = try await HTTPAnswer.send(
                    "POST", "/api/feeds/a/poll", token: Self.token + "x", port: port)
                #expect(longer.status == 401)
                #expect(await server.hits("/a.xml") == 1)
                let unknown = try await HTTPAnswer.send("POST", "/api/feeds/b/poll", token: Self.token, port: port)
                #expect(unknown.status == 404)
                #expect((unknown.json["error"] as? String)?.contains("did you mean \"a\"") == true, "\(unknown)")
                let asGet = try await HTTPAnswer.send("GET", "/api/feeds/a/poll", token: Self.token, port: port)
                #expect(asGet.status == 405)
                #expect(asGet.headers["allow"] == "POST")
                let posted = try await HTTPAnswer.send("POST", "/health", port: port)
                #expect(posted.status == 405)
                #expect(posted.headers["allow"] == "GET, HEAD", "\(posted)")

                // With the token: a real fetch arrives, and the answer says what it brought.
                feeds.set("/a.xml", items: [1, 2])
                let polled = try await HTTPAnswer.send("POST", "/api/feeds/a/poll", token: Self.token, port: port)
                #expect(polled.status == 200, "\(polled)")
                #expect(polled.json["feed"] as? String == "a")
                #expect(polled.json["result"] as? String == "content")
                #expect(polled.json["new_items"] as? Int == 1)
                #expect(await server.hits("/a.xml") == 2)
                #expect(
                    await eventually {
                        JSONLines(path: directory.path + "/log.jsonl").titles == ["Item 1", "Item 2"]
                    })
                // Again: the server answers 304.
                let again = try await HTTPAnswer.send("POST", "/api/feeds/a/poll", token: Self.token, port: port)
                #expect(again.json["result"] as? String == "not_modified", "\(again)")
                #expect(await server.hits("/a.xml") == 3)
                // Reads need no token on loopback.
                #expect(try await HTTPAnswer.send("GET", "/feeds", port: port).status == 200)

                child.signal(SIGTERM)
                #expect(await child.exitStatus() == 0, "\(child.stderr)")
            }
        }

        @Test("held deliveries released and dropped, dead ones retried, through the API of the running daemon")
        func heldAndRetry() async throws {
            try await withTemporaryDirectory { directory in
                try await HTTPTestServer.withRunning { server, base in
                    // Two dead deliveries of feed "old" to the hook "log", from an earlier run.
                    let store = try FileStore.open(directory: directory.path + "/state")
                    let result = try store.commit(
                        feed: "old", items: [1, 2].map(Self.item), fetchState: FeedFetchState(),
                        now: Timestamp(secondsSince1970: 1_800_000_000), deliveries: { _, _ in ["log"] })
                    for delivery in result.deliveries { try store.markDead(delivery.id, error: "HTTP 500") }
                    try store.close()

                    let feeds = FeedServer()
                    feeds.set("/a.xml", items: [1])
                    feeds.set("/b.xml", items: [1])
                    await feeds.route(["/a.xml", "/b.xml"], on: server)
                    let (child, port) = try await Self.start(
                        in: directory, feeds: "a=\(base)/a.xml\nb=\(base)/b.xml\n", withToken: true)
                    defer { child.end() }
                    let log = directory.path + "/log.jsonl"
                    #expect(await eventually { JSONLines(path: log).titles.count == 2 })

                    // A flood on both feeds: 29 new items each are stored and held.
                    feeds.set("/a.xml", items: Array(1...30))
                    feeds.set("/b.xml", items: Array(1...30))
                    for name in ["a", "b"] {
                        let polled = try await HTTPAnswer.send(
                            "POST", "/api/feeds/\(name)/poll", token: Self.token, port: port)
                        #expect(polled.json["held_items"] as? Int == 29, "\(polled)")
                    }
                    let released = try await HTTPAnswer.send(
                        "POST", "/api/held/a/release", token: Self.token, port: port)
                    #expect(released.status == 200)
                    #expect(released.json["released"] as? Int == 29, "\(released)")
                    #expect(await eventually { JSONLines(path: log).feeds.filter { $0 == "a" }.count == 30 })
                    let dropped = try await HTTPAnswer.send("POST", "/api/held/b/drop", token: Self.token, port: port)
                    #expect(dropped.json["dropped"] as? Int == 29, "\(dropped)")
                    let feedList = try await HTTPAnswer.send("GET", "/feeds", port: port).list
                    #expect(feedList.first { $0["name"] as? String == "b" }?["held"] as? Int == 0, "\(feedList)")
                    #expect(
                        try await HTTPAnswer.send("POST", "/api/held/nobody/drop", token: Self.token, port: port).status
                            == 404)
                    #expect(try await HTTPAnswer.send("POST", "/api/held/a/release", port: port).status == 401)

                    let unknownHook = try await HTTPAnswer.send(
                        "POST", "/api/deliveries/retry?hook=chat", token: Self.token, port: port)
                    #expect(unknownHook.status == 404)
                    #expect(try await HTTPAnswer.send("POST", "/api/deliveries/retry", port: port).status == 401)
                    let retried = try await HTTPAnswer.send(
                        "POST", "/api/deliveries/retry?hook=log", token: Self.token, port: port)
                    #expect(retried.status == 200)
                    #expect(retried.json["queued"] as? Int == 2, "\(retried)")
                    #expect(await eventually { JSONLines(path: log).feeds.filter { $0 == "old" }.count == 2 })

                    child.signal(SIGTERM)
                    #expect(await child.exitStatus() == 0, "\(child.stderr)")
                }
            }
        }

        @Test("off loopback every request needs the token, reads included; without one the daemon does not start")
        func nonLoopback() async throws {
            try await DaemonTestbed.with(feeds: ["/a.xml": [1]]) { bed in
                let (directory, base) = (bed.directory, bed.base)
                let (child, port) = try await Self.start(
                    in: directory, feeds: "a=\(base)/a.xml\n", withToken: true, asPublic: true)
                defer { child.end() }
                for path in ["/", "/feed.atom", "/health", "/metrics", "/feeds", "/items", "/nothing-here"] {
                    let refused = try await HTTPAnswer.send("GET", path, port: port)
                    #expect(refused.status == 401, "\(path): \(refused)")
                    // A browser shown this asks for a user name and password: the token is the password.
                    #expect(refused.headers["www-authenticate"]?.hasPrefix("Basic realm=") == true, "\(refused)")
                    let wrong = try await HTTPAnswer.send("GET", path, token: "nope", port: port)
                    #expect(wrong.status == 401, "\(path): \(wrong)")
                    let wrongBasic = try await HTTPAnswer.send("GET", path, basic: ("me", "nope"), port: port)
                    #expect(wrongBasic.status == 401, "\(path): \(wrongBasic)")
                }
                for path in ["/", "/feed.atom", "/health", "/metrics", "/feeds", "/items"] {
                    #expect(try await HTTPAnswer.send("GET", path, token: Self.token, port: port).status == 200)
                    let basic = try await HTTPAnswer.send("GET", path, basic: ("anyone", Self.token), port: port)
                    #expect(basic.status == 200, "\(path): \(basic)")
                }
                // Writes take the bearer token only, and their challenge says so.
                let basicWrite = try await HTTPAnswer.send(
                    "POST", "/api/feeds/a/poll", basic: ("anyone", Self.token), port: port)
                #expect(basicWrite.status == 401, "\(basicWrite)")
                #expect(basicWrite.headers["www-authenticate"]?.hasPrefix("Bearer") == true, "\(basicWrite)")
                #expect(
                    try await HTTPAnswer.send("GET", "/nothing-here", token: Self.token, port: port).status == 404)
                child.signal(SIGTERM)
                #expect(await child.exitStatus() == 0, "\(child.stderr)")
                // Without a token it refuses to start, and says why.
                _ = try directory.write("a=http://127.0.0.1:9/a.xml\n", to: "feeds.txt")
                let bare = try await ProcessTests.Child(
                    arguments: ProcessTests.arguments(in: directory, interval: "3600"),
                    environment: ["DAEMONCHILD_LISTEN": "0.0.0.0:0"])
                defer { bare.end() }
                #expect(await bare.exitStatus() == 1)
                #expect(bare.stderr.contains("is not a loopback address"), "\(bare.stderr)")
                #expect(bare.stderr.contains("set listen_token"), "\(bare.stderr)")
            }
        }

        static func item(_ number: Int) -> FeedItem {
            FeedItem(id: "n\(number)", key: ItemKey.make(.id("n\(number)")), title: "Old \(number)")
        }
    }
}

/// One HTTP request on a new connection to the listener, and its answer.
struct HTTPAnswer: CustomStringConvertible {
    var status: Int
    /// Header names in lower case.
    var headers: [String: String]
    var body: String

    var description: String { "\(status) \(headers) \(body)" }

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    var list: [[String: Any]] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [[String: Any]] ?? [] }

    /// `token` goes in a Bearer header; `basic` (user, password) in a Basic one, as a browser sends it.
    static func send(
        _ method: String, _ path: String, token: String? = nil, basic: (String, String)? = nil, port: UInt16
    ) async throws -> HTTPAnswer {
        let socket = try TCPClient.connect(port: port)
        defer { try? socket.close() }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let token { request += "Authorization: Bearer \(token)\r\n" }
        if let (user, password) = basic {
            request += "Authorization: Basic \(Data("\(user):\(password)".utf8).base64EncodedString())\r\n"
        }
        if method == "POST" { request += "Content-Length: 0\r\n" }
        _ = try socket.write(Data((request + "\r\n").utf8))
        let text = try await TCPClient.readResponse(socket, within: .seconds(40))
        guard let end = text.range(of: "\r\n\r\n") else { throw TestFailure("no header: \(text)") }
        let lines = text[..<end.lowerBound].split(separator: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "")
        else { throw TestFailure("no status: \(text)") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        return HTTPAnswer(status: status, headers: headers, body: String(text[end.upperBound...]))
    }
}
