import Curl
import FeedModel
import Fetcher
import Foundation
import TestSupport
import Testing

@Suite("HTTPFetcher: responses, conditional GET, encodings and limits")
struct HTTPFetcherTests {
    @Test("200 delivers the body, the media type, its charset and the validators")
    func okResponse() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            let feed = "<rss version=\"2.0\"><channel><title>t</title></channel></rss>"
            await server.route(
                "/feed.xml",
                ScriptedResponse(
                    headers: [
                        "Content-Type": "Application/RSS+XML; Charset=\"ISO-8859-1\"",
                        "etag": "\"v1\"",
                        "Last-Modified": "Sat, 29 Nov 2025 10:00:00 GMT",
                        "Cache-Control": "public, max-age=600",
                        "Expires": "Sat, 29 Nov 2025 10:10:00 GMT",
                    ],
                    body: Array(feed.utf8)
                )
            )
            let content = try #require(await fetcher.fetch("\(baseURL)/feed.xml").content)

            #expect(content.body == Array(feed.utf8))
            #expect(content.httpStatus == 200)
            #expect(content.finalURL == "\(baseURL)/feed.xml")
            #expect(content.isPermanentRedirect == false)
            #expect(content.contentType == "application/rss+xml")
            #expect(content.charset == "iso-8859-1")
            #expect(content.validators == Validators(etag: "\"v1\"", lastModified: "Sat, 29 Nov 2025 10:00:00 GMT"))
            #expect(content.cacheHints.maxAge == 600)
            #expect(content.cacheHints.expires?.rfc3339 == "2025-11-29T10:10:00Z")
            #expect(content.hops.map(\.httpStatus) == [200])
            #expect(content.warnings.isEmpty)

