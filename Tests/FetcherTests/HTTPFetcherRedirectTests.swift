import Fetcher
import TestSupport
import Testing

@Suite("HTTPFetcher: redirects")
struct HTTPFetcherRedirectTests {
    @Test("a 301, 302, 307 chain is followed; the final URL is reported, the chain is not permanent")
    func temporaryChain() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            await server.route("/old", .redirect(to: "\(baseURL)/moved", status: 301))
            await server.route("/moved", .redirect(to: "/relative/next", status: 302))
            await server.route("/relative/next", .redirect(to: "final", status: 307))
            await server.route("/relative/final", .text("<feed/>", contentType: "application/atom+xml"))
            let content = try #require(await fetcher.fetch("\(baseURL)/old").content)

            #expect(content.finalURL == "\(baseURL)/relative/final")
            #expect(content.isPermanentRedirect == false)
            #expect(content.hops.map(\.httpStatus) == [301, 302, 307, 200])
            #expect(content.contentType == "application/atom+xml")
            #expect(content.body == Array("<feed/>".utf8))
            for path in ["/old", "/moved", "/relative/next", "/relative/final"] {
                #expect(await server.hits(path) == 1, "hits of \(path)")
            }
        }
    }

    @Test("a chain of 301 and 308 only is permanent, also when it ends in 304")
    func permanentChain() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            await server.route("/a", .redirect(to: "/b", status: 301))
            await server.route("/b", .redirect(to: "/c", status: 308))
            await server.route("/c") { request in
                request.header("If-None-Match") == "\"1\""
                    ? ScriptedResponse(status: 304) : ScriptedResponse(headers: ["ETag": "\"1\""], body: [0x3C])
            }
            let content = try #require(await fetcher.fetch("\(baseURL)/a").content)
            #expect(content.isPermanentRedirect)
            #expect(content.finalURL == "\(baseURL)/c")

            let again = await fetcher.fetch(FetchRequest(url: "\(baseURL)/a", validators: content.validators))
            let notModified = try #require(again.notModified)
            #expect(notModified.isPermanentRedirect)
            #expect(notModified.finalURL == "\(baseURL)/c")
            #expect(notModified.hops.map(\.httpStatus) == [301, 308, 304])
        }
    }

    @Test("headers of redirect responses do not leak into the final response")
    func finalHeadersOnly() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            await server.route(
                "/r",
                ScriptedResponse(
                    status: 302, headers: ["Location": "/plain", "ETag": "\"redirect\"", "Content-Type": "text/html"])
            )
            await server.route("/plain", ScriptedResponse(body: Array("x".utf8)))
            let content = try #require(await fetcher.fetch("\(baseURL)/r").content)

            #expect(content.validators.etag == nil)
            #expect(content.contentType == nil)
        }
    }

    @Test("a redirect loop fails with redirectLoop")
    func loop() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            await server.route("/ping", .redirect(to: "/pong"))
            await server.route("/pong", .redirect(to: "/ping"))
            let url = "\(baseURL)/ping"
            let failure = await fetcher.fetch(url).failure

            #expect(failure == .redirectLoop(url: url, target: url))
            #expect(failure?.description == "\(url): redirects loop back to \(url); the site is misconfigured")
            #expect(await server.hits("/ping") == 1)
            #expect(await server.hits("/pong") == 1)
        }
    }

    @Test("more redirects than allowed fail with tooManyRedirects")
    func tooMany() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            await server.route("/step") { request in
                .redirect(to: "/step?n=\((Int(request.query.dropFirst(2)) ?? 0) + 1)")
            }
            let url = "\(baseURL)/step"
            let failure = await fetcher.fetch(url, limits: FetchLimits(maxRedirects: 3)).failure

            #expect(failure == .tooManyRedirects(url: url, limit: 3))
            #expect(await server.hits("/step") == 4)
        }
    }

    @Test("a redirect to a file URL is refused")
    func redirectToFileRefused() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            await server.route("/sneaky", .redirect(to: "file:///etc/passwd"))
            let url = "\(baseURL)/sneaky"

            #expect(await fetcher.fetch(url).failure == .forbiddenRedirect(url: url, target: "file:///etc/passwd"))
        }
    }

    @Test("credentials and Authorization stay behind when a redirect leads to another host")
    func credentialsStayOnOrigin() async throws {
        try await HTTPTestServer.withRunning { other, otherURL in
            await other.route("/feed", .text("<rss/>"))
            try await withServerAndFetcher { server, baseURL, fetcher in
                await server.route("/same", .redirect(to: "/away"))
                await server.route("/away", .redirect(to: "\(otherURL)/feed"))
                let request = FetchRequest(
                    url: "\(baseURL)/same",
                    headers: [HTTPHeaderField(name: "X-Kept", value: "1"), .init(name: "Cookie", value: "c=1")],
                    credential: Credential(username: "ann", password: "pw")
                )
                #expect(await fetcher.fetch(request).content != nil)

                let onOrigin = try #require(await server.requests(for: "/away").first)
                #expect(onOrigin.header("Authorization")?.hasPrefix("Basic ") == true)
                #expect(onOrigin.header("Cookie") == "c=1")
                let elsewhere = try #require(await other.requests(for: "/feed").first)
                #expect(elsewhere.header("Authorization") == nil)
                #expect(elsewhere.header("Cookie") == nil)
                #expect(elsewhere.header("X-Kept") == "1")
            }
        }
    }
}
