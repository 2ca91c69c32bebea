import FeedModel
import Fetcher
import FlyingFox
import Foundation
import Hooks
import Logging
import Store

extension StatusServer {
    /// How many of the newest items the status page lists.
    static let pageItemCount = 30

    /// `GET /`: the status page (`StatusPage`).
    func statusPage() async throws(StoreError) -> HTTPResponse {
        let page = try await gatherStatusPage()
        return HTTPResponse(
            statusCode: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8",
                // Nothing on the page runs or loads: no script, no image, no form; only its own inline CSS.
                HTTPHeader("Content-Security-Policy"):
                    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
                HTTPHeader("X-Content-Type-Options"): "nosniff",
                HTTPHeader("Referrer-Policy"): "no-referrer",
                .cacheControl: "no-store",
            ],
            body: Data(page.html.utf8))
    }

    func gatherStatusPage() async throws(StoreError) -> StatusPage {
        let now = runtime.clock.now()
        let active = runtime.settings
        let stored = Dictionary(try await runtime.store.feeds().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let pauses = hostPausesInForce()
        let feeds = active.settings.feeds.map { feed in
            let summary = stored[feed.name]
            let state = summary?.state ?? FeedFetchState()
            return StatusPage.Feed(
                name: feed.name, title: state.title, url: URLCredentials.masked(state.url ?? feed.url),
                tags: feed.tags, lastSuccess: state.lastSuccess,
                lastError: state.lastError.map(URLCredentials.masking(in:)), lastErrorAt: state.lastErrorAt,
                consecutiveFailures: state.consecutiveFailures, nextDue: state.nextDue,
                items: summary?.itemCount ?? 0, held: summary?.heldCount ?? 0,
                pause: pause(of: feed, in: pauses))
        }

        var hooks: [String: StatusPage.Hook] = [:]
        var order = active.settings.hooks.map(\.name)
        for name in order { hooks[name] = StatusPage.Hook(name: name) }
        var errorTimes: [String: Timestamp] = [:]
        func count(_ delivery: Store.Delivery) {
            if hooks[delivery.hook] == nil {
                hooks[delivery.hook] = StatusPage.Hook(name: delivery.hook)
                order.append(delivery.hook)
            }
            switch delivery.status {
            case .pending: hooks[delivery.hook]?.pending += 1
            case .held: hooks[delivery.hook]?.held += 1
            case .dead: hooks[delivery.hook]?.dead += 1
            }
            // The latest failure: a dead delivery's, else the pending one tried most recently.
            if let error = delivery.lastError, errorTimes[delivery.hook].map({ delivery.nextAttempt > $0 }) ?? true {
                errorTimes[delivery.hook] = delivery.nextAttempt
                hooks[delivery.hook]?.lastError = URLCredentials.masking(in: error)
            }
        }
        for delivery in try await runtime.store.pendingDeliveries(dueBy: nil, limit: .max) { count(delivery) }
        for delivery in try await runtime.store.deadDeliveries(limit: .max) { count(delivery) }
        for feed in try await runtime.store.held() { for delivery in feed.deliveries { count(delivery) } }

        let list = try await runtime.store.listItems(feed: nil, since: nil, limit: Self.pageItemCount)
        logDamaged(list.damaged, in: "/")
        let items = list.items.map { listing in
            let item = listing.item
            return StatusPage.Item(
                feed: listing.feed, title: item?.title, link: item?.link, firstSeen: listing.firstSeen)
        }
        let refresh = active.settings.statusPageRefresh.components.seconds
        return StatusPage(
            now: now, startedAt: startedAt, isStopping: runtime.isStopping, feeds: StatusPage.ordered(feeds),
            hooks: order.compactMap { hooks[$0] }, items: items, refreshSeconds: refresh)
    }

    /// A damaged item is left out of a view, and said in the log (the view goes on: docs/store.md).
    func logDamaged(_ damaged: [DamagedItem], in path: String) {
        for item in damaged {
            runtime.logger.warning(
                "damaged item skipped in \(path)",
                metadata: ["feed.name": "\(item.feed)", "item.key": "\(item.key)", "error": "\(item)"])
        }
    }
}

extension StatusServer {
    /// The host pauses in force now, by host (`host:port`).
    func hostPausesInForce() -> [String: HostPause] {
        Dictionary(
            runtime.hostPauses.inForce(at: runtime.clock.now()).map { ($0.host, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The pause of the host `feed` is fetched from (after permanent redirects), if one is in force.
    func pause(of feed: FeedSettings, in pauses: [String: HostPause]) -> HostPause? {
        pauses[hostKey(of: runtime.currentURL(of: feed))]
    }

    /// `{"host", "http_status", "since", "until"}` of a host pause, or null.
    func hostPauseJSON(_ pause: HostPause?, into writer: inout JSONWriter) {
        guard let pause else {
            writer.null()
            return
        }
        writer.beginObject()
        writer.key("host")
        writer.string(pause.host)
        writer.key("http_status")
        writer.integer(Int64(pause.httpStatus))
        writer.key("since")
        writer.string(pause.since.rfc3339)
        writer.key("until")
        writer.string(pause.until.rfc3339)
        writer.endObject()
    }
}
