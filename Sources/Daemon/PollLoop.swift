import FeedModel
import Fetcher
import Hooks
import Logging
import Store

/// Polls feeds as they come due, `concurrency` at a time, until the daemon stops.
///
/// One task owns the `Scheduler` (no lock, no actor: nothing else touches it). Events arrive on one
/// stream: a tick every second, a poll finished, settings reloaded, stop. After each event it starts
/// the feeds now due, as far as free slots allow.
struct PollLoop: Sendable {
    enum Event: Sendable {
        case tick
        case finished(PollReport)
    }

    let runtime: Runtime

    func run() async {
        let (events, input) = AsyncStream.makeStream(of: Event.self)
        var scheduler = Scheduler()
        var active = runtime.settings
        await addFeeds(active.settings.feeds, to: &scheduler, active: active)
        // Feeds whose next poll goes ahead even when another instance polled them since (`beginPoll`'s
        // `force`): asked for through the write API, or their URL or request changed on reload.
        var forced: Set<String> = []
        // Pauses from before a restart (`Runtime.restorePauses`); the board outlives reloads.
        for pause in runtime.hostPauses.inForce(at: runtime.clock.now()) {
            scheduler.pause(host: pause.host, until: pause.until)
        }
        let pipeline = PollPipeline(runtime: runtime)

        await withDiscardingTaskGroup { group in
            group.addTask {
                while !runtime.isStopping, !Task.isCancelled {
                    await runtime.control.wait(timeout: .seconds(1))
                    input.yield(.tick)
                }
                input.yield(.tick)
            }
            for await event in events {
                if case .finished(let report) = event {
                    Daemon.record(report, in: runtime.status)
                    runtime.pollRequests.finished(report.feed, report.kind == .cancelled ? nil : report)
                    if case .cancelled = report.kind {
                        scheduler.remove(report.feed)
                    } else {
                        scheduler.finished(
                            report.feed, nextDue: report.nextDue,
                            pause: report.hostPause.map { ($0.host, $0.until) })
                    }
                }
                runtime.status.update { $0.heartbeat &+= 1 }
                if runtime.isStopping {
                    if scheduler.pollingCount == 0 { break }
                    continue
                }
                let current = runtime.settings
                if current.settings.feeds.map(\.name) != active.settings.feeds.map(\.name)
                    || !sameFetching(current, active)
                {
                    forced.formUnion(await apply(current, replacing: active, to: &scheduler))
                    // The feeds a paused host holds back may have changed: `feedd feeds` shows them.
                    if !runtime.hostPauses.inForce(at: runtime.clock.now()).isEmpty {
                        runtime.writePauses(now: runtime.clock.now())
                    }
                }
                active = current
                // A store that does not answer: no poll starts until it is back (`StoreAvailability`); asked
                // polls wait in `pollRequests`.
                guard runtime.availability.isAvailable else { continue }
                let now = runtime.clock.now()
                // Polls asked for through the listener: due now (a feed being polled answers with that poll).
                for name in runtime.pollRequests.take() {
                    guard let feed = active.feeds[name] else {
                        runtime.pollRequests.finished(name, nil)
                        continue
                    }
                    scheduler.schedule(name, host: hostKey(of: feed.url), at: now)
                    forced.insert(name)
                }
                let free = max(active.settings.fetch.concurrency - scheduler.pollingCount, 0)
                for name in scheduler.takeDue(now: now, limit: free) {
                    guard let feed = active.feeds[name] else {
                        scheduler.remove(name)
                        continue
                    }
                    let force = forced.remove(name) != nil
                    group.addTask { input.yield(.finished(await pipeline.poll(feed, force: force))) }
                }
            }
            input.finish()
        }
    }

    /// Schedules `feeds`: stored due times where they lie ahead, the rest spread over their interval.
    private func addFeeds(_ feeds: [FeedSettings], to scheduler: inout Scheduler, active: ActiveSettings) async {
        guard !feeds.isEmpty else { return }
        let schedule = active.settings.schedule
        var entries: [(name: String, window: Duration, stored: Timestamp?)] = []
        for feed in feeds {
            let state = (try? await runtime.store.fetchState(feed: feed.name)) ?? nil
            // A stored due time counts only for the URL it was worked out for.
            let stored = state?.url == nil || state?.url == feed.url ? state?.nextDue : nil
            entries.append((feed.name, min(active.interval(of: feed), schedule.initialSpread), stored))
        }
        let due = Scheduler.initialDueTimes(
            entries, now: runtime.clock.now(), maxWait: schedule.maxInterval + schedule.backoffCap,
            randoms: feeds.map { _ in runtime.random() }, startRate: schedule.startRate)
        for feed in feeds {
            scheduler.schedule(feed.name, host: hostKey(of: feed.url), at: due[feed.name] ?? runtime.clock.now())
        }
    }

    /// Brings the scheduler in line with reloaded settings: new feeds start, removed ones stop, feeds
    /// whose URL or request changed are polled soon; the others keep their due times. Returns the feeds
    /// whose URL or request changed (their next poll is forced).
    private func apply(
        _ current: ActiveSettings, replacing old: ActiveSettings, to scheduler: inout Scheduler
    ) async -> Set<String> {
        for feed in old.settings.feeds where current.feeds[feed.name] == nil {
            scheduler.remove(feed.name)
        }
        var added: [FeedSettings] = []
        var changed: Set<String> = []
        for feed in current.settings.feeds {
            if let before = old.feeds[feed.name], scheduler.contains(feed.name) {
                if !before.fetchesLike(feed) {
                    scheduler.schedule(feed.name, host: hostKey(of: feed.url), at: runtime.clock.now())
                    changed.insert(feed.name)
                }
            } else {
                added.append(feed)
            }
        }
        await addFeeds(added, to: &scheduler, active: current)
        return changed
    }

    private func sameFetching(_ lhs: ActiveSettings, _ rhs: ActiveSettings) -> Bool {
        lhs.settings.feeds.count == rhs.settings.feeds.count
            && zip(lhs.settings.feeds, rhs.settings.feeds).allSatisfy { $0.fetchesLike($1) }
    }
}
