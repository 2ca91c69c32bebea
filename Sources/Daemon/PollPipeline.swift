import Config
import FeedModel
import FeedParser
import Fetcher
import Hooks
import Logging
import Store

/// What one poll of one feed came to, for the scheduler and the summaries.
struct PollReport: Sendable {
    enum Kind: Sendable, Hashable {
        /// A document; `new` items announced (deliveries queued), `stored` items stored in all.
        case content(new: Int, stored: Int)
        case notModified
        case failed(String)
        /// Not polled: its host is paused (it answered 429 or 503 with `Retry-After`); due again when
        /// the pause ends. Not a failure of the feed.
        case deferred(until: Timestamp)
        /// Cut short by shutdown: nothing was recorded.
        case cancelled
    }

    var feed: String
    var kind: Kind
    var nextDue: Timestamp
    /// A host to leave alone, and until when (429, 503 with `Retry-After`): the feed's own host, or
    /// the one a redirect led to.
    var hostPause: HostPause?
    /// Deliveries queued, by hook.
    var hooks: Set<String> = []
}

/// One poll of one feed, start to end: fetch with the stored validators, parse, commit the items with
/// their deliveries (or record the 304 or the failure), and work out the next due time. Never throws:
/// a failure is recorded on the feed, and other feeds go on.
struct PollPipeline: Sendable {
    let runtime: Runtime

    func poll(_ feed: FeedSettings) async -> PollReport {
        let active = runtime.settings
        let logger = feedLogger(feed)
        var now = runtime.clock.now()
        let policy = SchedulePolicy(settings: active.settings.schedule)
        let interval = active.interval(of: feed)
        var state: FeedFetchState
        do throws(StoreError) {
            state = try runtime.store.fetchState(feed: feed.name) ?? FeedFetchState()
        } catch {
            return failed(feed, state: FeedFetchState(), message: error.description, retryAfter: nil, now: now)
        }
        let url = runtime.currentURL(of: feed)
        var request = FetchRequest(
            url: url, headers: feed.headers, credential: feed.credential, proxy: feed.proxy,
            insecureSkipTLSVerify: feed.insecureSkipTLSVerify, limits: feed.limits)
        if state.url == url { request.validators = Validators(etag: state.etag, lastModified: state.lastModified) }

        let fetchStart = ContinuousClock.now
        let result = await runtime.fetcher.fetch(request)
        runtime.metrics.fetched(result, duration: ContinuousClock.now - fetchStart)
        // Everything from here on counts from the answer, not from the start of the wait for the host's
        // slot: with a busy host a request may queue for a long while.
        now = runtime.clock.now()
        switch result {
        case .failure(.cancelled):
            return PollReport(feed: feed.name, kind: .cancelled, nextDue: now)
        case .failure(.hostPaused(_, let pause)):
            return deferred(feed, state: state, pause: pause, logger)
        case .failure(let error):
            var retryAfter: Int?
            var pause: HostPause?
            if case .httpStatus(_, let code, let after, let hostPause) = error {
                if code == 429 || code == 503 { retryAfter = after?.seconds(from: now) }
                if let hostPause {
                    pause = hostPause
                    runtime.notePause(hostPause)
                    // The feed waits at least as long as its host (the pause already counts from the answer).
                    let left = Int(max(hostPause.until.secondsSince1970 - now.secondsSince1970, 0))
                    retryAfter = max(retryAfter ?? 0, left)
                }
            }
            let message = URLCredentials.masking(in: error.description)
            var metadata: Logger.Metadata = ["error": "\(message)"]
            if case .httpStatus(_, let code, _, _) = error { metadata["http.status"] = "\(code)" }
            if !error.detail.isEmpty { metadata["error.detail"] = "\(URLCredentials.masking(in: error.detail))" }
            logger.warning("fetch failed", metadata: metadata)
            var report = failed(feed, state: state, message: message, retryAfter: retryAfter, now: now)
            report.hostPause = pause
            return report
        case .notModified(let answer):
            logWarnings(answer.warnings, logger)
            noteRedirect(feed, answer.isPermanentRedirect, answer.finalURL, logger)
            var hints = FreshnessHints()
            hints.add(answer.cacheHints, now: now)
            let decision = policy.decide(.success(hints), interval: interval, now: now, unitRandom: runtime.random())
            state.url = answer.isPermanentRedirect ? answer.finalURL : url
            state.etag = answer.validators.etag
            state.lastModified = answer.validators.lastModified
            succeeded(&state, now: now, nextDue: decision.nextDue)
            let recorded = state
            do throws(StoreError) {
                try runtime.store.recordFetch(feed: feed.name, state: recorded)
            } catch {
                logger.error("store write failed", metadata: ["error": "\(error.description)"])
            }
            logger.debug("not modified")
            return PollReport(feed: feed.name, kind: .notModified, nextDue: decision.nextDue)
        case .content(let content):
            logWarnings(content.warnings, logger)
            noteRedirect(feed, content.isPermanentRedirect, content.finalURL, logger)
            let document: FeedDocument
            let parseStart = ContinuousClock.now
            do throws(ParseError) {
                let parser = FeedParser(options: .init(baseURL: content.finalURL, charset: content.charset))
                document = try parser.parse(content.body)
                runtime.metrics.parsed(duration: ContinuousClock.now - parseStart, failed: false)
            } catch {
                runtime.metrics.parsed(duration: ContinuousClock.now - parseStart, failed: true)
                let message = URLCredentials.masking(in: "\(content.finalURL): \(error.description)")
                logger.warning("parse failed", metadata: ["error": "\(message)"])
                return failed(feed, state: state, message: message, retryAfter: nil, now: now)
            }
            let previous = state
            var hints = FreshnessHints(document.updateHints)
            hints.add(content.cacheHints, now: now)
            let decision = policy.decide(.success(hints), interval: interval, now: now, unitRandom: runtime.random())
            state.url = content.isPermanentRedirect ? content.finalURL : url
            state.etag = content.validators.etag
            state.lastModified = content.validators.lastModified
            state.title = document.title ?? state.title
            succeeded(&state, now: now, nextDue: decision.nextDue)
            return await commit(
                feed, document: document, state: state, previous: previous, now: now, nextDue: decision.nextDue, logger)
        }
    }

