import FeedModel
import Foundation
import TestSupport
import Testing

@testable import Fetcher

/// The pure rules of host pauses, at fixed times: nothing waits.
@Suite("Host pauses: the rules")
struct HostPauseRuleTests {
    static let now = Timestamp(secondsSince1970: 1_800_000_000)
    let policy = HostPausePolicy(withoutRetryAfter: .seconds(60), longest: .seconds(3600))

    @Test("429 pauses with or without Retry-After, 503 only with it, other statuses never; capped at longest")
    func whichResponsesPause() {
        #expect(policy.pause(status: 429, retryAfter: .seconds(20), now: Self.now) == .seconds(20))
        #expect(policy.pause(status: 429, retryAfter: nil, now: Self.now) == .seconds(60))
        #expect(policy.pause(status: 503, retryAfter: .seconds(90), now: Self.now) == .seconds(90))
        #expect(policy.pause(status: 503, retryAfter: nil, now: Self.now) == nil)
        #expect(policy.pause(status: 500, retryAfter: .seconds(90), now: Self.now) == nil)
        #expect(policy.pause(status: 200, retryAfter: .seconds(90), now: Self.now) == nil)
        #expect(policy.pause(status: 429, retryAfter: .seconds(86_400 * 30), now: Self.now) == .seconds(3600))
        #expect(policy.pause(status: 503, retryAfter: .seconds(0), now: Self.now) == nil)
    }

    @Test("a Retry-After date counts from now; one in the past pauses nothing")
    func retryAfterDate() {
        let later = Timestamp(secondsSince1970: Self.now.secondsSince1970 + 300)
        #expect(policy.pause(status: 503, retryAfter: .date(later), now: Self.now) == .seconds(300))
        let earlier = Timestamp(secondsSince1970: Self.now.secondsSince1970 - 5)
        #expect(policy.pause(status: 503, retryAfter: .date(earlier), now: Self.now) == nil)
    }

    @Test("the end of a pause is rounded up to a whole second, never down")
    func roundsUp() {
        #expect(WallTime(seconds: 100, nanoseconds: 0).roundedUp(adding: .seconds(20)).secondsSince1970 == 120)
        #expect(WallTime(seconds: 100, nanoseconds: 1).roundedUp(adding: .seconds(20)).secondsSince1970 == 121)
        #expect(
            WallTime(seconds: 100, nanoseconds: 500_000_000).roundedUp(adding: .milliseconds(600)).secondsSince1970
                == 102)
        #expect(
            WallTime(seconds: 100, nanoseconds: 250_000_000).duration(until: Timestamp(secondsSince1970: 120))
                == .milliseconds(19_750))
    }

    @Test("a pause runs from the answer's arrival until its end; a shorter one later keeps the longer")
    func table() {
        let origin = ContinuousClock.now
        var table = HostPauseTable()
        let wall = WallTime(seconds: 1000, nanoseconds: 500_000_000)
        let pause = table.begin(
            host: "a:443", status: 429, duration: .seconds(20), arrival: origin, wallNow: wall)
        #expect(
            pause
                == HostPause(
                    host: "a:443", httpStatus: 429, since: .init(secondsSince1970: 1000),
                    until: .init(secondsSince1970: 1021)))
        // The monotonic end is where the wall clock reaches `until`: 20.5 s after the answer.
        #expect(table.pause(of: "a:443", at: origin + .milliseconds(20_499)) == pause)
        #expect(table.pause(of: "a:443", at: origin + .milliseconds(20_500)) == nil)
        #expect(table.pause(of: "b:443", at: origin) == nil)

        var longer = HostPauseTable()
        let first = longer.begin(host: "a:443", status: 429, duration: .seconds(60), arrival: origin, wallNow: wall)
        let shorter = longer.begin(
            host: "a:443", status: 503, duration: .seconds(5), arrival: origin + .seconds(1),
            wallNow: WallTime(seconds: 1001, nanoseconds: 500_000_000))
        #expect(shorter == first)
        let extended = longer.begin(
            host: "a:443", status: 503, duration: .seconds(120), arrival: origin + .seconds(2),
            wallNow: WallTime(seconds: 1002, nanoseconds: 500_000_000))
        #expect(extended.until.secondsSince1970 == 1123)
        #expect(longer.pause(of: "a:443", at: origin + .seconds(100)) == extended)
    }

    @Test("a stored pause is restored only while it lies ahead")
    func restore() {
        let origin = ContinuousClock.now
        var table = HostPauseTable()
        let wall = WallTime(seconds: 2000, nanoseconds: 0)
        let ahead = HostPause(
            host: "a:80", httpStatus: 429, since: .init(secondsSince1970: 1990), until: .init(secondsSince1970: 2030))
        let over = HostPause(
            host: "b:80", httpStatus: 429, since: .init(secondsSince1970: 1900), until: .init(secondsSince1970: 1990))
        table.restore(ahead, now: origin, wallNow: wall)
        table.restore(over, now: origin, wallNow: wall)
        #expect(table.pause(of: "a:80", at: origin + .seconds(29)) == ahead)
        #expect(table.pause(of: "a:80", at: origin + .seconds(30)) == nil)
        #expect(table.pause(of: "b:80", at: origin) == nil)
    }
}

