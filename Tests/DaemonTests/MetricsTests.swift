import Config
import Foundation
import TestSupport
import Testing

@testable import Daemon

extension ProcessTests {
    /// `/metrics` of a running `DaemonChild` after polls whose outcome the test knows.
    @Suite("Metrics")
    struct MetricsTests {
        /// The samples of a Prometheus text exposition: `name{labels}` → value.
        static func samples(_ text: String) -> [String: Double] {
            var samples: [String: Double] = [:]
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                    continue
                }
                samples[String(line[..<space])] = value
            }
            return samples
        }

        @Test("after a document, a 304 and a 404: polls by result, items, bytes, durations, deliveries and gauges")
        func knownPolls() async throws {
            try await withTemporaryDirectory { directory in
                try await HTTPTestServer.withRunning { server, base in
                    let feeds = FeedServer()
                    feeds.set("/a.xml", items: [1, 2, 3])
                    await feeds.route(["/a.xml"], on: server)
                    let (child, port) = try await APITests.start(
                        in: directory, feeds: "a=\(base)/a.xml\nbroken=\(base)/missing.xml\n", withToken: true)
                    defer { child.end() }
                    #expect(await eventually { JSONLines(path: directory.path + "/log.jsonl").titles.count == 3 })
                    #expect(await eventually { await server.hits("/missing.xml") == 1 })
                    let again = try await HTTPAnswer.send(
                        "POST", "/api/feeds/a/poll", token: APITests.token, port: port)
                    #expect(again.json["result"] as? String == "not_modified", "\(again)")

                    // The hook wrote its lines a moment before the attempt is counted.
                    let delivered = #"feedd_deliveries_total{hook="log",result="delivered"}"#
                    #expect(
                        await eventually {
                            let text = (try? await HTTPAnswer.send("GET", "/metrics", port: port).body) ?? ""
                            return Self.samples(text)[delivered] == 3
                        })
                    let answer = try await HTTPAnswer.send("GET", "/metrics", port: port)
                    #expect(answer.status == 200)
                    #expect(answer.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
                    let text = answer.body
                    let values = Self.samples(text)
                    func value(_ series: String) -> Double? { values[series] }
                    #expect(value(#"feedd_polls_total{result="200"}"#) == 1, "\(text)")
                    #expect(value(#"feedd_polls_total{result="304"}"#) == 1)
                    #expect(value(#"feedd_polls_total{result="http_404"}"#) == 1)
                    #expect(value("feedd_items_new_total") == 3)
                    #expect(value("feedd_items_updated_total") == 0)
                    let document = FeedServer.rss(path: "/a.xml", items: [1, 2, 3])
                    #expect(value("feedd_fetched_bytes_total") == Double(document.utf8.count))
                    #expect(value("feedd_fetch_duration_seconds_count") == 3)
                    #expect(value(#"feedd_fetch_duration_seconds_bucket{le="+Inf"}"#) == 3)
                    #expect(value("feedd_parse_duration_seconds_count") == 1)
                    #expect(value(delivered) == 3)
                    #expect(value(#"feedd_delivery_latency_seconds_count{hook="log"}"#) == 3)
                    #expect(value("feedd_feeds") == 2)
                    #expect(value("feedd_feeds_failing") == 1)
                    #expect(value("feedd_items_stored") == 3)
                    #expect(value(#"feedd_outbox_deliveries{status="pending"}"#) == 0)
                    #expect(value(#"feedd_outbox_deliveries{status="dead"}"#) == 0)
                    #expect((value("feedd_store_bytes") ?? 0) > 0)
                    #expect((value("process_resident_memory_bytes") ?? 0) > 1_000_000)
                    #expect((value("feedd_start_time_seconds") ?? 0) > 1_700_000_000)
                    for (name, type) in [
                        ("feedd_polls_total", "counter"), ("feedd_fetch_duration_seconds", "histogram"),
                        ("feedd_delivery_latency_seconds", "histogram"), ("feedd_outbox_deliveries", "gauge"),
                    ] {
                        #expect(text.contains("# TYPE \(name) \(type)\n"), "\(name)")
                        #expect(text.contains("# HELP \(name) "), "\(name)")
                    }
                    child.signal(SIGTERM)
                    #expect(await child.exitStatus() == 0, "\(child.stderr)")
                }
            }
        }
    }
}

/// Two daemons in one process keep their own counts: each has its own registry.
@Suite("Metrics of one daemon")
struct DaemonMetricsTests {
    @Test("two daemons in one process count only their own polls, items and deliveries")
    func registryPerDaemon() async throws {
        try await withTemporaryDirectory { one in
            try await withTemporaryDirectory { two in
                try await HTTPTestServer.withRunning { server, base in
                    let feeds = FeedServer()
                    feeds.set("/a.xml", items: [1, 2])
                    feeds.set("/b.xml", items: [1, 2, 3, 4, 5])
                    await feeds.route(["/a.xml", "/b.xml"], on: server)
                    let first = try await Daemon(
                        settings: testSettings(
                            directory: one, feeds: [TestFeed(name: "a", url: base + "/a.xml")], notifyExisting: .all
                        ),
                        logger: quietLogger)
                    let second = try await Daemon(
                        settings: testSettings(
                            directory: two, feeds: [TestFeed(name: "b", url: base + "/b.xml")], notifyExisting: .all
                        ),
                        logger: quietLogger)
                    _ = await first.pollOnce()
                    _ = await second.pollOnce()
                    _ = await second.pollOnce()
                    func samples(_ daemon: Daemon) -> [String: Double] {
                        ProcessTests.MetricsTests.samples(daemon.runtime.metrics.text)
                    }
                    let a = samples(first)
                    let b = samples(second)
                    #expect(a["feedd_items_new_total"] == 2)
                    #expect(b["feedd_items_new_total"] == 5)
                    #expect(a[#"feedd_polls_total{result="304"}"#] == 0)
                    #expect(b[#"feedd_polls_total{result="304"}"#] == 1)
                    #expect(a[#"feedd_deliveries_total{hook="log",result="delivered"}"#] == 2)
                    #expect(b[#"feedd_deliveries_total{hook="log",result="delivered"}"#] == 5)
                    try await first.close()
                    try await second.close()
                }
            }
        }
    }
}
