import Fetcher
import TestSupport
import Testing

@Suite("HTTPFetcher: politeness, cancellation and shutdown")
struct HTTPFetcherPolitenessTests {
    @Test("500 concurrent requests to one host all succeed, never more than 2 at once")
    func perHostLimit() async throws {
        try await withServerAndFetcher(HTTPFetcher.Configuration(maxTransfers: 64, maxTransfersPerHost: 2)) {
            server, baseURL, fetcher in
            // No body: FlyingFox writes a body apart from the headers, and Nagle's algorithm with
            // delayed ACKs would hold each response back 40 ms. A short delay lets requests overlap.
            await server.route("/feed", ScriptedResponse(delay: .milliseconds(2)))
            let successes = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<500 {
                    group.addTask { await fetcher.fetch("\(baseURL)/feed").content != nil }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }

            #expect(successes == 500)
            #expect(await server.hits("/feed") == 500)
            let maximum = await server.maxConcurrent("/feed")
            #expect(maximum <= 2)
            #expect(maximum == 2, "the limit is used, not just respected")
        }
    }

    @Test("the global limit holds across hosts")
    func globalLimit() async throws {
        let probe = ConcurrencyProbe()
        let servers = [HTTPTestServer(probe: probe), HTTPTestServer(probe: probe), HTTPTestServer(probe: probe)]
        var baseURLs: [String] = []
        for server in servers {
            await server.route("/feed", ScriptedResponse(delay: .milliseconds(5)))
            baseURLs.append(try await server.start())
        }
        let urls = baseURLs
        let successes = try await withFetcher(HTTPFetcher.Configuration(maxTransfers: 3, maxTransfersPerHost: 2)) {
            fetcher in
            await withTaskGroup(of: Bool.self) { group in
                for index in 0..<90 {
                    group.addTask { await fetcher.fetch("\(urls[index % 3])/feed").content != nil }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
        }
        for server in servers {
            #expect(await server.maxConcurrent("/feed") <= 2)
            await server.stop()
        }
        #expect(successes == 90)
        #expect(probe.maximum <= 3)
    }

    @Test("cancelling the task ends its fetch with cancelled and frees the host's slot")
    func cancellation() async throws {
        try await withServerAndFetcher(HTTPFetcher.Configuration(maxTransfersPerHost: 1)) { server, baseURL, fetcher in
            await server.route("/hang", ScriptedResponse(body: [0x3C], delay: .seconds(60)))
            await server.route("/quick", .text("<rss/>"))
            let url = "\(baseURL)/hang"
            let task = Task { await fetcher.fetch(url) }
            while await server.hits("/hang") == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            task.cancel()

            #expect(await task.value.failure == .cancelled(url: url))
            // With one transfer per host, this runs only if the cancelled one left the network.
            #expect(await fetcher.fetch("\(baseURL)/quick").content != nil)
        }
    }

    @Test("a task cancelled before fetching gets cancelled without a request")
    func cancelledBeforehand() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            let url = "\(baseURL)/never"
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return await fetcher.fetch(url)
            }

            #expect(await task.value.failure == .cancelled(url: url))
            #expect(await server.hits("/never") == 0)
        }
    }

    @Test("shutdown ends pending fetches with cancelled, and later fetches too")
    func shutdown() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/hang", ScriptedResponse(body: [0x3C], delay: .seconds(60)))
            let fetcher = try HTTPFetcher()
            let url = "\(baseURL)/hang"
            let task = Task { await fetcher.fetch(url) }
            while await server.hits("/hang") == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            fetcher.shutdown()

            #expect(await task.value.failure == .cancelled(url: url))
            #expect(await fetcher.fetch(url).failure == .cancelled(url: url))
        }
    }
}
