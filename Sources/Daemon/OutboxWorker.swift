import FeedModel
import Hooks
import Logging
import Store

/// Drains the outbox: one lane per hook runs its due deliveries through `HookRunner` and records what
/// came of each (delivered, retry at a time, dead letter). Lanes are independent, so a slow or failing
/// hook delays only itself, never polling nor other hooks. Pending rows survive restarts: they are in
/// the store, and a lane starts with whatever is due.
struct OutboxWorker: Sendable {
    /// What one pass over the due deliveries did.
    struct Summary: Sendable, Hashable {
        var delivered = 0
        var retried = 0
        var dead = 0
        /// Deliveries handled (a batch counts its rows).
        var rows: Int { delivered + retried + dead }
    }

    /// Rows read from the store per pass of a lane.
    static let pageSize = 512

    let runtime: Runtime

    /// Keeps a lane running for every configured hook until the daemon stops; lanes of hooks removed by
    /// a reload end, lanes of added hooks start.
    func run() async {
        await withDiscardingTaskGroup { group in
            while !runtime.isStopping, !Task.isCancelled {
                for name in runtime.settings.hooks.keys.sorted() {
                    guard let wakeup = runtime.startLane(name) else { continue }
                    group.addTask { await lane(name, wakeup: wakeup) }
                }
                await runtime.control.wait(timeout: .seconds(3600))
            }
        }
    }

    /// Delivers everything due now, hook by hook in parallel, until nothing is left due (`poll --once`).
    func drain() async -> Summary {
        let names = runtime.settings.hooks.keys.sorted()
        return await withTaskGroup(of: Summary.self) { group in
            for name in names {
                group.addTask {
                    var total = Summary()
                    while true {
                        let pass = await deliverDue(name, now: runtime.clock.now())
                        total.delivered += pass.delivered
                        total.retried += pass.retried
                        total.dead += pass.dead
                        if pass.rows == 0 || pass.delivered + pass.dead == 0 { return total }
                    }
                }
            }
            var total = Summary()
            for await part in group {
                total.delivered += part.delivered
                total.retried += part.retried
                total.dead += part.dead
            }
            return total
        }
    }

    private func lane(_ name: String, wakeup: Wakeup) async {
        defer { runtime.endLane(name) }
        while !runtime.isStopping, !Task.isCancelled, runtime.settings.hooks[name] != nil {
            let pass = await deliverDue(name, now: runtime.clock.now())
            if pass.rows >= Self.pageSize { continue }
            // Sleep until the next delivery that waits comes due (rows behind it wait with it), a commit
            // wakes the lane, or a minute has passed.
            let now = runtime.clock.now()
            var wait = Duration.seconds(60)
            if let earliest = try? runtime.store.waitingDeliveries(hook: name, now: now).earliest {
                wait = min(wait, .seconds(max(earliest.secondsSince1970 - now.secondsSince1970, 1)))
            }
            await wakeup.wait(timeout: wait)
        }
    }

    /// One pass: the due rows of `hook`, grouped into calls (a batch hook gets the rows of one commit in
    /// one call), each attempted once, with `concurrency` calls in flight.
    func deliverDue(_ name: String, now: Timestamp) async -> Summary {
        guard let hook = runtime.settings.hooks[name] else { return Summary() }
        var rows: [Store.Delivery]
        do throws(StoreError) {
            rows = try runtime.store.pendingDeliveries(hook: name, dueBy: now, limit: Self.pageSize)
            // A feed's deliveries go in order: none passes an earlier one that waits for its retry.
            let waiting = try runtime.store.waitingDeliveries(hook: name, now: now).firstID
            if !waiting.isEmpty { rows.removeAll { row in waiting[row.feed].map { row.id > $0 } ?? false } }
            rows.sort { $0.id < $1.id }
        } catch {
            runtime.logger.error("outbox read failed", metadata: ["hook.name": "\(name)", "error": "\(error)"])
            return Summary()
        }
        let calls = Self.calls(rows, batch: hook.batch)
        var summary = Summary()
        if hook.concurrency <= 1 {
            var failedFeeds = Set<String>()
            for call in calls {
                if runtime.isStopping { break }
                guard let feed = call.first?.feed, !failedFeeds.contains(feed) else { continue }
                let step = await attempt(call, hook: hook)
                if case .retried = step { failedFeeds.insert(feed) }
                summary.add(step, rows: call.count)
            }
            return summary
        }
        await withTaskGroup(of: (Step, Int).self) { group in
            var index = 0
            for call in calls.prefix(hook.concurrency) {
                group.addTask { (await attempt(call, hook: hook), call.count) }
                index += 1
            }
            for await (step, count) in group {
                summary.add(step, rows: count)
                if index < calls.count, !runtime.isStopping {
                    let call = calls[index]
                    group.addTask { (await attempt(call, hook: hook), call.count) }
                    index += 1
                }
            }
        }
        return summary
    }

    /// Rows in calls: one each, or for a batch hook runs of rows of one commit (same feed, same time).
    static func calls(_ rows: [Store.Delivery], batch: Bool) -> [[Store.Delivery]] {
        guard batch else { return rows.map { [$0] } }
        var calls: [[Store.Delivery]] = []
        for row in rows.sorted(by: { $0.id < $1.id }) {
            if let last = calls.last?.last, last.feed == row.feed, last.created == row.created,
                last.attempt == row.attempt, last.event == row.event
            {
                calls[calls.count - 1].append(row)
            } else {
                calls.append([row])
            }
        }
        return calls
    }

