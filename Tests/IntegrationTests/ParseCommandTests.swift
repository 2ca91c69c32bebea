import Foundation
import TestSupport
import Testing

/// `feedd parse` as users run it: the built binary as a child process.
@Suite("feedd parse")
struct ParseCommandTests {
    static let binary: URL = {
        // The test bundle sits in the products directory, beside the `feedd` executable.
        var directory = Bundle.main.bundleURL
        if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
        let candidate = directory.appendingPathComponent("feedd")
        if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "feedd")
    }()

    static let feed = """
        <?xml version="1.0" encoding="utf-8"?>
        <rss version="2.0"><channel><title>Example</title><link>https://example.org/</link>
        <item><title>First</title><link>/posts/1</link><guid>https://example.org/posts/1</guid>
        <pubDate>Sun, 29 Nov 2026 08:00:00 GMT</pubDate></item></channel></rss>
        """

    private func run(_ arguments: [String], stdin: String = "") async throws -> ProcessResult {
        try await ProcessRunner.run(Self.binary, arguments: arguments, stdin: Array(stdin.utf8))
    }

    private func json(_ result: ProcessResult) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout))
        return try #require(object as? [String: Any])
    }

    @Test("a file is printed as one JSON object with every field")
    func parsesFile() async throws {
        try await withTemporaryDirectory { directory in
            let file = try directory.write(Self.feed, to: "feed.xml")
            let result = try await run(["parse", "--base-url", "https://example.org/feed.xml", file.path])
            #expect(result.status == 0)
            #expect(result.stdoutText.split(separator: "\n").count == 1)
            let document = try json(result)
            #expect(document["format"] as? String == "rss2.0")
            #expect(document["feed_url"] is NSNull)
            let item = try #require((document["items"] as? [[String: Any]])?.first)
            #expect(item["link"] as? String == "https://example.org/posts/1")
            #expect(item["published"] as? String == "2026-11-29T08:00:00Z")
            #expect((item["key"] as? String)?.hasPrefix("sha256:") == true)
        }
    }

    @Test("--pretty indents the same document")
    func pretty() async throws {
        let compact = try await run(["parse", "-"], stdin: Self.feed)
        let pretty = try await run(["parse", "--pretty", "-"], stdin: Self.feed)
        #expect(pretty.status == 0)
        #expect(pretty.stdoutText.contains("\n  \"format\": \"rss2.0\""))
        let a = try JSONSerialization.jsonObject(with: Data(compact.stdout)) as? NSDictionary
        let b = try JSONSerialization.jsonObject(with: Data(pretty.stdout)) as? NSDictionary
        #expect(a == b)
    }

    @Test("a page that is not a feed exits 65 naming the input as a web page")
    func notAFeed() async throws {
        try await withTemporaryDirectory { directory in
            let page = try directory.write("<html><body>hello</body></html>", to: "page.html")
            let result = try await run(["parse", page.path])
            #expect(result.status == 65)
            #expect(result.stdout.isEmpty)
            #expect(
                result.stderrText
                    == "feedd: \(page.path): a web page (HTML), not a feed\n"
                    + "subscribe with `feedd add \(page.path)` (it finds the feed a page names)\n")
        }
    }

    @Test("a missing file exits 1 and names the file")
    func missingFile() async throws {
        let result = try await run(["parse", "/nonexistent/feed.xml"])
        #expect(result.status == 1)
        #expect(result.stderrText == "feedd: /nonexistent/feed.xml: no such file\n")
    }

    @Test("plain arguments (read without the argument parser) give what the argument parser gives")
    func plainArgumentsMatchTheParser() async throws {
        try await withTemporaryDirectory { directory in
            let file = try directory.write(Self.feed, to: "feed.xml")
            let missing = directory.path + "/missing.xml"
            // `--` sends the same words through swift-argument-parser (`ParseRun.init?(plainArguments:)` takes
            // no `--`); each pair must print the same bytes, on both streams, with the same status.
            let cases: [(options: [String], input: String)] = [
                ([], file.path),
                (["--pretty"], file.path),
                (["--quiet"], file.path),
                (["--base-url", "https://example.org/blog/", "--charset", "iso-8859-1"], file.path),
                (["--max-size", "100"], file.path),
                (["--repeat", "3", "--timeout", "5"], file.path),
                ([], missing),
            ]
            for (options, input) in cases {
                let plain = try await run(["parse"] + options + [input])
                let parsed = try await run(["parse"] + options + ["--", input])
                #expect(plain.status == parsed.status, "\(options)")
                #expect(plain.stdout == parsed.stdout, "\(options)")
                #expect(plain.stderrText == parsed.stderrText, "\(options)")
            }
            #expect(try await run(["parse", "--max-size", "100", file.path]).status == 1)
            // What the plain reading refuses goes to the argument parser, whose messages stay.
            let zero = try await run(["parse", "--repeat", "0", file.path])
            #expect(zero.status == 64)
            #expect(zero.stderrText.contains("--repeat must be at least 1"))
            let twice = try await run(["parse", file.path, file.path])
            #expect(twice.status == 64)
            #expect(try await run(["parse", "--help"]).stdoutText.contains("--base-url"))
        }
    }

    @Test("a URL is fetched from a server on 127.0.0.1, and its charset and final URL are used")
    func fetchesURL() async throws {
        let server = HTTPTestServer()
        var latin1 = Array("<rss><channel><title>Caf".utf8)
        latin1.append(0xE9)
        latin1 += Array("</title><item><title>x</title><link>rel/2</link></item></channel></rss>".utf8)
        await server.route(
            "/feeds/latin1.xml",
            ScriptedResponse(
                status: 200, headers: ["Content-Type": "application/rss+xml; charset=ISO-8859-1"], body: latin1))
        await server.route("/old", .redirect(to: "/feeds/latin1.xml", status: 301))
        let base = try await server.start()
        defer { Task { await server.stop() } }
        let result = try await run(["parse", base + "/old"])
        #expect(result.status == 0, "\(result.stderrText)")
        let document = try json(result)
        #expect(document["title"] as? String == "Café")
        let item = try #require((document["items"] as? [[String: Any]])?.first)
        #expect(item["link"] as? String == base + "/feeds/rel/2")
        #expect(await server.hits("/feeds/latin1.xml") == 1)
        let agent = await server.requests(for: "/feeds/latin1.xml").first?.header("User-Agent")
        #expect(agent?.hasPrefix("feedd/") == true)
    }

    @Test("the proxy environment variables are honoured (http_proxy)")
    func proxyFromEnvironment() async throws {
        try await HTTPTestServer.withRunning { proxy, proxyURL in
            await proxy.route("/feed.xml", ScriptedResponse(body: Array(Self.feed.utf8)))
            var environment = ProcessInfo.processInfo.environment
            environment["http_proxy"] = proxyURL
            environment["no_proxy"] = nil
            environment["NO_PROXY"] = nil
            // The host does not exist: only a proxy can answer for it.
            let result = try await ProcessRunner.run(
                Self.binary, arguments: ["parse", "http://feedd-env-proxy.invalid/feed.xml"], environment: environment)
            #expect(result.status == 0, "\(result.stderrText)")
            #expect(try json(result)["title"] as? String == "Example")
            let seen = await proxy.requests(for: "/feed.xml")
            #expect(seen.count == 1)
            #expect(seen.first?.header("Host") == "feedd-env-proxy.invalid")
        }
    }

    @Test("an HTTP error exits 1 with the URL and the status")
    func httpError() async throws {
        let server = HTTPTestServer()
        await server.route("/gone", ScriptedResponse(status: 404))
        let base = try await server.start()
        defer { Task { await server.stop() } }
        let result = try await run(["parse", base + "/gone"])
        #expect(result.status == 1)
        #expect(result.stderrText.hasPrefix("feedd: \(base)/gone: HTTP 404"))
    }

    @Test("--verbose describes the request, each response with its timings, and the validators")
    func verbose() async throws {
        try await HTTPTestServer.withRunning { server, base in
            await server.route("/old", .redirect(to: "/feed.xml", status: 301))
            await server.route(
                "/feed.xml",
                ScriptedResponse(
                    headers: ["Content-Type": "application/rss+xml", "ETag": "\"v7\""], body: Array(Self.feed.utf8))
            )
            let result = try await run(["parse", "--verbose", base + "/old"])
            #expect(result.status == 0)
            let lines = result.stderrText.split(separator: "\n").map(String.init)
            #expect(lines.first == "feedd: > GET \(base)/old")
            #expect(lines.contains { $0.hasPrefix("feedd: > User-Agent: feedd/") })
            #expect(
                lines.contains { $0.hasPrefix("feedd: < HTTP/1.1 301 \(base)/old in ") && $0.contains("first byte") })
            #expect(lines.contains { $0.hasPrefix("feedd: < HTTP/1.1 200 \(base)/feed.xml in ") })
            #expect(lines.contains("feedd: < ETag: \"v7\""))
            #expect(lines.contains("feedd: < final URL \(base)/feed.xml (permanent redirect)"))
            #expect(try json(result)["format"] as? String == "rss2.0")
        }
    }

    @Test("--help reads like a manual page")
    func help() async throws {
        let result = try await run(["parse", "--help"])
        #expect(result.status == 0)
        for expected in [
            "OVERVIEW:", "EXAMPLES", "EXIT STATUS", "--base-url <url>", "--pretty", "--charset <name>", "--verbose",
        ] {
            #expect(result.stdoutText.contains(expected), "missing \(expected)")
        }
    }
}