    /// Stores the document's items with their deliveries, off the cooperative pool (it waits for `fsync`).
    /// When the write fails, `previous` (the state before this poll) is what the failure is recorded on.
    private func commit(
        _ feed: FeedSettings, document: FeedDocument, state: FeedFetchState, previous: FeedFetchState, now: Timestamp,
        nextDue: Timestamp, _ logger: Logger
    ) async -> PollReport {
        let plan = DeliveryPlan(feed: feed, active: runtime.settings)
        let store = runtime.store
        let items = Self.oldestFirst(document.items)
        do throws(StoreError) {
            let result = try await Blocking.run { () throws(StoreError) -> CommitResult in
                // The first poll announces what `notify_existing` says (nil: everything). A feed whose state
                // record was lost to damage is not new: the store still knows its items' keys.
                let isFirst = try store.isFirstPoll(feed: feed.name, items: items)
                let announced = isFirst ? plan.announcedOnFirstPoll(items) : nil
                return try store.commit(feed: feed.name, items: items, fetchState: state, now: now) { stored, event in
                    if let announced, !announced.contains(stored.item.key) { return [] }
                    return plan.hooks(for: stored.item, event: event)
                }
            }
            runtime.metrics.committed(new: result.new.count, updated: result.updated.count)
            let hooks = Set(result.deliveries.map(\.hook))
            if !result.new.isEmpty || !result.updated.isEmpty {
                logger.info(
                    "new items",
                    metadata: [
                        "items.new": "\(result.new.count)", "items.updated": "\(result.updated.count)",
                        "deliveries": "\(result.deliveries.count)",
                    ])
            }
            if result.isFlood {
                logger.warning(
                    "flood guard held new items; see `feedd held`", metadata: ["items.held": "\(result.held.count)"])
            }
            runtime.wakeLanes(hooks)
            return PollReport(
                feed: feed.name, kind: .content(new: result.new.count, stored: result.new.count + result.held.count),
                nextDue: nextDue, hooks: hooks)
        } catch {
            runtime.metrics.committed(new: nil)
            logger.error("store write failed", metadata: ["error": "\(error.description)"])
            // The old validators stay, so the next poll fetches the document again rather than a 304.
            return failed(feed, state: previous, message: error.description, retryAfter: nil, now: now)
        }
    }

    /// The items in the order they appeared: by date when every item has one, else in reverse document
    /// order (feeds list the newest first). Deliveries are queued, and so arrive, in this order.
    static func oldestFirst(_ items: [FeedItem]) -> [FeedItem] {
        let dates = items.compactMap { $0.published ?? $0.updated }
        guard dates.count == items.count else { return items.reversed() }
        return zip(items, dates).enumerated().sorted { lhs, rhs in
            (lhs.element.1, rhs.offset) < (rhs.element.1, lhs.offset)
        }.map(\.element.0)
    }

