import FeedModel

/// Which feeds are due, as a state machine: events in (feeds added or removed, polls finished), due
/// feeds out. No clock and no I/O: the poll loop passes `now` (STYLE.md section 5).
///
/// Due times sit in a binary heap, so finding the due feeds costs O(log n) each, never a scan. A host
/// that answered 429 or 503 is paused: its feeds that come due meanwhile wait for the end of the pause
/// (per host, since every feed of an overloaded server would get the same answer).
struct Scheduler: Sendable {
    private struct Slot: Sendable {
        var host: String
        var due: Timestamp
        /// Tells the slot's current heap entry from stale ones (lazy deletion).
        var generation: UInt64
        var isPolling = false
    }

    private var slots: [String: Slot] = [:]
    private var queue = DueQueue()
    private var pausedHosts: [String: Timestamp] = [:]
    private var generation: UInt64 = 0

    /// Feeds known.
    var count: Int { slots.count }

    /// Feeds being polled.
    private(set) var pollingCount = 0

    /// Adds `feed` (or moves it) to be due at `due`. A feed being polled keeps polling; `finished` then
    /// sets its next due time.
    mutating func schedule(_ feed: String, host: String, at due: Timestamp) {
        generation += 1
        if var slot = slots[feed] {
            slot.host = host
            slot.due = due
            slot.generation = generation
            slots[feed] = slot
            if slot.isPolling { return }
        } else {
            slots[feed] = Slot(host: host, due: due, generation: generation)
        }
        queue.push(DueQueue.Entry(due: due.secondsSince1970, generation: generation, feed: feed))
    }

    /// Forgets `feed`; a poll of it in flight finishes, and is then ignored.
    mutating func remove(_ feed: String) {
        if let slot = slots.removeValue(forKey: feed), slot.isPolling { pollingCount -= 1 }
    }

    /// Whether `feed` is known.
    func contains(_ feed: String) -> Bool { slots[feed] != nil }

    /// The due time of `feed`, if known.
    func due(of feed: String) -> Timestamp? { slots[feed]?.due }

    /// Up to `limit` feeds due at `now`, earliest first, now marked as polling. Feeds of a paused host
    /// move to the end of its pause instead.
    mutating func takeDue(now: Timestamp, limit: Int) -> [String] {
        var taken: [String] = []
        while taken.count < limit, let top = queue.peek(), top.due <= now.secondsSince1970 {
            queue.pop()
            guard var slot = slots[top.feed], slot.generation == top.generation, !slot.isPolling else { continue }
            if let pausedUntil = pausedHosts[slot.host] {
                if pausedUntil > now {
                    schedule(top.feed, host: slot.host, at: pausedUntil)
                    continue
                }
                pausedHosts[slot.host] = nil
            }
            slot.isPolling = true
            slots[top.feed] = slot
            pollingCount += 1
            taken.append(top.feed)
        }
        return taken
    }

    /// A poll of `feed` ended: it is due again at `nextDue`. With `pause`, the paused host (the feed's,
    /// or the one a redirect led to) gets no feed handed over before `pause.until`.
    mutating func finished(_ feed: String, nextDue: Timestamp, pause: (host: String, until: Timestamp)? = nil) {
        if let pause { self.pause(host: pause.host, until: pause.until) }
        guard var slot = slots[feed] else { return }
        if slot.isPolling {
            slot.isPolling = false
            pollingCount -= 1
        }
        slots[feed] = slot
        schedule(feed, host: slot.host, at: nextDue)
    }

    /// Hands over no feed of `host` before `until` (a later pause already known stays).
    mutating func pause(host: String, until: Timestamp) {
        pausedHosts[host] = max(pausedHosts[host] ?? until, until)
    }

    /// The earliest due time of a feed waiting, if any (stale heap entries are dropped on the way).
    mutating func nextDueTime() -> Timestamp? {
        while let top = queue.peek() {
            if let slot = slots[top.feed], slot.generation == top.generation, !slot.isPolling {
                return Timestamp(secondsSince1970: top.due)
            }
            queue.pop()
        }
        return nil
    }

    /// First due times for feeds at start-up or when added: a stored due time in the future is kept
    /// (capped at `maxWait` from now); the others (new, or overdue) are spread evenly over their own
    /// window with a random offset within each feed's share, so that they never all start at once.
    ///
    /// - Parameters:
    ///   - feeds: name, the window to spread over (its interval capped by `initialSpread`), stored due time.
    ///   - randoms: one number in `0..<1` per feed (in order).
    ///   - startRate: feeds per second the spread starts at most: a few feeds start within a second (a
    ///     new user sees stories at once), ten thousand spread over the whole window.
    static func initialDueTimes(
        _ feeds: [(name: String, window: Duration, stored: Timestamp?)], now: Timestamp, maxWait: Duration,
        randoms: [Double], startRate: Double = .infinity
    ) -> [String: Timestamp] {
        var due: [String: Timestamp] = [:]
        var spread: [(name: String, window: Duration, random: Double)] = []
        let latest = now.secondsSince1970 + SchedulePolicy.seconds(maxWait)
        for (index, feed) in feeds.enumerated() {
            if let stored = feed.stored, stored > now {
                due[feed.name] = Timestamp(secondsSince1970: min(stored.secondsSince1970, latest))
            } else {
                spread.append((feed.name, feed.window, index < randoms.count ? randoms[index] : 0))
            }
        }
        let count = Double(max(spread.count, 1))
        let fastest = startRate.isFinite && startRate > 0 ? count / startRate : .infinity
        for (position, feed) in spread.enumerated() {
            let window = min(Double(SchedulePolicy.seconds(feed.window)), fastest)
            let offset = window * (Double(position) + min(max(feed.random, 0), 0.999)) / count
            due[feed.name] = Timestamp(secondsSince1970: now.secondsSince1970 + Int64(offset))
        }
        return due
    }
}

/// A binary min-heap of due times (ties broken by generation, so equal times keep their order).
struct DueQueue: Sendable {
    struct Entry: Sendable {
        var due: Int64
        var generation: UInt64
        var feed: String

        func precedes(_ other: Entry) -> Bool { (due, generation) < (other.due, other.generation) }
    }

    private var entries: [Entry] = []

    var count: Int { entries.count }

    func peek() -> Entry? { entries.first }

    mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func pop() -> Entry? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let top = entries.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < entries.count && entries[left].precedes(entries[smallest]) { smallest = left }
            if right < entries.count && entries[right].precedes(entries[smallest]) { smallest = right }
            if smallest == parent { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
