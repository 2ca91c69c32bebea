import Fetcher
import Foundation
import TestSupport
import Testing

@Suite("PlainFetch against a local HTTP server")
struct PlainFetchTests {
    @Test("200 delivers the body, the media type, its charset and the validators")
    func okResponse() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            let feed = "<rss version=\"2.0\"><channel><title>t</title></channel></rss>"
            await server.route(
                "/feed.xml",
                ScriptedResponse(
                    headers: [
                        "Content-Type": "Application/RSS+XML; Charset=\"ISO-8859-1\"",
                        "ETag": "\"v1\"",
                        "Last-Modified": "Sat, 29 Nov 2025 10:00:00 GMT",
                    ],
                    body: Array(feed.utf8)
                )
            )
            let response = try await fetch("\(baseURL)/feed.xml").get()

            #expect(response.body == Array(feed.utf8))
            #expect(response.httpStatus == 200)
            #expect(response.finalURL == "\(baseURL)/feed.xml")
            #expect(response.contentType == "application/rss+xml")
            #expect(response.charset == "iso-8859-1")
            #expect(response.etag == "\"v1\"")
            #expect(response.lastModified == "Sat, 29 Nov 2025 10:00:00 GMT")
            #expect(response.redirectCount == 0)

            let request = try #require(await server.requests(for: "/feed.xml").first)
            #expect(request.method == "GET")
            #expect(request.header("User-Agent") == PlainFetch.Options.defaultUserAgent)
            #expect(request.header("Accept")?.contains("application/rss+xml") == true)
        }
    }

    @Test("a gzip-encoded body arrives decoded, and the request offers gzip")
    func gzipBody() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            let compressed = try Fixtures.bytes("http/feed.xml.gz")
            let plain = try Fixtures.bytes("http/feed.xml")
            await server.route(
                "/feed.xml.gz",
                ScriptedResponse(
                    headers: ["Content-Type": "application/rss+xml", "Content-Encoding": "gzip"],
                    body: compressed
                )
            )
            let response = try await fetch("\(baseURL)/feed.xml.gz").get()

            #expect(compressed != plain)
            #expect(response.body == plain)
            let acceptEncoding = try #require(
                await server.requests(for: "/feed.xml.gz").first?.header("Accept-Encoding"))
            #expect(acceptEncoding.contains("gzip"))
        }
    }

    @Test("a body over the size limit fails with tooLarge")
    func bodyTooLarge() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/big", ScriptedResponse(body: [UInt8](repeating: 0x61, count: 64 * 1024)))
            let url = "\(baseURL)/big"
            let result = await fetch(url, PlainFetch.Options(maxBodySize: 16 * 1024))

            #expect(result.failure == .tooLarge(url: url, limit: 16 * 1024))
            #expect(result.failure?.description == "\(url): response body is larger than the limit of 16384 bytes")
        }
    }

    @Test("a body exactly at the size limit is accepted")
    func bodyAtLimit() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/exact", ScriptedResponse(body: [UInt8](repeating: 0x62, count: 4096)))
            let response = try await fetch("\(baseURL)/exact", PlainFetch.Options(maxBodySize: 4096)).get()

            #expect(response.body.count == 4096)
        }
    }

    @Test("the size limit counts decoded bytes, not compressed ones")
    func limitCountsDecodedBytes() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            let compressed = try Fixtures.bytes("http/feed.xml.gz")
            let plain = try Fixtures.bytes("http/feed.xml")
            await server.route("/gz", ScriptedResponse(headers: ["Content-Encoding": "gzip"], body: compressed))
            let limit = compressed.count + 10
            try #require(limit < plain.count)
            let url = "\(baseURL)/gz"
            let result = await fetch(url, PlainFetch.Options(maxBodySize: limit))

            #expect(result.failure == .tooLarge(url: url, limit: limit))
        }
    }

    @Test("404 fails with httpStatus(404) and says to check the URL")
    func notFound() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/gone", .text("no such feed", status: 404))
            let url = "\(baseURL)/gone"
            let result = await fetch(url)

            #expect(result.failure == .httpStatus(url: url, code: 404))
            #expect(result.failure?.description == "\(url): HTTP 404 (not found; check the URL)")
        }
    }

    @Test("503 fails with httpStatus(503)")
    func serverError() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/busy", .text("later", status: 503))
            let url = "\(baseURL)/busy"

            #expect(await fetch(url).failure == .httpStatus(url: url, code: 503))
        }
    }

    @Test("a redirect chain is followed and the final URL reported")
    func redirectChain() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/old", .redirect(to: "\(baseURL)/moved", status: 301))
            await server.route("/moved", .redirect(to: "/relative/next", status: 302))
            await server.route("/relative/next", .redirect(to: "final", status: 307))
            await server.route("/relative/final", .text("<feed/>", contentType: "application/atom+xml"))
            let response = try await fetch("\(baseURL)/old").get()

            #expect(response.finalURL == "\(baseURL)/relative/final")
            #expect(response.redirectCount == 3)
            #expect(response.httpStatus == 200)
            #expect(response.contentType == "application/atom+xml")
            #expect(response.body == Array("<feed/>".utf8))
            for path in ["/old", "/moved", "/relative/next", "/relative/final"] {
                #expect(await server.hits(path) == 1, "hits of \(path)")
            }
        }
    }

    @Test("headers of redirect responses do not leak into the final response")
    func finalHeadersOnly() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route(
                "/r",
                ScriptedResponse(
                    status: 302,
                    headers: ["Location": "/plain", "ETag": "\"redirect\"", "Content-Type": "text/html"]
                )
            )
            await server.route("/plain", ScriptedResponse(body: Array("x".utf8)))
            let response = try await fetch("\(baseURL)/r").get()

            #expect(response.etag == nil)
            #expect(response.contentType == nil)
        }
    }

    @Test("a redirect loop fails with tooManyRedirects after the limit")
    func redirectLoop() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/loop", .redirect(to: "/loop"))
            let url = "\(baseURL)/loop"
            let result = await fetch(url, PlainFetch.Options(maxRedirects: 3))

            #expect(result.failure == .tooManyRedirects(url: url, limit: 3))
            #expect(await server.hits("/loop") == 4)
        }
    }

    @Test("a redirect to a file URL is refused")
    func redirectToFileRefused() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/sneaky", .redirect(to: "file:///etc/passwd"))
            let url = "\(baseURL)/sneaky"
            let failure = try #require(await fetch(url).failure)

            guard case .other(let failedURL, let detail) = failure else {
                Issue.record("expected .other, got \(failure)")
                return
            }
            #expect(failedURL == url)
            #expect(detail.contains("scheme not allowed"))
        }
    }

    @Test("a refused connection fails with connect and says so")
    func connectionRefused() async throws {
        let server = HTTPTestServer()
        let baseURL = try await server.start()
        await server.stop()
        let url = "\(baseURL)/x"
        let failure = try #require(await fetch(url).failure)

        guard case .connect(let failedURL, let reason, let detail) = failure else {
            Issue.record("expected .connect, got \(failure)")
            return
        }
        #expect(failedURL == url)
        #expect(reason == "connection refused")
        #expect(detail.hasPrefix("curl error 7:"))
        #expect(failure.description == "\(url): connection refused")
    }

    @Test("an unknown host fails with dns")
    func unknownHost() async throws {
        let url = "http://feedd-test.invalid/feed.xml"
        let failure = try #require(await fetch(url, PlainFetch.Options(connectTimeout: .seconds(5))).failure)

        guard case .dns(let failedURL, _) = failure else {
            Issue.record("expected .dns, got \(failure)")
            return
        }
        #expect(failedURL == url)
    }

    @Test("a server that does not answer in time fails with timeout")
    func stalledServer() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/slow", ScriptedResponse(body: Array("late".utf8), delay: .seconds(10)))
            let url = "\(baseURL)/slow"
            let started = ContinuousClock.now
            let failure = try #require(await fetch(url, PlainFetch.Options(totalTimeout: .milliseconds(300))).failure)

            guard case .timeout(let failedURL, _) = failure else {
                Issue.record("expected .timeout, got \(failure)")
                return
            }
            #expect(failedURL == url)
            // Generous bound: proves the timeout fired instead of the response arriving.
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test("a body that trickles in below the low-speed limit fails with timeout")
    func lowSpeedAbort() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            let trickle = ScriptedResponse.Trickle(chunkSize: 1, interval: .milliseconds(700))
            await server.route("/trickle", ScriptedResponse(body: Array("0123456789".utf8), trickle: trickle))
            let url = "\(baseURL)/trickle"
            let options = PlainFetch.Options(lowSpeedLimit: 100, lowSpeedTime: .seconds(1))
            let started = ContinuousClock.now
            let failure = try #require(await fetch(url, options).failure)

            guard case .timeout(let failedURL, _) = failure else {
                Issue.record("expected .timeout, got \(failure)")
                return
            }
            #expect(failedURL == url)
            // The whole body would take 6.3 s and the total timeout is 60 s: only the low-speed check stops it sooner.
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test("a slow body above the low-speed limit completes")
    func slowButSteadyBody() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            let trickle = ScriptedResponse.Trickle(chunkSize: 4, interval: .milliseconds(100))
            await server.route("/steady", ScriptedResponse(body: Array("0123456789ab".utf8), trickle: trickle))
            let options = PlainFetch.Options(lowSpeedLimit: 1, lowSpeedTime: .seconds(1))
            let response = try await fetch("\(baseURL)/steady", options).get()

            #expect(response.body == Array("0123456789ab".utf8))
        }
    }

    @Test("a file URL of a temporary file is read")
    func fileURL() async throws {
        try await withTemporaryDirectory { directory in
            let content = "<rss version=\"2.0\"><channel/></rss>\n"
            let file = try directory.write(content, to: "feed.xml")
            let url = "file://\(file.path)"
            let response = try await fetch(url).get()

            #expect(response.body == Array(content.utf8))
            #expect(response.httpStatus == nil)
            #expect(response.finalURL == url)
            #expect(response.etag == nil)
        }
    }

    @Test("a missing file fails with a message naming the URL")
    func missingFile() async throws {
        try await withTemporaryDirectory { directory in
            let url = "file://\(directory.path)/absent.xml"
            let failure = try #require(await fetch(url).failure)

            guard case .other(let failedURL, _) = failure else {
                Issue.record("expected .other, got \(failure)")
                return
            }
            #expect(failedURL == url)
            #expect(failure.description.hasPrefix("\(url): "))
        }
    }

    @Test("schemes other than http, https and file are refused")
    func otherSchemeRefused() async throws {
        let failure = try #require(await fetch("ftp://127.0.0.1/feed.xml").failure)

        guard case .other(_, let detail) = failure else {
            Issue.record("expected .other, got \(failure)")
            return
        }
        #expect(detail.contains("scheme not allowed"))
    }
}

/// Runs the blocking fetch on its own thread, so that it never ties up a thread of the
/// cooperative pool that the test server needs to answer.
private func fetch(
    _ url: String,
    _ options: PlainFetch.Options = PlainFetch.Options()
) async -> Result<PlainFetch.Response, FetchError> {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(
                returning: Result { () throws(FetchError) in try PlainFetch.get(url: url, options: options) })
        }
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let failure) = self {
            return failure
        }
        return nil
    }
}