/// Host pauses against a real server: what reaches it, and when.
@Suite("Host pauses: the fetcher", .serialized)
struct HTTPFetcherHostPauseTests {
    /// Fetches `url` every 100 ms until something other than `.hostPaused` comes back (at most `timeout`).
    private func fetchAfterPause(
        _ fetcher: HTTPFetcher, _ url: String, timeout: Duration = .seconds(30)
    ) async throws -> (result: FetchResult, refused: Int) {
        let deadline = ContinuousClock.now + timeout
        var refused = 0
        while true {
            let result = await fetcher.fetch(url)
            guard case .failure(.hostPaused) = result, ContinuousClock.now < deadline else {
                return (result, refused)
            }
            refused += 1
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test("per_host 1: a 429 hands the queued requests back, and none reaches the host until the pause has passed")
    func queuedRequestsWait() async throws {
        try await withServerAndFetcher(HTTPFetcher.Configuration(maxTransfersPerHost: 1)) {
            server, baseURL, fetcher in
            // The 429 takes a while to come: a pause counted from the request would end a second early.
            await server.route(
                "/busy", ScriptedResponse(status: 429, headers: ["Retry-After": "3"], delay: .milliseconds(1500)))
            for index in 0..<5 { await server.route("/feed\(index)", .text("<rss/>")) }
            await server.route("/later", .text("<rss/>"))
            let busy = Task { await fetcher.fetch("\(baseURL)/busy") }
            while await server.hits("/busy") == 0 { try await Task.sleep(for: .milliseconds(10)) }
            // Five more for the same host, queued behind the one in flight (per_host = 1).
            let queued = (0..<5).map { index in Task { await fetcher.fetch("\(baseURL)/feed\(index)") } }

            let answer = await busy.value
            guard case .failure(.httpStatus(_, 429, .seconds(3), let pause?)) = answer else {
                Issue.record("expected a 429 with a pause, got \(answer)")
                return
            }
            for task in queued {
                let result = await task.value
                guard case .failure(.hostPaused(_, let handedBack)) = result else {
                    Issue.record("a queued request was not handed back: \(result)")
                    continue
                }
                #expect(handedBack == pause)
            }
            let (later, refused) = try await fetchAfterPause(fetcher, "\(baseURL)/later")
            #expect(later.content != nil, "\(later)")
            #expect(refused > 0, "requests during the pause were refused without reaching the host")

            let requests = await server.requests
            #expect(requests.map(\.path) == ["/busy", "/later"], "nothing queued went out")
            let answered = try #require(requests[0].answered)
            // Counted from the answer, not from the request: at least the 3 s asked for.
            #expect(requests[1].arrived - answered >= .seconds(3), "\(requests[1].arrived - answered)")
            #expect(requests[1].arrivedAt >= Double(pause.until.secondsSince1970))
        }
    }

    @Test("a 503 with an HTTP-date Retry-After pauses the host until that date")
    func httpDate() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            let target = Int64(Date().timeIntervalSince1970) + 3
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            let date = formatter.string(from: Date(timeIntervalSince1970: Double(target)))
            await server.route("/down", ScriptedResponse(status: 503, headers: ["Retry-After": date]))
            await server.route("/up", .text("<rss/>"))

            let answer = await fetcher.fetch("\(baseURL)/down")
            guard case .failure(.httpStatus(_, 503, _, let pause?)) = answer else {
                Issue.record("expected a 503 with a pause, got \(answer)")
                return
            }
            #expect(pause.until.secondsSince1970 >= target)
            #expect(pause.until.secondsSince1970 <= target + 2)
            let (up, _) = try await fetchAfterPause(fetcher, "\(baseURL)/up")
            #expect(up.content != nil, "\(up)")
            let first = try #require(await server.requests(for: "/up").first)
            #expect(first.arrivedAt >= Double(target), "no request before the date")
        }
    }

