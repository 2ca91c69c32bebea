import FeedModel
import FlyingFox
import FlyingSocks
import Foundation
import Hooks
import Logging
import Store

/// The HTTP listener of config `listen`: views of the running daemon for monitoring and scripts, and a
/// write API guarded by a token. The routes are `StatusRoute`'s table (described in docs/openapi.yaml).
///
/// - `GET /health`: `200` and a JSON object (`status`, `feeds`, `failing_feeds`, `uptime_seconds`).
/// - `GET /metrics`: Prometheus text format (`DaemonMetrics`): polls, items, fetch and parse times,
///   deliveries, the outbox, the store.
/// - `GET /feeds`: a JSON array, one object per feed: its fetch state, items kept, polls, held deliveries.
/// - `GET /items?feed=NAME&since=RFC3339&limit=N`: a JSON array of stored items, newest first (each the
///   item object of spec/feed-json.md with `feed`, `first_seen` and `changed`); `limit` defaults to 50,
///   at most 1,000.
/// - `GET /`: the status page, HTML (`StatusPage`).
/// - `GET /feed.atom`, `GET /feed.json?feed=NAME&tag=T&limit=N`: the newest stored items as Atom 1.0 or
///   JSON Feed 1.1 (`MergedFeed`), with `ETag`, `Last-Modified` and `304`.
/// - `POST /api/…`: `WriteAPI`, only with `Authorization: Bearer TOKEN` (`ListenerAuth`).
/// Anything else answers `404`; a method a path does not take `405`.
struct StatusServer: HTTPHandler {
    let runtime: Runtime
    let startedAt: Timestamp