    /// Records a poll the fetcher did not make because the host is paused: due again when the pause
    /// ends, with no failure counted (the feed did nothing wrong).
    private func deferred(_ feed: FeedSettings, state: FeedFetchState, pause: HostPause, _ logger: Logger) -> PollReport
    {
        runtime.notePause(pause)
        var state = state
        state.nextDue = pause.until
        let recorded = state
        do throws(StoreError) {
            try runtime.store.recordFetch(feed: feed.name, state: recorded)
        } catch {
            logger.error("store write failed", metadata: ["error": "\(error.description)"])
        }
        logger.debug(
            "poll deferred: host paused", metadata: ["host": "\(pause.host)", "until": "\(pause.until.rfc3339)"])
        return PollReport(
            feed: feed.name, kind: .deferred(until: pause.until), nextDue: pause.until, hostPause: pause)
    }

    /// Records a failed poll and works out the backoff.
    private func failed(
        _ feed: FeedSettings, state: FeedFetchState, message: String, retryAfter: Int?, now: Timestamp
    ) -> PollReport {
        var state = state
        let active = runtime.settings
        state.consecutiveFailures += 1
        state.lastError = message
        state.lastErrorAt = now
        let decision = SchedulePolicy(settings: active.settings.schedule).decide(
            .failure(consecutiveFailures: state.consecutiveFailures, retryAfter: retryAfter),
            interval: active.interval(of: feed), now: now, unitRandom: runtime.random())
        state.nextDue = decision.nextDue
        if decision.isAtBackoffCap {
            feedLogger(feed).error(
                "feed keeps failing; retried at the backoff cap",
                metadata: [
                    "failures": "\(state.consecutiveFailures)", "next.due": "\(decision.nextDue.rfc3339)",
                    "error": "\(message)",
                ])
        }
        let recorded = state
        do throws(StoreError) {
            try runtime.store.recordFetch(feed: feed.name, state: recorded)
        } catch {
            feedLogger(feed).error("store write failed", metadata: ["error": "\(error.description)"])
        }
        return PollReport(feed: feed.name, kind: .failed(message), nextDue: decision.nextDue)
    }

    private func succeeded(_ state: inout FeedFetchState, now: Timestamp, nextDue: Timestamp) {
        state.consecutiveFailures = 0
        state.lastSuccess = now
        state.nextDue = nextDue
    }

    private func noteRedirect(_ feed: FeedSettings, _ isPermanent: Bool, _ target: String, _ logger: Logger) {
        guard isPermanent, target != feed.url, runtime.notePermanentRedirect(of: feed, to: target) else { return }
        logger.notice(
            "feed moved permanently; update its url in the configuration",
            metadata: ["feed.new_url": "\(URLCredentials.masked(target))"])
    }

    private func logWarnings(_ warnings: [FetchWarning], _ logger: Logger) {
        for warning in warnings { logger.warning("insecure fetch", metadata: ["warning": "\(warning.description)"]) }
    }

    private func feedLogger(_ feed: FeedSettings) -> Logger {
        var logger = runtime.logger
        logger[metadataKey: "feed.name"] = "\(feed.name)"
        logger[metadataKey: "feed.url"] = "\(URLCredentials.masked(feed.url))"
        return logger
    }
}

/// Which hooks get which items of one feed: the global and the feed's hooks, after the feed's and the
/// hook's filters, updated items only to hooks with `on_update`.
struct DeliveryPlan: Sendable {
    let hooks: [HookSettings]
    let feedFilter: ItemFilter
    /// What the first poll of the feed does with the items already there.
    let existing: NotifyExisting

    init(feed: FeedSettings, active: ActiveSettings) {
        hooks = active.hooks(for: feed)
        feedFilter = feed.filter
        existing = feed.notifyExisting ?? active.settings.notifyExisting
    }

    /// The keys of the items the first poll announces (`items` oldest first): all, none, or the newest N.
    func announcedOnFirstPoll(_ items: [FeedItem]) -> Set<String>? {
        switch existing {
        case .all: return nil
        case .none: return []
        case .newest(let count): return Set(items.suffix(count).map(\.key))
        }
    }

    func hooks(for item: FeedItem, event: ItemEvent) -> [String] {
        guard feedFilter.accepts(item) else { return [] }
        return hooks.filter { hook in (event == .new || hook.onUpdate) && hook.filter.accepts(item) }.map(\.name)
    }
}

/// The `host:port` of a URL as the fetcher keys per-host limits and pauses (`example.org:443`); the
/// whole URL when it has none.
func hostKey(of url: String) -> String {
    HTTPFetcher.hostKey(of: url) ?? url
}
