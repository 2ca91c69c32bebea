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
        /// Not polled here: another instance sharing the store holds the feed's lease or polled it since
        /// (`owner`, when known); due again when the store said. Not a failure, and not a poll.
        case elsewhere(owner: String?)
        /// The store did not answer (`StoreError.unavailable`): nothing of this poll was stored; polled again
        /// once the store is back. Not a failure of the feed.
        case storeUnavailable
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

    /// How long a poll holds the feed on a shared store: twice the fetch's time limit and 10 s. Renewed
    /// every third of it while the transfer runs (`renewWhileFetching`), so at least two thirds of it are
    /// left when the fetch ends (4/3 of the time limit and 6 s) for parsing and the commit; one that runs
    /// out only drops that poll's result (`leaseLost`, polled again by the holder). An instance that dies
    /// loses the feed when the lease runs out: the margin is what the others wait beyond the time limit.
    static func lease(for limits: FetchLimits) -> Duration {
        limits.totalTimeout * 2 + .seconds(10)
    }

    /// Polls `feed` once. `force`: the poll was asked for (the write API) or the feed's URL or request
    /// changed, so it goes ahead even when another instance polled the feed since.
    func poll(_ feed: FeedSettings, force: Bool = false) async -> PollReport {
        let active = runtime.settings
        let logger = feedLogger(feed)
        var now = runtime.clock.now()
        let policy = SchedulePolicy(settings: active.settings.schedule)
        let interval = active.interval(of: feed)
        let lease = Self.lease(for: feed.limits ?? active.settings.fetch.limits)
        var state: FeedFetchState
        do throws(StoreError) {
            let claim = try await runtime.store.beginPoll(
                feed: feed.name, now: now, leaseUntil: now.adding(lease), force: force)
            switch claim {
            case .granted(let stored):
                state = stored
            case .busy(let owner, let retryAt):
                logger.debug(
                    "poll left to another instance",
                    metadata: ["instance": "\(owner ?? "?")", "next.due": "\(retryAt.rfc3339)"])
                return PollReport(feed: feed.name, kind: .elsewhere(owner: owner), nextDue: retryAt)
            }
        } catch {
            if let report = storeFailure(error, feed, nextDue: now, logger) { return report }
            return await failed(feed, state: FeedFetchState(), message: error.description, retryAfter: nil, now: now)
        }
        let url = runtime.currentURL(of: feed)
        var request = FetchRequest(
            url: url, headers: feed.headers, credential: feed.credential, proxy: feed.proxy,
            insecureSkipTLSVerify: feed.insecureSkipTLSVerify, limits: feed.limits)
        if state.url == url { request.validators = Validators(etag: state.etag, lastModified: state.lastModified) }

        let fetchStart = ContinuousClock.now
        let prepared = request
        let result = await renewWhileFetching(feed.name, lease: lease, logger) {
            await runtime.fetcher.fetch(prepared)
        }
        runtime.metrics.fetched(result, duration: ContinuousClock.now - fetchStart)
        // Everything from here on counts from the answer, not from the start of the wait for the host's
        // slot: with a busy host a request may queue for a long while.
        now = runtime.clock.now()
        switch result {
        case .failure(.cancelled):
            // Shutdown: the feed is free at once for another instance.
            do throws(StoreError) {
                try await runtime.store.endPoll(feed: feed.name)
            } catch {
                logger.debug("store: could not end the claim", metadata: ["error": "\(error.description)"])
            }
            return PollReport(feed: feed.name, kind: .cancelled, nextDue: now)
        case .failure(.hostPaused(_, let pause)):
            return await deferred(feed, state: state, pause: pause, logger)
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
            var report = await failed(feed, state: state, message: message, retryAfter: retryAfter, now: now)
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
            do throws(StoreError) {
                try await runtime.store.recordFetch(feed: feed.name, state: state)
            } catch {
                if let report = storeFailure(error, feed, nextDue: decision.nextDue, logger) { return report }
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
                return await failed(feed, state: state, message: message, retryAfter: nil, now: now)
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

    /// Stores the document's items with their deliveries (the file store does it off the cooperative pool:
    /// it waits for `fsync`). When the write fails, `previous` (the state before this poll) is what the
    /// failure is recorded on.
    private func commit(
        _ feed: FeedSettings, document: FeedDocument, state: FeedFetchState, previous: FeedFetchState, now: Timestamp,
        nextDue: Timestamp, _ logger: Logger
    ) async -> PollReport {
        let plan = DeliveryPlan(feed: feed, active: runtime.settings)
        let store = runtime.store
        let items = Self.oldestFirst(document.items)
        do throws(StoreError) {
            // The first poll announces what `notify_existing` says (nil: everything). A feed whose state
            // record was lost to damage is not new: the store still knows its items' keys.
            let isFirst = try await store.isFirstPoll(feed: feed.name, items: items)
            let announced = isFirst ? plan.announcedOnFirstPoll(items) : nil
            let result = try await store.commit(feed: feed.name, items: items, fetchState: state, now: now) {
                stored, event in
                if let announced, !announced.contains(stored.item.key) { return [] }
                return plan.hooks(for: stored.item, event: event)
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
            // A database away or a lease lost: nothing was stored, and the feed is polled again (here when
            // the store is back, or by the instance that holds it).
            if let report = storeFailure(error, feed, nextDue: nextDue, logger) { return report }
            runtime.metrics.committed(new: nil)
            logger.error("store write failed", metadata: ["error": "\(error.description)"])
            // The old validators stay, so the next poll fetches the document again rather than a 304.
            return await failed(feed, state: previous, message: error.description, retryAfter: nil, now: now)
        }
    }

    /// What a store error that is no failure of the feed makes of the poll, or nil for any other error:
    /// a store that does not answer closes `runtime.availability` (the feed is polled again once it is
    /// back); a lease lost means another instance took the feed over, and this poll's result is dropped.
    private func storeFailure(_ error: StoreError, _ feed: FeedSettings, nextDue: Timestamp, _ logger: Logger)
        -> PollReport?
    {
        if runtime.availability.note(error) {
            return PollReport(feed: feed.name, kind: .storeUnavailable, nextDue: runtime.clock.now())
        }
        // Cut at shutdown, after its grace (a database's answer that did not come): not a failure of the
        // feed nor of the store. Whether the write landed is unknown; the next poll finds out either way.
        if Task.isCancelled {
            logger.info("poll cut short by the shutdown; its result may not be stored")
            return PollReport(feed: feed.name, kind: .storeUnavailable, nextDue: runtime.clock.now())
        }
        guard case .leaseLost(_, let owner) = error else { return nil }
        logger.warning(
            "poll result dropped: another instance took the feed over", metadata: ["instance": "\(owner)"])
        return PollReport(feed: feed.name, kind: .elsewhere(owner: owner), nextDue: nextDue)
    }

    /// Runs `fetch` while a child task renews the feed's lease every third of `lease`; the renewing ends
    /// with the fetch. A lease found lost is logged once and not renewed again (the commit then says so).
    /// The file store's claims are always granted and never expire, so with it the fetch runs alone.
    private func renewWhileFetching(
        _ feed: String, lease: Duration, _ logger: Logger, fetch: @escaping @Sendable () async -> FetchResult
    ) async -> FetchResult {
        let runtime = runtime
        guard runtime.fileStore == nil else { return await fetch() }
        return await withTaskGroup(of: FetchResult?.self) { group in
            group.addTask { await fetch() }
            group.addTask {
                while !Task.isCancelled {
                    do {
                        try await runtime.clock.sleep(for: lease / 3)
                    } catch {
                        return nil
                    }
                    do throws(StoreError) {
                        try await runtime.store.renewPoll(feed: feed, leaseUntil: runtime.clock.now().adding(lease))
                    } catch {
                        logger.warning("could not renew the lease of the poll", metadata: ["error": "\(error)"])
                        if case .leaseLost = error { return nil }
                    }
                }
                return nil
            }
            // The fetch always answers (cancelled at worst); the renewing task answers nil.
            var result: FetchResult?
            for await value in group {
                guard let value else { continue }
                result = value
                group.cancelAll()
            }
            return result ?? .failure(.cancelled(url: ""))
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
    private func deferred(
        _ feed: FeedSettings, state: FeedFetchState, pause: HostPause, _ logger: Logger
    ) async -> PollReport {
        runtime.notePause(pause)
        var state = state
        state.nextDue = pause.until
        do throws(StoreError) {
            try await runtime.store.recordFetch(feed: feed.name, state: state)
        } catch {
            if let report = storeFailure(error, feed, nextDue: pause.until, logger) { return report }
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
    ) async -> PollReport {
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
        do throws(StoreError) {
            try await runtime.store.recordFetch(feed: feed.name, state: state)
        } catch {
            if let report = storeFailure(error, feed, nextDue: decision.nextDue, feedLogger(feed)) { return report }
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

extension Timestamp {
    /// This instant moved `duration` on (whole seconds).
    func adding(_ duration: Duration) -> Timestamp {
        Timestamp(secondsSince1970: secondsSince1970 + duration.components.seconds)
    }
}

/// The `host:port` of a URL as the fetcher keys per-host limits and pauses (`example.org:443`); the
/// whole URL when it has none.
func hostKey(of url: String) -> String {
    HTTPFetcher.hostKey(of: url) ?? url
}