    static let defaultItemLimit = 50
    static let maximumItemLimit = 1000

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        let auth = ListenerAuth(settings: runtime.settings.settings)
        let authorization = request.headers[.authorization]
        // Off loopback, nothing (not even which paths exist) is told without the token.
        if auth.readsNeedToken, let refusal = refusal(auth.verdict(for: .read, authorization: authorization)) {
            return refusal
        }
        let match = StatusRoute.match(request.path)
        guard !match.routes.isEmpty else {
            return Self.json(
                .notFound,
                error:
                    "no such path; see docs/openapi.yaml: /, /feed.atom, /feed.json, /health, /metrics, /feeds, /items")
        }
        guard let route = match.route(for: request.method) else {
            return Self.json(
                .methodNotAllowed, error: "\(request.path) takes \(match.allowed)",
                headers: [HTTPHeader("Allow"): match.allowed])
        }
        if let refusal = refusal(auth.verdict(for: route.access, authorization: authorization)) { return refusal }
        let api = WriteAPI(runtime: runtime)
        do throws(StoreError) {
            switch route {
            case .health: return health()
            case .metrics: return try await metrics()
            case .feeds: return try await feeds()
            case .items: return try await items(request.query)
            case .statusPage: return try await statusPage()
            case .feedAtom: return try await mergedFeed(request, format: .atom)
            case .feedJSON: return try await mergedFeed(request, format: .jsonFeed)
            case .pollFeed: return await api.pollFeed(match.name ?? "")
            case .retryDeliveries: return try await api.retryDeliveries(hook: request.query["hook"])
            case .releaseHeld: return try await api.held(match.name ?? "", release: true)
            case .dropHeld: return try await api.held(match.name ?? "", release: false)
            }
        } catch {
            // A database away: the poll loop and the outbox wait for it; readers are told to come back.
            if runtime.availability.note(error) {
                return Self.json(
                    .serviceUnavailable, error: "the store is unavailable: \(error.description)",
                    headers: [HTTPHeader("Retry-After"): "5"])
            }
            runtime.logger.error("HTTP listener: store failed", metadata: ["error": "\(error.description)"])
            return Self.json(.internalServerError, error: "the store failed: \(error.description)")
        }
    }

    /// The refusal of a verdict, with an unreadable token logged (the client is told only to see the log).
    private func refusal(_ verdict: ListenerAuth.Verdict) -> HTTPResponse? {
        if case .unreadable(let reason) = verdict {
            runtime.logger.error("HTTP listener: listen_token cannot be read", metadata: ["error": "\(reason)"])
        }
        return ListenerAuth.refusal(verdict)
    }

    // MARK: Views

    private func health() -> HTTPResponse {
        let counts = runtime.status.snapshot
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("status")
        writer.string(runtime.isStopping ? "stopping" : "ok")
        writer.key("feeds")
        writer.integer(Int64(counts.feeds))
        writer.key("failing_feeds")
        writer.integer(Int64(counts.failingFeeds.count))
        writer.key("uptime_seconds")
        writer.integer(runtime.clock.now().secondsSince1970 - startedAt.secondsSince1970)
        writer.endObject()
        return Self.json(runtime.isStopping ? .serviceUnavailable : .ok, writer.bytes)
    }

    private func metrics() async throws(StoreError) -> HTTPResponse {
        HTTPResponse(
            statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: Data(try await runtime.metrics.exposition(runtime: runtime, startedAt: startedAt)))
    }

    private func feeds() async throws(StoreError) -> HTTPResponse {
        let configured = runtime.settings.settings.feeds
        let stored = Dictionary(try await runtime.store.feeds().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let pauses = hostPausesInForce()
        var writer = JSONWriter()
        writer.beginArray()
        for feed in configured {
            let summary = stored[feed.name]
            let state = summary?.state ?? FeedFetchState()
            writer.beginObject()
            writer.key("name")
            writer.string(feed.name)
            writer.key("url")
            writer.string(URLCredentials.masked(feed.url))
            writer.key("fetching")
            writer.string(URLCredentials.masked(state.url ?? feed.url))
            writer.key("title")
            writer.string(state.title)
            writer.key("items")
            writer.integer(Int64(summary?.itemCount ?? 0))
            writer.key("polls")
            writer.integer(Int64(summary?.polls ?? 0))
            writer.key("held")
            writer.integer(Int64(summary?.heldCount ?? 0))
            writer.key("last_success")
            writer.string(state.lastSuccess?.rfc3339)
            writer.key("next_due")
            writer.string(state.nextDue?.rfc3339)
            writer.key("consecutive_failures")
            writer.integer(Int64(state.consecutiveFailures))
            writer.key("last_error")
            writer.string(state.lastError.map(URLCredentials.masking(in:)))
            writer.key("last_error_at")
            writer.string(state.lastErrorAt?.rfc3339)
            writer.key("host_pause")
            hostPauseJSON(pause(of: feed, in: pauses), into: &writer)
            writer.endObject()
        }
        writer.endArray()
        return Self.json(.ok, writer.bytes)
    }

    private func items(_ query: [HTTPRequest.QueryItem]) async throws(StoreError) -> HTTPResponse {
        var limit = Self.defaultItemLimit
        if let text = query["limit"] {
            guard let value = Int(text), value >= 1 else {
                return Self.json(.badRequest, error: "limit must be a whole number from 1")
            }
            limit = min(value, Self.maximumItemLimit)
        }
        var since: Timestamp? = nil
        if let text = query["since"] {
            guard let value = Timestamp(rfc3339: text) else {
                return Self.json(.badRequest, error: "since must be an RFC 3339 time such as 2026-11-28T09:15:00Z")
            }
            since = value
        }
        let feed = query["feed"]
        if let feed, runtime.settings.feeds[feed] == nil, try await runtime.store.fetchState(feed: feed) == nil {
            return Self.json(.notFound, error: "no feed is named \"\(feed)\"")
        }
        let list = try await runtime.store.listItems(feed: feed, since: since, limit: limit)
        // A damaged item is left out, and said in the log (the listing goes on: docs/store.md).
        for damaged in list.damaged {
            runtime.logger.warning(
                "damaged item skipped in /items",
                metadata: ["feed.name": "\(damaged.feed)", "item.key": "\(damaged.key)", "error": "\(damaged)"])
        }
        var body: [UInt8] = [UInt8(ascii: "[")]
        for (index, listing) in list.items.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body += listing.annotatedJSON
        }
        body.append(UInt8(ascii: "]"))
        return Self.json(.ok, body)
    }

    // MARK: Responses

    static func json(_ status: HTTPStatusCode, _ body: [UInt8]) -> HTTPResponse {
        HTTPResponse(
            statusCode: status, headers: [.contentType: "application/json; charset=utf-8"], body: Data(body + [0x0A]))
    }

    /// `headers` is a plain dictionary: FlyingFox's `HTTPHeaders` literal splits a value at its commas, and
    /// setting those back one by one would keep only the last part (`Allow: GET, HEAD` would say `HEAD`).
    static func json(_ status: HTTPStatusCode, error: String, headers: [HTTPHeader: String] = [:]) -> HTTPResponse {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("error")
        writer.string(error)
        writer.endObject()
        var response = json(status, writer.bytes)
        for (name, value) in headers { response.headers[name] = value }
        return response
    }
}
