import Config
import Daemon
import FeedModel
import Hooks
import Platform
import Store
import TestSupport
import Testing

/// The schedule follows what the parsed document says about when the feed changes (`UpdateHints`),
/// through the daemon with a real server and store.
@Suite("Update hints in the pipeline")
struct UpdateHintsPipelineTests {
    /// Polls a feed whose channel holds `hints` once; returns the seconds from the poll to its next one, as
    /// bounds: the poll happened somewhere between two readings of the clock.
    private func nextPollDelay(channel hints: String, namespaces: String = "") async throws -> ClosedRange<Int64> {
        try await withTemporaryDirectory { directory in
            try await HTTPTestServer.withRunning { server, base in
                let rss = """
                    <?xml version="1.0"?><rss version="2.0" \(namespaces)><channel><title>f</title>\(hints)
                    <item><guid>a</guid><title>A</title><ttl>5</ttl></item></channel></rss>
                    """
                await server.route("/hints.xml") { _ in
                    ScriptedResponse(
                        status: 200, headers: ["Content-Type": "application/rss+xml"], body: Array(rss.utf8))
                }
                let settings = try testSettings(
                    directory: directory, feeds: [TestFeed(name: "hints", url: base + "/hints.xml")])
                let daemon = try await Daemon(settings: settings, logger: quietLogger)
                let before = SystemClock().now().secondsSince1970
                let summary = await daemon.pollOnce()
                let after = SystemClock().now().secondsSince1970
                #expect(summary.polled == 1 && summary.failed == 0)
                let state = try #require(try daemon.files.fetchState(feed: "hints"))
                let due = try #require(state.nextDue).secondsSince1970
                try await daemon.close()
                return (due - after)...(due - before)
            }
        }
    }

    @Test("the syndication module under a prefix other than sy: sets the next poll (daily, twice a day: 12 h)")
    func syndicationUnderAnotherPrefix() async throws {
        let delay = try await nextPollDelay(
            channel: "<s:updatePeriod>daily</s:updatePeriod><s:updateFrequency>2</s:updateFrequency>",
            namespaces: #"xmlns:s="http://purl.org/rss/1.0/modules/syndication/""#)
        // The default interval is 30 minutes; the hint asks for 12 hours. Generous slack for a loaded machine.
        #expect(delay.lowerBound - 60 <= 43_200 && 43_200 <= delay.upperBound + 60, "\(delay)")
    }

    @Test("RSS ttl in the channel sets the next poll; an item's ttl does not")
    func rssTTL() async throws {
        let delay = try await nextPollDelay(channel: "<ttl>90</ttl>")
        #expect(delay.lowerBound - 60 <= 5_400 && 5_400 <= delay.upperBound + 60, "\(delay)")
        let plain = try await nextPollDelay(channel: "")
        #expect(plain.lowerBound - 60 <= 1_800 && 1_800 <= plain.upperBound + 60, "\(plain)")
    }
}