    @Test("another host is served at once during a pause, and a request in flight to the paused host finishes")
    func otherHostsGoOn() async throws {
        try await HTTPTestServer.withRunning { calm, calmURL in
            try await withServerAndFetcher(HTTPFetcher.Configuration(maxTransfersPerHost: 2)) {
                server, baseURL, fetcher in
                await server.route("/busy", ScriptedResponse(status: 429, headers: ["Retry-After": "20"]))
                await server.route("/slow", ScriptedResponse(body: Array("<rss/>".utf8), delay: .seconds(1)))
                await calm.route("/feed", .text("<rss/>"))
                let slow = Task { await fetcher.fetch("\(baseURL)/slow") }
                while await server.hits("/slow") == 0 { try await Task.sleep(for: .milliseconds(10)) }
                let answer = await fetcher.fetch("\(baseURL)/busy")
                guard case .failure(.httpStatus(_, 429, _, let pause?)) = answer else {
                    Issue.record("expected a 429 with a pause, got \(answer)")
                    return
                }
                // The other host (another port) is asked as often as we like while the first is paused: five
                // fetches, each answered, all well within the pause.
                for _ in 0..<5 {
                    let result = await fetcher.fetch("\(calmURL)/feed")
                    #expect(result.content != nil, "\(result)")
                }
                #expect(await calm.hits("/feed") == 5)
                let calmLast = try #require(await calm.requests.last?.arrivedAt)
                #expect(calmLast < Double(pause.until.secondsSince1970), "answered during the pause")
                #expect(await server.hits("/busy") == 1)
                #expect(await slow.value.content != nil, "the request in flight when the 429 came finished")
            }
        }
    }

    @Test("a redirect to a paused host is not followed during the pause")
    func redirectToPausedHost() async throws {
        try await HTTPTestServer.withRunning { other, otherURL in
            try await withServerAndFetcher { server, baseURL, fetcher in
                await server.route("/busy", ScriptedResponse(status: 429, headers: ["Retry-After": "60"]))
                await other.route("/moved", .redirect(to: "\(baseURL)/feed"))
                _ = await fetcher.fetch("\(baseURL)/busy")
                let result = await fetcher.fetch("\(otherURL)/moved")
                guard case .failure(.hostPaused(let url, let pause)) = result else {
                    Issue.record("expected hostPaused, got \(result)")
                    return
                }
                #expect(url == "\(otherURL)/moved")
                #expect(pause.host == String(baseURL.dropFirst("http://".count)))
                #expect(await server.hits("/feed") == 0)
                #expect(result.failure?.description.contains("is paused until") == true)
            }
        }
    }

    @Test("a pause handed to the fetcher (from before a restart) holds until its end")
    func restoredPause() async throws {
        try await withServerAndFetcher { server, baseURL, fetcher in
            await server.route("/feed", .text("<rss/>"))
            let host = try #require(HTTPFetcher.hostKey(of: baseURL + "/feed"))
            let now = Int64(Date().timeIntervalSince1970)
            fetcher.pause(
                HostPause(
                    host: host, httpStatus: 429, since: Timestamp(secondsSince1970: now - 10),
                    until: Timestamp(secondsSince1970: now + 2)))
            let (result, refused) = try await fetchAfterPause(fetcher, "\(baseURL)/feed")
            #expect(refused > 0)
            #expect(result.content != nil)
            #expect(try #require(await server.requests.first).arrivedAt >= Double(now + 2))
        }
    }
}
