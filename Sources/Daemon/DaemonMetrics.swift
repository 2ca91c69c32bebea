import CoreMetrics
import FeedModel
import Fetcher
import Foundation
import Hooks
import Platform
import Prometheus
import Store

/// What `/metrics` shows: swift-metrics counters, timers and gauges in a Prometheus registry that belongs
/// to this daemon (not the process-wide `MetricsSystem`, so that two daemons in one test process never
/// share counts). The parts of the daemon report each event with one call; gauges of the store and the
/// process are read when scraped. docs/daemon.md lists every metric.
final class DaemonMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: MetricsCatalogue

    init() {
        factory = MetricsCatalogue(registry: registry, entries: Self.catalogue)
        // The series every dashboard graphs exist from the start, at zero (a rate needs a first sample).
        for result in ["200", "304"] { counter("feedd_polls_total", ["result": result]).increment(by: 0) }
        for name in ["feedd_items_new_total", "feedd_items_updated_total", "feedd_fetched_bytes_total"] {
            counter(name).increment(by: 0)
        }
    }

    // MARK: Events

    /// A fetch answered after `duration`: its time, the bytes of a body, and the poll's result when it is
    /// already known (304, a failure). A document's result waits for `parsed` and `committed`.
    func fetched(_ result: FetchResult, duration: Duration) {
        switch result {
        case .failure(.hostPaused), .failure(.cancelled):
            return  // no request was made, or its answer was not waited for
        case .content(let content):
            counter("feedd_fetched_bytes_total").increment(by: Int64(content.body.count))
        case .notModified:
            poll("304")
        case .failure(let error):
            poll(Self.kind(of: error))
        }
        timer("feedd_fetch_duration_seconds").recordNanoseconds(Self.nanoseconds(duration))
    }

    /// A document was parsed (or failed to) in `duration`.
    func parsed(duration: Duration, failed: Bool) {
        timer("feedd_parse_duration_seconds").recordNanoseconds(Self.nanoseconds(duration))
        if failed { poll("parse") }
    }

    /// A document's items were committed (nil: the store write failed).
    func committed(new: Int?, updated: Int = 0) {
        guard let new else {
            poll("store")
            return
        }
        poll("200")
        counter("feedd_items_new_total").increment(by: Int64(new))
        counter("feedd_items_updated_total").increment(by: Int64(updated))
    }

    /// What became of deliveries of `hook` (`delivered`, `retry` or `dead`), each first seen at its
    /// `created` time: counted by result, and for delivered ones their latency from first seen.
    func deliveries(hook: String, result: String, created: [Timestamp], now: Timestamp) {
        if result == "delivered" {
            let latency = timer("feedd_delivery_latency_seconds", ["hook": hook])
            for time in created {
                latency.recordSeconds(max(now.secondsSince1970 - time.secondsSince1970, 0))
            }
        }
        counter("feedd_deliveries_total", ["hook": hook, "result": result]).increment(by: Int64(created.count))
    }

    /// The word for a failed fetch in `feedd_polls_total{result=…}`.
    static func kind(of error: FetchError) -> String {
        switch error {
        case .dns: "dns"
        case .connect: "connect"
        case .tls: "tls"
        case .timeout: "timeout"
        case .tooLarge: "too_large"
        case .tooManyRedirects, .redirectLoop, .forbiddenRedirect: "redirect"
        case .httpStatus(_, let code, _, _): "http_\(code)"
        case .hostPaused: "host_paused"
        case .cancelled: "cancelled"
        case .other: "other"
        }
    }

    // MARK: Scrape

    /// The Prometheus text: the gauges brought up to date (from the status board, the store and the
    /// process), then every metric of the registry. `feedd_store_bytes` only for the file store (a
    /// database's size is the database's to report).
    func exposition(runtime: Runtime, startedAt: Timestamp) async throws(StoreError) -> [UInt8] {
        let counts = runtime.status.snapshot
        let deliveries = try await runtime.store.deliveryCounts()
        gauge("feedd_feeds").record(counts.feeds)
        gauge("feedd_feeds_failing").record(counts.failingFeeds.count)
        for (status, name) in [(Delivery.Status.pending, "pending"), (.held, "held"), (.dead, "dead")] {
            gauge("feedd_outbox_deliveries", ["status": name]).record(deliveries[status] ?? 0)
        }
        gauge("feedd_items_stored").record(try await runtime.store.itemCount())
        if let files = runtime.fileStore { gauge("feedd_store_bytes").record(Self.bytes(under: files.directory)) }
        if let resident = Self.residentBytes() { gauge("process_resident_memory_bytes").record(resident) }
        gauge("feedd_start_time_seconds").record(startedAt.secondsSince1970)
        return registry.emitToBuffer()
    }

    /// The registry's text as it stands (the gauges as last scraped).
    var text: String { registry.emitToString() }

    /// The bytes of the files under `directory` (the store: journals, snapshots, bodies).
    static func bytes(under directory: String) -> Int {
        guard let files = FileManager.default.enumerator(atPath: directory) else { return 0 }
        var total = 0
        while let name = files.nextObject() as? String {
            if files.fileAttributes?[.type] as? FileAttributeType == .typeRegular {
                total += (files.fileAttributes?[.size] as? NSNumber)?.intValue ?? 0
            }
            _ = name
        }
        return total
    }

    /// The process's resident set (`VmRSS` of `/proc/self/status`); nil where there is none.
    static func residentBytes() -> Int? {
        guard let bytes = try? FileSystem.read("/proc/self/status", limit: 64 * 1024) else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = Int(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }

    // MARK: Metrics of the catalogue

    private func counter(_ label: String, _ dimensions: KeyValuePairs<String, String> = [:]) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: label, dimensions: dimensions.map { ($0.key, $0.value) }, factory: factory)
    }

    private func timer(_ label: String, _ dimensions: KeyValuePairs<String, String> = [:]) -> CoreMetrics.Timer {
        CoreMetrics.Timer(label: label, dimensions: dimensions.map { ($0.key, $0.value) }, factory: factory)
    }

    private func gauge(_ label: String, _ dimensions: KeyValuePairs<String, String> = [:]) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: label, dimensions: dimensions.map { ($0.key, $0.value) }, factory: factory)
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue + attoseconds / 1_000_000_000
    }

    private func poll(_ result: String) {
        counter("feedd_polls_total", ["result": result]).increment()
    }

    private static let seconds: [Duration] = [
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    /// Every metric feedd serves, with its help text (and buckets); docs/daemon.md lists them too.
    static let catalogue: [String: MetricsCatalogue.Entry] = [
        "feedd_polls_total": .init(
            help: "Polls by result: 200 (a document stored), 304, or the failure: dns, connect, tls, timeout, "
                + "too_large, redirect, http_NNN, parse, store, other."),
        "feedd_fetched_bytes_total": .init(help: "Bytes of feed documents fetched (decoded bodies)."),
        "feedd_items_new_total": .init(help: "New items stored since start."),
        "feedd_items_updated_total": .init(help: "Stored items whose content changed, since start."),
        "feedd_deliveries_total": .init(
            help: "Hook delivery attempts by hook and result: delivered, retry (failed, tried again later) or "
                + "dead (given up); a batch counts its items."),
        "feedd_fetch_duration_seconds": .init(
            help: "Time from asking for a feed to its answer (a wait for the host's slot included).",
            buckets: seconds),
        "feedd_parse_duration_seconds": .init(
            help: "Time to parse a fetched document.",
            buckets: [
                .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
            ]),
        "feedd_delivery_latency_seconds": .init(
            help: "Time from an item's first sight (its commit) to its delivery, by hook.",
            buckets: [
                .seconds(1), .seconds(5), .seconds(15), .seconds(60), .seconds(300), .seconds(900), .seconds(3600),
                .seconds(6 * 3600), .seconds(24 * 3600),
            ]),
        "feedd_feeds": .init(help: "Feeds configured."),
        "feedd_feeds_failing": .init(help: "Feeds whose last poll failed."),
        "feedd_outbox_deliveries": .init(
            help: "Deliveries in the outbox by status: pending (the outbox depth), held (flood guard), dead."),
        "feedd_items_stored": .init(help: "Items kept in the store."),
        "feedd_store_bytes": .init(help: "Bytes of the files of the state directory (the file store only)."),
        "process_resident_memory_bytes": .init(help: "Resident memory of the feedd process."),
        "feedd_start_time_seconds": .init(help: "When the daemon started, in seconds since 1970."),
    ]
}
