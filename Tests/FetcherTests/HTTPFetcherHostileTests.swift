import Curl
import FeedModel
import Fetcher
import Foundation
import TestSupport
import Testing

/// Servers that try to hurt the fetcher: oversized headers, bodies that trickle for ever, redirects to
/// schemes other than http and https. Each ends with a clear error, in bounded time and memory.
@Suite("HTTPFetcher against hostile servers")
struct HTTPFetcherHostileTests {
    @Test("a response header line of 1 MB fails saying the header is too large, not out of memory")
    func hugeHeaderLine() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            let huge = String(repeating: "a", count: 1 << 20)
            await server.route("/huge", ScriptedResponse(headers: ["X-Huge": huge], body: Array("ok".utf8)))
            let url = "\(baseURL)/huge"
            let failure = try #require(await fetcher.fetch(url).failure)

            #expect(
                failure.description
                    == "\(url): a response header line too large (over 102400 bytes); the server sends a broken response"
            )
            #expect(!failure.description.contains("memory"))
        }
    }

    @Test("response headers of 400 KB in all fail saying the headers are too large")
    func manyLargeHeaders() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            var response = ScriptedResponse(body: Array("ok".utf8))
            for index in 0..<8 {
                response = response.adding(header: "X-Big-\(index)", String(repeating: "b", count: 50_000))
            }
            await server.route("/many", response)
            let url = "\(baseURL)/many"
            let failure = try #require(await fetcher.fetch(url).failure)

            #expect(
                failure.description
                    == "\(url): the response headers too large (over 307200 bytes); the server sends a broken response")
        }
    }

    @Test("a header just under libcurl's line limit is accepted")
    func largeButAllowedHeader() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            let large = String(repeating: "c", count: 90_000)
            await server.route("/large", ScriptedResponse(headers: ["X-Large": large], body: Array("ok".utf8)))
            #expect(await fetcher.fetch("\(baseURL)/large").content?.body == Array("ok".utf8))
        }
    }

    @Test("a body trickling below the low-speed limit fails with a low-speed timeout, in bounded time")
    func tricklingBelowLowSpeed() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            let trickle = ScriptedResponse.Trickle(chunkSize: 1, interval: .milliseconds(300))
            let body = [UInt8](repeating: 0x61, count: 10_000)
            await server.route("/trickle", ScriptedResponse(body: body, trickle: trickle))
            let url = "\(baseURL)/trickle"
            let limits = FetchLimits(lowSpeedLimit: 100, lowSpeedTime: .seconds(2))
            let started = ContinuousClock.now
            let failure = try #require(await fetcher.fetch(url, limits: limits).failure)

            guard case .timeout(_, .lowSpeed, .seconds(2), _) = failure else {
                Issue.record("expected a low-speed timeout, got \(failure)")
                return
            }
            #expect(ContinuousClock.now - started < .seconds(30))
        }
    }

    @Test("a body trickling above the low-speed limit for ever ends at the total timeout")
    func tricklingForEver() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            let trickle = ScriptedResponse.Trickle(chunkSize: 64, interval: .milliseconds(50))
            let body = [UInt8](repeating: 0x61, count: 10 << 20)
            await server.route("/forever", ScriptedResponse(body: body, trickle: trickle))
            let url = "\(baseURL)/forever"
            // The low-speed window is far longer than the total timeout, so only the total timeout can end it.
            let limits = FetchLimits(totalTimeout: .seconds(2), lowSpeedLimit: 1, lowSpeedTime: .seconds(60))
            let started = ContinuousClock.now
            let failure = try #require(await fetcher.fetch(url, limits: limits).failure)

            guard case .timeout(_, .total, .seconds(2), _) = failure else {
                Issue.record("expected a total timeout, got \(failure)")
                return
            }
            #expect(ContinuousClock.now - started < .seconds(30))
        }
    }

    @Test(
        "a redirect to a scheme other than http or https is refused",
        arguments: [
            "ftp://127.0.0.1/feed", "gopher://127.0.0.1/", "dict://127.0.0.1/", "scp://127.0.0.1/x",
            "FILE:///etc/passwd", "data:text/plain,hi", "ldap://127.0.0.1/",
        ])
    func redirectToOtherSchemes(target: String) async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            await server.route("/sneaky", .redirect(to: target))
            let url = "\(baseURL)/sneaky"
            let failure = try #require(await fetcher.fetch(url).failure)

            guard case .forbiddenRedirect(url, _) = failure else {
                Issue.record("expected the redirect to be refused, got \(failure)")
                return
            }
            #expect(failure.description.contains("redirects may lead only to http or https"))
        }
    }
}