            let request = try #require(await server.requests(for: "/feed.xml").first)
            #expect(request.method == "GET")
            #expect(request.header("User-Agent") == HTTPFetcher.Configuration.defaultUserAgent)
            #expect(request.header("User-Agent")?.hasPrefix("feedd/\(FeeddVersion.current) ") == true)
            #expect(request.header("Accept")?.contains("application/rss+xml") == true)
            #expect(request.header("If-None-Match") == nil)
            #expect(request.header("If-Modified-Since") == nil)
        }
    }

    @Test("sequential fetches from one host reuse one connection (keep-alive)")
    func keepAlive() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            await server.route("/feed.xml", ScriptedResponse(body: Array("<rss/>".utf8)))
            for _ in 0..<10 {
                _ = try #require(await fetcher.fetch("\(baseURL)/feed.xml").content)
            }
            let requests = await server.requests(for: "/feed.xml")
            #expect(requests.count == 10)
            #expect(requests.allSatisfy { $0.clientPort != nil })
            #expect(Set(requests.compactMap(\.clientPort)).count == 1, "one TCP connection for all ten requests")
        }
    }

    @Test("an ETag round trip: the second fetch sends If-None-Match and gets notModified")
    func etagRoundTrip() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            await server.route("/feed.xml") { request in
                if request.header("If-None-Match") == "\"abc\"" {
                    return ScriptedResponse(status: 304, headers: ["ETag": "\"abc\"", "Cache-Control": "max-age=60"])
                }
                return ScriptedResponse(headers: ["ETag": "\"abc\""], body: Array("<rss/>".utf8))
            }
            let url = "\(baseURL)/feed.xml"
            let first = try #require(await fetcher.fetch(url).content)
            let second = await fetcher.fetch(FetchRequest(url: url, validators: first.validators))

            let notModified = try #require(second.notModified)
            #expect(notModified.validators.etag == "\"abc\"")
            #expect(notModified.finalURL == url)
            #expect(notModified.cacheHints.maxAge == 60)
            #expect(notModified.hops.map(\.httpStatus) == [304])
            #expect(await server.requests(for: "/feed.xml").last?.header("If-None-Match") == "\"abc\"")
        }
    }

    @Test("a Last-Modified round trip: If-Modified-Since is sent verbatim and a 304 keeps the validators sent")
    func lastModifiedRoundTrip() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            let stamp = "Sat, 29 Nov 2025 10:00:00 GMT"
            await server.route("/feed.xml") { request in
                if request.header("If-Modified-Since") == stamp {
                    return ScriptedResponse(status: 304)
                }
                return ScriptedResponse(headers: ["Last-Modified": stamp], body: Array("<rss/>".utf8))
            }
            let url = "\(baseURL)/feed.xml"
            let first = try #require(await fetcher.fetch(url).content)
            #expect(first.validators == Validators(lastModified: stamp))
            let second = await fetcher.fetch(FetchRequest(url: url, validators: first.validators))

            #expect(second.notModified?.validators == Validators(lastModified: stamp))
            #expect(await server.requests(for: "/feed.xml").last?.header("If-None-Match") == nil)
        }
    }

    @Test("a gzip body arrives decoded, and the request offers gzip, br and zstd")
    func gzipBody() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            let compressed = try Fixtures.bytes("http/feed.xml.gz")
            let plain = try Fixtures.bytes("http/feed.xml")
            await server.route("/gz", ScriptedResponse(headers: ["Content-Encoding": "gzip"], body: compressed))
            let content = try #require(await fetcher.fetch("\(baseURL)/gz").content)

            #expect(compressed != plain)
            #expect(content.body == plain)
            let offered = try #require(await server.requests(for: "/gz").first?.header("Accept-Encoding"))
            // Debian's libcurl decodes all four; another build offers what it decodes (curl -V lists it).
            let linked =
                ["gzip", "deflate"]
                + ["brotli": "br", "zstd": "zstd"].filter { library, _ in
                    CurlGlobal.version.contains("\(library)/")
                }.map(\.value)
            for encoding in linked {
                #expect(offered.contains(encoding), "Accept-Encoding: \(offered)")
            }
        }
    }

    @Test("a brotli body arrives decoded", .enabled(if: CurlGlobal.version.contains("brotli/")))
    func brotliBody() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            let compressed = try Fixtures.bytes("http/feed.xml.br")
            await server.route("/br", ScriptedResponse(headers: ["Content-Encoding": "br"], body: compressed))
            let content = try #require(await fetcher.fetch("\(baseURL)/br").content)

            #expect(content.body == (try Fixtures.bytes("http/feed.xml")))
        }
    }

    @Test("a compression bomb stops at the decoded-size limit with tooLarge")
    func compressionBomb() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            let bomb = try Fixtures.bytes("http/zeros-10MiB.gz")
            await server.route("/bomb", ScriptedResponse(headers: ["Content-Encoding": "gzip"], body: bomb))
            let url = "\(baseURL)/bomb"
            let result = await fetcher.fetch(url, limits: FetchLimits(maxBodySize: 1 << 20))

            #expect(bomb.count < 1 << 20)
            #expect(result.failure == .tooLarge(url: url, limit: 1 << 20))
            #expect(result.failure?.description == "\(url): response body is larger than the limit of 1048576 bytes")
        }
    }

    @Test("an endless body stops at the limit with tooLarge")
    func endlessBody() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            await server.route("/endless", .endless)
            let url = "\(baseURL)/endless"

            #expect(
                await fetcher.fetch(url, limits: FetchLimits(maxBodySize: 1 << 20)).failure
                    == .tooLarge(url: url, limit: 1 << 20))
        }
    }

    @Test("a body exactly at the size limit is accepted")
    func bodyAtLimit() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            await server.route("/exact", ScriptedResponse(body: [UInt8](repeating: 0x62, count: 4096)))
            let content = try #require(
                await fetcher.fetch("\(baseURL)/exact", limits: FetchLimits(maxBodySize: 4096)).content)

            #expect(content.body.count == 4096)
        }
    }

    @Test("a server that stalls after the headers fails with a low-speed timeout")
    func stallAfterHeaders() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            await server.route("/stall", .stallingAfterHeaders())
            let url = "\(baseURL)/stall"
            let limits = FetchLimits(lowSpeedLimit: 100, lowSpeedTime: .seconds(1))
            let failure = try #require(await fetcher.fetch(url, limits: limits).failure)

            guard case .timeout(let failedURL, .lowSpeed, let limit, _) = failure else {
                Issue.record("expected a low-speed timeout, got \(failure)")
                return
            }
            #expect(failedURL == url)
            #expect(limit == .seconds(1))
            #expect(
                failure.description
                    == "\(url): data stalled for 1 s; the server is overloaded or stuck, try again later")
        }
    }

    @Test("a server that does not answer within the total timeout fails with a total timeout")
    func totalTimeout() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            await server.route("/slow", ScriptedResponse(body: Array("late".utf8), delay: .seconds(10)))
            let url = "\(baseURL)/slow"
            let failure = try #require(
                await fetcher.fetch(url, limits: FetchLimits(totalTimeout: .milliseconds(300))).failure)

            guard case .timeout(_, .total, .milliseconds(300), let detail) = failure else {
                Issue.record("expected a total timeout, got \(failure)")
                return
            }
            #expect(detail.hasPrefix("curl error 28:"))
        }
    }

    @Test("a slow body above the low-speed limit completes")
    func slowButSteadyBody() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            let trickle = ScriptedResponse.Trickle(chunkSize: 4, interval: .milliseconds(100))
            await server.route("/steady", ScriptedResponse(body: Array("0123456789ab".utf8), trickle: trickle))
            // A generous window: the test server shares the test process's two cooperative threads with
            // every other test, and under the whole suite it stalled for over a second now and then.
            let limits = FetchLimits(lowSpeedLimit: 1, lowSpeedTime: .seconds(10))
            let result = await fetcher.fetch("\(baseURL)/steady", limits: limits)

            #expect(result.content?.body == Array("0123456789ab".utf8), "\(result)")
        }
    }

    @Test("429 reports the Retry-After seconds")
    func tooManyRequests() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            await server.route("/busy", ScriptedResponse(status: 429, headers: ["Retry-After": "120"]))
            let url = "\(baseURL)/busy"
            let failure = await fetcher.fetch(url).failure

            guard case .httpStatus(url, 429, .seconds(120), let pause?) = failure else {
                Issue.record("not a 429 with a host pause: \(String(describing: failure))")
                return
            }
            #expect(pause.host == String(baseURL.dropFirst("http://".count)))
            #expect(
                failure?.description
                    == "\(url): HTTP 429 (too many requests; try again later); the server asks to wait 120 s (Retry-After)"
                    + "; \(pause.host) gets no request until \(pause.until.rfc3339)"
            )
        }
    }

    @Test("503 with a Retry-After date is measured against the response's Date")
    func unavailableWithDate() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            let headers: KeyValuePairs = [
                "Date": "Sun, 29 Nov 2026 12:00:00 GMT", "Retry-After": "Sun, 29 Nov 2026 12:05:00 GMT",
            ]
            await server.route("/down", ScriptedResponse(status: 503, headers: headers))
            let url = "\(baseURL)/down"

            let failure = await fetcher.fetch(url).failure
            guard case .httpStatus(url, 503, .seconds(300), let pause?) = failure else {
                Issue.record("not a 503 with a host pause: \(String(describing: failure))")
                return
            }
            #expect(pause.until.secondsSince1970 - pause.since.secondsSince1970 >= 300)
            #expect(pause.until.secondsSince1970 - pause.since.secondsSince1970 <= 301)
        }
    }

    @Test("500 fails with httpStatus(500) and no Retry-After")
    func serverError() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            await server.route("/broken", .text("oops", status: 500))
            let url = "\(baseURL)/broken"
            let failure = await fetcher.fetch(url).failure

            #expect(failure == .httpStatus(url: url, code: 500, retryAfter: nil))
            #expect(failure?.description == "\(url): HTTP 500 (server error; try again later)")
        }
    }

    @Test("404 says to check the URL")
    func notFound() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            let url = "\(baseURL)/nothing"

            #expect(await fetcher.fetch(url).failure?.description == "\(url): HTTP 404 (not found; check the URL)")
        }
    }

    @Test("a refused connection fails with connect and says so")
    func connectionRefused() async throws {
        let server = HTTPTestServer()
        let baseURL = try await server.start()
        await server.stop()
        let url = "\(baseURL)/x"
        try await withFetcher { fetcher in
            let failure = try #require(await fetcher.fetch(url).failure)

            guard case .connect(let failedURL, let reason, let detail) = failure else {
                Issue.record("expected .connect, got \(failure)")
                return
            }
            #expect(failedURL == url)
            #expect(reason == "connection refused")
            #expect(detail.hasPrefix("curl error 7:"))
            #expect(failure.description == "\(url): connection refused")
        }
    }

    @Test("an unknown host fails with dns")
    func unknownHost() async throws {
        try await withFetcher { fetcher in
            // A 64-character label is longer than DNS allows (63), so the resolver refuses the name
            // itself without asking a server: the result does not depend on the host's DNS, which
            // may be unreachable or answer every name (a hijacking resolver). `.invalid` on top.
            let url = "http://\(String(repeating: "x", count: 64)).invalid/feed.xml"
            let failure = try #require(
                await fetcher.fetch(url, limits: FetchLimits(connectTimeout: .seconds(5))).failure)

            guard case .dns(let failedURL, _) = failure else {
                Issue.record("expected .dns, got \(failure)")
                return
            }
            #expect(failedURL == url)
        }
    }

    @Test("request headers, basic auth and the TLS warning")
    func requestOptions() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            await server.route("/private", .text("<rss/>"))
            let request = FetchRequest(
                url: "\(baseURL)/private",
                headers: [
                    HTTPHeaderField(name: "Accept", value: "application/rss+xml"), .init(name: "X-Token", value: "t"),
                ],
                credential: Credential(username: "ann", password: "s3cret"),
                insecureSkipTLSVerify: true
            )
            let content = try #require(await fetcher.fetch(request).content)

            #expect(content.warnings == [.tlsVerificationSkipped])
            let sent = try #require(await server.requests(for: "/private").first)
            #expect(sent.header("Accept") == "application/rss+xml")
            #expect(sent.headers.filter { $0.name.lowercased() == "accept" }.count == 1)
            #expect(sent.header("X-Token") == "t")
            #expect(sent.header("Authorization") == "Basic " + Data("ann:s3cret".utf8).base64EncodedString())
        }
    }

    @Test("an explicit proxy carries the request")
    func explicitProxy() async throws {
        try await withServerAndFetcher { proxy, proxyURL, fetcher in
            await proxy.route("/feed.xml", .text("<rss/>"))
            let url = "http://feedd-proxy-test.invalid/feed.xml"
            let content = try #require(await fetcher.fetch(FetchRequest(url: url, proxy: proxyURL)).content)

            #expect(content.finalURL == url)
            #expect(await proxy.requests(for: "/feed.xml").first?.header("Host") == "feedd-proxy-test.invalid")
        }
    }

    @Test("a credential never shows its password")
    func credentialIsRedacted() {
        let credential = Credential(username: "ann", password: "s3cret")
        var dumped = ""
        dump(FetchRequest(url: "https://example.org/", credential: credential), to: &dumped)

        #expect(!"\(credential)".contains("s3cret"))
        #expect(!String(reflecting: credential).contains("s3cret"))
        #expect(!dumped.contains("s3cret"))
        #expect(dumped.contains("ann"))
    }

    @Test("a file URL is read, and a missing file fails naming the URL")
    func fileURL() async throws {
        try await withTemporaryDirectory { directory in
            try await withFetcher { fetcher in
                let content = "<rss version=\"2.0\"><channel/></rss>\n"
                let file = try directory.write(content, to: "feed.xml")
                let url = "file://\(file.path)"
                let fetched = try #require(await fetcher.fetch(url).content)

                #expect(fetched.body == Array(content.utf8))
                #expect(fetched.httpStatus == nil)
                #expect(fetched.finalURL == url)
                #expect(fetched.validators.isEmpty)

                let missing = "file://\(directory.path)/absent.xml"
                let failure = try #require(await fetcher.fetch(missing).failure)
                guard case .other(missing, _) = failure else {
                    Issue.record("expected .other, got \(failure)")
                    return
                }
            }
        }
    }

    @Test("schemes other than http, https and file are refused")
    func otherSchemeRefused() async throws {
        try await withFetcher { fetcher in
            let failure = await fetcher.fetch("ftp://127.0.0.1/feed.xml").failure

            #expect(
                failure?.description
                    == "ftp://127.0.0.1/feed.xml: URL scheme \"ftp\" not allowed (use http, https or file)")
        }
    }
}