    enum Step: Sendable {
        case delivered, retried, dead
    }

    /// One attempt of one call, recorded in the store.
    private func attempt(_ rows: [Store.Delivery], hook: HookSettings) async -> Step {
        guard let first = rows.first else { return .delivered }
        let store = runtime.store
        var logger = runtime.logger
        logger[metadataKey: "hook.name"] = "\(hook.name)"
        logger[metadataKey: "feed.name"] = "\(first.feed)"
        logger[metadataKey: "delivery.id"] = "\(first.id)"
        var items: [FeedItem] = []
        for row in rows {
            do throws(StoreError) {
                if let stored = try store.item(feed: row.feed, key: row.itemKey) {
                    items.append(stored.item)
                } else {
                    try await Blocking.run { () throws(StoreError) in
                        try store.markDead(row.id, error: "the item is no longer stored")
                    }
                }
            } catch {
                // A damaged body never heals: the delivery becomes a dead letter that says why, so the
                // feed's later deliveries do not wait behind it. Other failures (the disk) are retried.
                guard case .corrupt = error else {
                    logger.error("outbox read failed", metadata: ["error": "\(error.description)"])
                    return .retried
                }
                let reason = "the stored item cannot be read: \(error.description) (see `feedd store check`)"
                do throws(StoreError) {
                    try await Blocking.run { () throws(StoreError) in try store.markDead(row.id, error: reason) }
                } catch {
                    logger.error("outbox write failed", metadata: ["error": "\(error.description)"])
                    return .retried
                }
                runtime.status.update { $0.deliveryFailures += 1 }
                logger.error(
                    "delivery given up; see `feedd deliveries --dead`",
                    metadata: ["delivery.id": "\(row.id)", "error": "\(reason)"])
            }
        }
        let live = rows.filter { row in items.contains { $0.key == row.itemKey } }
        guard !items.isEmpty else { return .dead }
        // Which item, in every line about this delivery: its title (a batch: the first one's, and the count).
        logger[metadataKey: "item.title"] = "\(items[0].title ?? items[0].link ?? items[0].key)"
        if items.count > 1 { logger[metadataKey: "item.count"] = "\(items.count)" }

        let settings = runtime.settings
        let feedState = try? store.fetchState(feed: first.feed)
        let feedURL = URLCredentials.masked(settings.feeds[first.feed]?.url ?? feedState?.url ?? "")
        let id = live.count == 1 ? "\(first.id)" : "\(first.id)-\(live[live.count - 1].id)"
        let delivery = Hooks.Delivery(
            id: id, attempt: first.attempt + 1,
            feed: HookFeed(name: first.feed, title: feedState?.title, url: feedURL),
            event: first.event == .updated ? .updated : .new,
            content: hook.batch ? .batch(items) : .item(items[0]))
        let runner = HookRunner(hook: hook.hook, policy: hook.retry, clock: runtime.clock, random: runtime.random)
        // A hook's failure may quote its own URL (a webhook's), credentials and all.
        let step = await runner.attempt(delivery, firstAttemptAt: first.created).maskingCredentials
        runtime.metrics.delivery(hook: hook.name, step: step, created: live.map(\.created), now: runtime.clock.now())
        do throws(StoreError) {
            switch step {
            case .delivered(let details):
                for row in live { try store.markDelivered(row.id) }
                runtime.status.update { $0.delivered += live.count }
                // Every delivery shows in the journal, whatever the hook kind: hook, feed, item and result
                // (an exec hook's details are what it printed, a webhook's the HTTP status).
                logger.info("delivered", metadata: ["result": "delivered", "details": "\(details)"])
                return .delivered
            case .retry(let attempt, let at, let reason):
                for row in live { try store.markFailed(row.id, attempt: attempt - 1, retryAt: at, error: reason) }
                runtime.status.update { $0.deliveryFailures += 1 }
                logger.warning(
                    "delivery failed; will retry",
                    metadata: [
                        "result": "retry", "attempt": "\(attempt - 1)", "retry.at": "\(at.rfc3339)",
                        "error": "\(reason)",
                    ])
                return .retried
            case .dead(let reason):
                try await Blocking.run { () throws(StoreError) in
                    for row in live { try store.markDead(row.id, error: reason) }
                }
                runtime.status.update { $0.deliveryFailures += 1 }
                logger.error(
                    "delivery given up; see `feedd deliveries --dead`",
                    metadata: ["result": "dead", "attempt": "\(first.attempt + 1)", "error": "\(reason)"])
                return .dead
            }
        } catch {
            logger.error("outbox write failed", metadata: ["error": "\(error.description)"])
            return .retried
        }
    }
}

extension OutboxWorker.Summary {
    mutating func add(_ step: OutboxWorker.Step, rows: Int) {
        switch step {
        case .delivered: delivered += rows
        case .retried: retried += rows
        case .dead: dead += rows
        }
    }
}

extension HookRunner.Step {
    /// The step with the credentials of any URL in its text masked, for the log and the outbox.
    var maskingCredentials: Self {
        switch self {
        case .delivered(let details): return .delivered(details: URLCredentials.masking(in: details))
        case .retry(let attempt, let at, let reason):
            return .retry(attempt: attempt, at: at, reason: URLCredentials.masking(in: reason))
        case .dead(let reason): return .dead(reason: URLCredentials.masking(in: reason))
        }
    }
}
