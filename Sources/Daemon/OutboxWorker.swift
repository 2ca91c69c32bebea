import FeedModel
import Hooks
import Logging
import Store

/// Drains the outbox: one lane per hook performs what its `DeliveryLane` state machine decides for the due
/// deliveries (attempt these, record delivered, retry at a time, dead letter). Lanes are independent, so a slow or failing
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

    /// Rows read from the store per pass of a lane (at most).
    static let pageSize = 512

    /// The longest one attempt of `hook` may take, by its own time limit: an exec hook's timeout and
    /// kill grace, a webhook's timeout (the connection's included), a sendmail hook's timeout; zero for
    /// the hooks that write local files (jsonl, maildir) and those made in code. An attempt is one call:
    /// retries are later attempts, each claimed anew.
    static func attemptLimit(of hook: any Hook) -> Duration {
        switch hook {
        case let exec as ExecHook: exec.configuration.timeout + exec.configuration.killGrace
        case let webhook as WebhookHook: webhook.configuration.timeout
        case let sendmail as SendmailHook: sendmail.configuration.timeout
        default: .zero
        }
    }

    /// How many rows one pass of `hook`'s lane claims, and how long it holds them on a shared store
    /// (`FeedStore.claimDeliveries`): the calls of the pass, `concurrency` at a time, each within its
    /// attempt limit, and 60 s for reading items and writing records. On a shared store a hook with a
    /// time limit that is not a batch hook claims 4 x `concurrency` rows a pass, so that its lease stays a
    /// few attempts long; others claim a page (`pageSize`) under a lease of 4 attempts (a batch's calls
    /// are one per feed). The file store's claims never expire, so with it every lane claims a page: its
    /// due rows include those held behind a waiting one, which a small claim would let crowd out the
    /// other feeds' rows.
    static func claim(for hook: HookSettings, isShared: Bool = true) -> (limit: Int, lease: Duration) {
        let attempt = attemptLimit(of: hook.hook)
        guard isShared, attempt > .zero, !hook.batch else { return (pageSize, attempt * 4 + .seconds(60)) }
        let limit = min(pageSize, hook.concurrency * 4)
        let rounds = (limit + hook.concurrency - 1) / hook.concurrency
        return (limit, attempt * rounds + .seconds(60))
    }

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
        while !runtime.isStopping, !Task.isCancelled, let hook = runtime.settings.hooks[name] {
            // A store that does not answer: nothing is claimed until it is back (`StoreAvailability`). The
            // wait is short: the gate may open between the check and the wait (its notice then wakes only
            // the waiters already there), and a lane that waited a minute more left the new items undelivered.
            guard runtime.availability.isAvailable else {
                await runtime.availability.waitUntilAvailable(timeout: StoreAvailability.probeInterval)
                continue
            }
            let pass = await deliverDue(name, now: runtime.clock.now())
            if pass.rows >= Self.claim(for: hook, isShared: runtime.fileStore == nil).limit { continue }
            // Sleep until the next delivery that waits comes due (rows behind it wait with it), a commit
            // wakes the lane, or a minute has passed.
            let now = runtime.clock.now()
            let earliest = (try? await runtime.store.waitingDeliveries(hook: name, now: now))?.earliest
            await wakeup.wait(timeout: DeliveryLane.sleep(now: now, earliestWaiting: earliest))
        }
    }

    /// One pass over the due rows of `hook`: `DeliveryLane` decides which calls to make and what to record;
    /// this performs it (reads the rows and items, calls the hook, writes the records, logs).
    func deliverDue(_ name: String, now: Timestamp) async -> Summary {
        guard let hook = runtime.settings.hooks[name] else { return Summary() }
        let rows: [Store.Delivery]
        let waiting: [String: UInt64]
        let claim = Self.claim(for: hook, isShared: runtime.fileStore == nil)
        do throws(StoreError) {
            rows = try await runtime.store.claimDeliveries(
                hook: name, now: now, limit: claim.limit, leaseUntil: now.adding(claim.lease))
            waiting = try await runtime.store.waitingDeliveries(hook: name, now: now).firstID
        } catch {
            if !runtime.availability.note(error) {
                runtime.logger.error("outbox read failed", metadata: ["hook.name": "\(name)", "error": "\(error)"])
            }
            return Summary()
        }
        var lane = DeliveryLane(batch: hook.batch, concurrency: hook.concurrency, policy: hook.retry)
        var summary = Summary()
        await withTaskGroup(of: (DeliveryLane.Call, DeliveryLane.Attempted, Logger).self) { group in
            func start(_ calls: [DeliveryLane.Call]) {
                for call in calls {
                    group.addTask {
                        let (attempted, logger) = await attempt(call, hook: hook)
                        return (call, attempted, logger)
                    }
                }
            }
            start(lane.start(due: rows, waiting: waiting, now: now))
            for await (call, attempted, logger) in group {
                let records = lane.ended(call, attempted, now: runtime.clock.now(), unitRandom: runtime.random())
                var step = DeliveryLane.step(of: records, attempted: attempted)
                switch await record(records, of: call, hook: name, logger: logger) {
                case .written:
                    summary.add(step, rows: call.rows.count)
                case .failed:
                    step = .retried
                    summary.add(step, rows: call.rows.count)
                case .leaseLost:
                    // Another instance has these rows now: the lane drops them and holds the feed's later
                    // rows back for this pass (their order is the other instance's to keep).
                    step = .retried
                }
                if runtime.isStopping { lane.stop() }
                start(lane.recorded(call, as: step))
            }
        }
        return summary
    }

    /// The logger of one call: hook, feed and delivery id in every line.
    private func logger(for call: DeliveryLane.Call, hook: HookSettings) -> Logger {
        var logger = runtime.logger
        logger[metadataKey: "hook.name"] = "\(hook.name)"
        logger[metadataKey: "feed.name"] = "\(call.feed)"
        logger[metadataKey: "delivery.id"] = "\(call.rows[0].id)"
        return logger
    }

    /// One attempt of one call: reads its items and, when any is left, calls the hook once. Returns what
    /// came of it, and the logger for its records (hook, feed, delivery id, item title).
    private func attempt(_ call: DeliveryLane.Call, hook: HookSettings) async -> (DeliveryLane.Attempted, Logger) {
        let store = runtime.store
        var logger = logger(for: call, hook: hook)
        var attempted = DeliveryLane.Attempted()
        var items: [FeedItem] = []
        for row in call.rows {
            do throws(StoreError) {
                if let stored = try await store.item(feed: row.feed, key: row.itemKey) {
                    items.append(stored.item)
                } else {
                    attempted.lost[row.id] = .gone
                }
            } catch {
                // A damaged body never heals: the row becomes a dead letter that says why, so the feed's
                // later deliveries do not wait behind it. Other failures (the disk) are tried again later.
                guard case .corrupt = error else {
                    if !runtime.availability.note(error) {
                        logger.error("outbox read failed", metadata: ["error": "\(error.description)"])
                    }
                    attempted.readFailure = error.description
                    return (attempted, logger)
                }
                attempted.lost[row.id] = .damaged(error.description)
            }
        }
        guard !items.isEmpty else { return (attempted, logger) }
        // Which item, in every line about this delivery: its title (a batch: the first one's, and the count).
        logger[metadataKey: "item.title"] = "\(items[0].title ?? items[0].link ?? items[0].key)"
        if items.count > 1 { logger[metadataKey: "item.count"] = "\(items.count)" }
        let first = call.rows[0]
        let feedState = (try? await store.fetchState(feed: first.feed)) ?? nil
        let feedURL = URLCredentials.masked(runtime.settings.feeds[first.feed]?.url ?? feedState?.url ?? "")
        let live = call.rows.filter { attempted.lost[$0.id] == nil }
        let id = live.count == 1 ? "\(live[0].id)" : "\(live[0].id)-\(live[live.count - 1].id)"
        let delivery = Hooks.Delivery(
            id: id, attempt: call.attempt,
            feed: HookFeed(name: first.feed, title: feedState?.title, url: feedURL),
            event: first.event == .updated ? .updated : .new,
            content: hook.batch ? .batch(items) : .item(items[0]))
        // A hook's failure may quote its own URL (a webhook's), credentials and all.
        attempted.outcome = await hook.hook.deliver(delivery).maskingCredentials
        return (attempted, logger)
    }

    /// How writing the records of a call went.
    enum Written: Sendable, Hashable {
        case written
        /// The store refused a write: the call counts as retried, and its rows stay as they were.
        case failed
        /// Another instance took the rows over (their lease ran out): they are its to deliver.
        case leaseLost
    }

    /// Writes the records of one call of `hook`, logs and counts them.
    private func record(
        _ records: [DeliveryLane.Record], of call: DeliveryLane.Call, hook: String, logger: Logger
    ) async -> Written {
        let store = runtime.store
        let now = runtime.clock.now()
        func count(_ ids: [UInt64], _ result: String) {
            let created = call.rows.filter { ids.contains($0.id) }.map(\.created)
            runtime.metrics.deliveries(hook: hook, result: result, created: created, now: now)
        }
        do throws(StoreError) {
            for record in records {
                switch record {
                case .lost(let id, let reason, let isDamaged):
                    try await store.markDead(id, error: reason)
                    count([id], "dead")
                    guard isDamaged else { continue }
                    runtime.status.update { $0.deliveryFailures += 1 }
                    logger.error(
                        "delivery given up; see `feedd deliveries --dead`",
                        metadata: ["delivery.id": "\(id)", "error": "\(reason)"])
                case .delivered(let ids, let details):
                    for id in ids { try await store.markDelivered(id) }
                    count(ids, "delivered")
                    runtime.status.update { $0.delivered += ids.count }
                    // Every delivery shows in the journal, whatever the hook kind: hook, feed, item and result
                    // (an exec hook's details are what it printed, a webhook's the HTTP status).
                    logger.info("delivered", metadata: ["result": "delivered", "details": "\(details)"])
                case .retry(let ids, let attempts, let at, let reason):
                    for id in ids { try await store.markFailed(id, attempt: attempts, retryAt: at, error: reason) }
                    count(ids, "retry")
                    runtime.status.update { $0.deliveryFailures += 1 }
                    logger.warning(
                        "delivery failed; will retry",
                        metadata: [
                            "result": "retry", "attempt": "\(attempts)", "retry.at": "\(at.rfc3339)",
                            "error": "\(reason)",
                        ])
                case .dead(let ids, let attempt, let reason):
                    for id in ids { try await store.markDead(id, error: reason) }
                    count(ids, "dead")
                    runtime.status.update { $0.deliveryFailures += 1 }
                    logger.error(
                        "delivery given up; see `feedd deliveries --dead`",
                        metadata: ["result": "dead", "attempt": "\(attempt)", "error": "\(reason)"])
                }
            }
        } catch {
            if case .leaseLost(_, let owner) = error {
                logger.warning(
                    "delivery taken over by another instance; this attempt's record is dropped",
                    metadata: ["instance": "\(owner)"])
                return .leaseLost
            }
            // Cut at shutdown: the rows stay as they were, and are attempted again after the restart.
            if !runtime.availability.note(error), !Task.isCancelled {
                logger.error("outbox write failed", metadata: ["error": "\(error.description)"])
            }
            return .failed
        }
        return .written
    }
}
extension OutboxWorker.Summary {
    mutating func add(_ step: DeliveryLane.Step, rows: Int) {
        switch step {
        case .delivered: delivered += rows
        case .retried: retried += rows
        case .dead: dead += rows
        }
    }
}

extension DeliveryOutcome {
    /// The outcome with the credentials of any URL in its text masked, for the log and the outbox.
    var maskingCredentials: Self {
        switch self {
        case .delivered(let details): return .delivered(URLCredentials.masking(in: details))
        case .retry(let after, let reason): return .retry(after: after, reason: URLCredentials.masking(in: reason))
        case .permanent(let reason): return .permanent(reason: URLCredentials.masking(in: reason))
        }
    }
}
