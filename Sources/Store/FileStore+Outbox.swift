public import FeedModel

extension FileStore {
    /// Pending deliveries (not held, not dead) in the order they are due, at most `limit`; with `dueBy`,
    /// only those whose next attempt is at or before it.
    public func pendingDeliveries(dueBy: Timestamp? = nil, limit: Int = .max) throws(StoreError) -> [Delivery] {
        try deliveries(status: .pending, dueBy: dueBy, limit: limit)
    }

    /// Deliveries given up on (the dead-letter list).
    public func deadDeliveries(limit: Int = .max) throws(StoreError) -> [Delivery] {
        try deliveries(status: .dead, dueBy: nil, limit: limit)
    }

    private func deliveries(status: Delivery.Status, dueBy: Timestamp?, limit: Int) throws(StoreError) -> [Delivery] {
        try locked { (inner) throws(StoreError) -> [Delivery] in
            var found = inner.state.outbox.values.filter { delivery in
                delivery.status == status && (dueBy.map { delivery.nextAttempt <= $0 } ?? true)
            }
            found.sort { ($0.nextAttempt, $0.id) < ($1.nextAttempt, $1.id) }
            return Array(found.prefix(limit))
        }
    }

    /// The hook succeeded: the delivery leaves the outbox. Appended without `fsync` (a crash before the
    /// next sync may deliver it again: delivery is at least once).
    public func markDelivered(_ id: UInt64) throws(StoreError) {
        try change(id, mode: .written) { _ in nil }
    }

    /// The hook failed; it is tried again at `retryAt`. Appended without `fsync`.
    public func markFailed(_ id: UInt64, attempt: Int, retryAt: Timestamp, error: String) throws(StoreError) {
        try change(id, mode: .written) { delivery in
            delivery.attempt = attempt
            delivery.nextAttempt = retryAt
            delivery.lastError = error
            return delivery
        }
    }

    /// The hook gave up: the delivery becomes dead until `retryDead`.
    public func markDead(_ id: UInt64, error: String) throws(StoreError) {
        try change(id, mode: .durable) { delivery in
            delivery.status = .dead
            delivery.lastError = error
            return delivery
        }
    }

    /// Queues dead deliveries again (of one hook, or all), due at `now` with their attempts reset.
    /// Returns how many.
    @discardableResult
    public func retryDead(hook: String? = nil, now: Timestamp) throws(StoreError) -> Int {
        try changeAll(where: { $0.status == .dead && (hook == nil || $0.hook == hook) }) { delivery in
            delivery.status = .pending
            delivery.attempt = 0
            delivery.nextAttempt = now
            return delivery
        }
    }

    /// Deliveries held by the flood guard, per feed.
    public func held() throws(StoreError) -> [HeldFeed] {
        try locked { (inner) throws(StoreError) -> [HeldFeed] in
            var byFeed: [String: [Delivery]] = [:]
            for delivery in inner.state.outbox.values where delivery.status == .held {
                byFeed[delivery.feed, default: []].append(delivery)
            }
            return byFeed.map { feed, deliveries in
                HeldFeed(feed: feed, deliveries: deliveries.sorted { $0.id < $1.id })
            }.sorted { $0.feed < $1.feed }
        }
    }

    /// Lets a feed's held deliveries go (due at `now`). Returns how many.
    @discardableResult
    public func release(feed: String, now: Timestamp) throws(StoreError) -> Int {
        try changeAll(where: { $0.status == .held && $0.feed == feed }) { delivery in
            delivery.status = .pending
            delivery.nextAttempt = now
            return delivery
        }
    }

    /// Drops a feed's held deliveries: the items stay stored and known, nobody is told. Returns how many.
    @discardableResult
    public func drop(feed: String) throws(StoreError) -> Int {
        try changeAll(where: { $0.status == .held && $0.feed == feed }) { _ in nil }
    }

    /// Applies `body` to one delivery: a new value replaces it, nil removes it.
    private func change(_ id: UInt64, mode: WriteMode, _ body: (inout Delivery) -> Delivery?) throws(StoreError) {
        try locked { (inner) throws(StoreError) in
            try checkWritable(inner)
            guard var delivery = inner.state.outbox[id] else { throw .unknownDelivery(id) }
            let operation = operation(for: body(&delivery), id: id, in: inner.state)
            try append([operation], mode: mode, to: &inner)
        }
    }

    private func changeAll(
        where matches: (Delivery) -> Bool, _ body: (inout Delivery) -> Delivery?
    ) throws(StoreError) -> Int {
        try locked { (inner) throws(StoreError) -> Int in
            try checkWritable(inner)
            var operations: [Operation] = []
            for var delivery in inner.state.outbox.values where matches(delivery) {
                operations.append(operation(for: body(&delivery), id: delivery.id, in: inner.state))
            }
            try append(operations, mode: .durable, to: &inner)
            return operations.count
        }
    }

    private func operation(for delivery: Delivery?, id: UInt64, in state: StoreState) -> Operation {
        guard let delivery else { return .removeDelivery(id: id) }
        return .putDelivery(feed: state.feedNumbers[delivery.feed] ?? 0, delivery: delivery)
    }
}

extension FileStore {
    /// How many deliveries wait in the outbox, by status (for metrics: a count, no copies).
    public func deliveryCounts() throws(StoreError) -> [Delivery.Status: Int] {
        try locked { (inner) throws(StoreError) -> [Delivery.Status: Int] in
            var counts: [Delivery.Status: Int] = [.pending: 0, .held: 0, .dead: 0]
            for delivery in inner.state.outbox.values { counts[delivery.status, default: 0] += 1 }
            return counts
        }
    }
}
