import CoreMetrics
import Prometheus

/// A swift-metrics factory over one daemon's own Prometheus registry, which knows feedd's metrics: each
/// label (metric name) has its help text and, for a histogram, its buckets. `PrometheusMetricsFactory`
/// registers every metric without help text, and the registry refuses two help texts for one name, so the
/// help text has to come from one place: here.
///
/// A label that is not in the catalogue is still served (without help, default buckets), so that a new
/// metric is never lost for want of an entry.
struct MetricsCatalogue: MetricsFactory {
    struct Entry: Sendable {
        var help: String
        var buckets: [Duration] = []
    }

    let registry: PrometheusCollectorRegistry
    let entries: [String: Entry]
    private let fallback: PrometheusMetricsFactory

    init(registry: PrometheusCollectorRegistry, entries: [String: Entry]) {
        self.registry = registry
        self.entries = entries
        fallback = PrometheusMetricsFactory(registry: registry)
    }

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: entries[label]?.help ?? "")
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        return fallback.makeRecorder(label: label, dimensions: dimensions, aggregate: true)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let buckets = entries[label]?.buckets ?? []
        guard !buckets.isEmpty else { return fallback.makeTimer(label: label, dimensions: dimensions) }
        return registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets)
    }

    func destroyCounter(_ handler: any CounterHandler) { fallback.destroyCounter(handler) }
    func destroyMeter(_ handler: any MeterHandler) { fallback.destroyMeter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        fallback.destroyFloatingPointCounter(handler)
    }
    func destroyRecorder(_ handler: any RecorderHandler) { fallback.destroyRecorder(handler) }
    func destroyTimer(_ handler: any TimerHandler) { fallback.destroyTimer(handler) }
}
