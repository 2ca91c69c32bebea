import Config
import FeedModel
import FlyingFox
import Hooks
import Logging
import Store

/// The listener's write API (`POST /api/…`, only with the token: `ListenerAuth`): what `feedd poll`,
/// `feedd deliveries retry` and `feedd held release|drop` do, done by the running daemon itself (those
/// commands cannot open the store while it runs). Every answer is a JSON object.
struct WriteAPI: Sendable {
    let runtime: Runtime

    /// `POST /api/feeds/NAME/poll`: the poll loop polls the feed now (within `concurrency` and host pauses)
    /// and the answer says how it went. A poll that takes longer than two thirds of the listener's response
    /// timeout is answered `202` (it goes on, and the log and `/feeds` tell how it ended).
    func pollFeed(_ name: String) async -> HTTPResponse {
        guard runtime.settings.feeds[name] != nil else {
            return notFound("feed", name, known: runtime.settings.settings.feeds.map(\.name))
        }
        let wait = max(runtime.settings.settings.listenerLimits.responseTimeout / 3 * 2, .seconds(1))
        guard !runtime.isStopping else { return StatusServer.json(.serviceUnavailable, error: "feedd is stopping") }
        let report = await runtime.pollRequests.poll(name, timeout: wait, wake: runtime.control)
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("feed")
        writer.string(name)
        guard let report else {
            writer.key("result")
            writer.string(runtime.isStopping ? "stopping" : "queued")
            writer.endObject()
            return StatusServer.json(runtime.isStopping ? .serviceUnavailable : .accepted, writer.bytes)
        }
        writer.key("result")
        switch report.kind {
        case .content(let new, let stored):
            writer.string("content")
            writer.key("new_items")
            writer.integer(Int64(new))
            writer.key("held_items")
            writer.integer(Int64(stored - new))
        case .notModified:
            writer.string("not_modified")
        case .failed(let message):
            writer.string("failed")
            writer.key("error")
            writer.string(URLCredentials.masking(in: message))
        case .deferred(let until):
            writer.string("deferred")
            writer.key("host_paused_until")
            writer.string(until.rfc3339)
        case .cancelled:
            writer.string("stopping")
        case .elsewhere(let owner):
            // On a shared store another instance polled the feed just now (or holds it): its result stands.
            writer.string("elsewhere")
            writer.key("instance")
            writer.string(owner)
        case .storeUnavailable:
            writer.string("store_unavailable")
        }
        writer.key("next_due")
        writer.string(report.nextDue.rfc3339)
        writer.endObject()
        return StatusServer.json(.ok, writer.bytes)
    }

    /// `POST /api/deliveries/retry[?hook=NAME]`: dead deliveries (of one hook) queued again, attempts reset.
    func retryDeliveries(hook: String?) async throws(StoreError) -> HTTPResponse {
        let store = runtime.store
        if let hook, runtime.settings.hooks[hook] == nil {
            let stored =
                try await store.pendingDeliveries(dueBy: nil, limit: .max).map(\.hook)
                + store.deadDeliveries(limit: .max).map(\.hook)
            if !stored.contains(hook) {
                return notFound("hook", hook, known: Array(runtime.settings.hooks.keys) + stored)
            }
        }
        let now = runtime.clock.now()
        let count = try await store.retryDead(hook: hook, now: now)
        runtime.wakeLanes(hook.map { [$0] } ?? Array(runtime.settings.hooks.keys))
        runtime.logger.notice(
            "dead deliveries queued again (HTTP API)",
            metadata: ["hook.name": "\(hook ?? "*")", "deliveries": "\(count)"])
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("hook")
        writer.string(hook)
        writer.key("queued")
        writer.integer(Int64(count))
        writer.endObject()
        return StatusServer.json(.ok, writer.bytes)
    }

    /// `POST /api/held/NAME/release` and `…/drop`: the feed's held deliveries queued for their hooks, or
    /// dropped (the items stay stored and known).
    func held(_ feed: String, release: Bool) async throws(StoreError) -> HTTPResponse {
        let store = runtime.store
        if runtime.settings.feeds[feed] == nil {
            let stored = try await store.feeds().map(\.name) + store.held().map(\.feed)
            if !stored.contains(feed) {
                return notFound("feed", feed, known: runtime.settings.settings.feeds.map(\.name) + stored)
            }
        }
        let now = runtime.clock.now()
        let count = release ? try await store.release(feed: feed, now: now) : try await store.drop(feed: feed)
        if release { runtime.wakeLanes(runtime.settings.hooks.keys) }
        runtime.logger.notice(
            release ? "held deliveries released (HTTP API)" : "held deliveries dropped (HTTP API)",
            metadata: ["feed.name": "\(feed)", "deliveries": "\(count)"])
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("feed")
        writer.string(feed)
        writer.key(release ? "released" : "dropped")
        writer.integer(Int64(count))
        writer.endObject()
        return StatusServer.json(.ok, writer.bytes)
    }

    private func notFound(_ kind: String, _ name: String, known: [String]) -> HTTPResponse {
        let unique = Array(Set(known)).sorted()
        let hint = ConfigEditing.closest(to: name, in: unique).map { "; did you mean \"\($0)\"?" } ?? ""
        return StatusServer.json(.notFound, error: "no \(kind) is named \"\(name)\"\(hint)")
    }
}
