internal import Curl
import FeedModel
import Platform

/// The loop of the fetcher's driver thread: the only code that touches the multi handle and the
/// easy handles. Everything here is confined to that thread, so none of it is `Sendable`.
final class FetchDriver {
    private let configuration: HTTPFetcher.Configuration
    private let inbox: FetchInbox
    private let multi: CurlMulti
    /// Idle easy handles, reused for the next transfers.
    private var pool: [EasySlot] = []
    /// Transfers in flight, by `CurlEasy.id` of their handle.
    private var active: [Int: Transfer] = [:]
    /// Per `host:port`: transfers waiting and how many are in flight.
    private var hosts: [String: HostQueue] = [:]
    /// Hosts with a waiting transfer and room under the per-host limit, in turn order.
    private var readyHosts = FIFO<String>()
    /// Hosts that answered 429 or 503 with `Retry-After`, until when.
    private var pauses = HostPauseTable()

    private init(configuration: HTTPFetcher.Configuration, inbox: FetchInbox, multi: consuming CurlMulti) {
        self.configuration = configuration
        self.inbox = inbox
        self.multi = multi
    }

    /// Runs until shutdown; then fails whatever is left with `.cancelled`.
    static func run(configuration: HTTPFetcher.Configuration, inbox: FetchInbox) {
        let multi: CurlMulti
        do {
            // Idle connections kept for reuse: enough for every transfer in flight, and more.
            multi = try CurlMulti(maxConnections: configuration.maxTransfers * 2)
        } catch {
            for pending in inbox.close() {
                pending.finish(.failure(.other(url: pending.request.url, detail: error.description)))
            }
            return
        }
        inbox.open(waker: multi.waker)
        let driver = FetchDriver(configuration: configuration, inbox: inbox, multi: multi)
        let reason = driver.loop()
        driver.stop(reason: reason)
    }

    /// Returns nil on a requested shutdown, or the multi-handle failure that ended the loop.
    private func loop() -> CurlError? {
        var submitted: [PendingFetch] = []
        var cancelled: [UInt64] = []
        var restored: [HostPause] = []
        while true {
            if inbox.drain(submitted: &submitted, cancelled: &cancelled, pauses: &restored) {
                return nil
            }
            for pause in restored {
                pauses.restore(pause, now: .now, wallNow: Self.wallNow())
                refuseWaiting(host: pause.host)
            }
            restored.removeAll(keepingCapacity: true)
            for pending in submitted {
                accept(pending)
            }
            submitted.removeAll(keepingCapacity: true)
            for id in cancelled {
                abort(id)
            }
            cancelled.removeAll(keepingCapacity: true)
            do {
                startReady()
                try multi.perform()
                while let completion = multi.nextCompletion() {
                    complete(completion)
                }
                startReady()
                // curl_multi_poll also returns when libcurl's own next timeout is due, and at once
                // after new handles were added; the cap only bounds an idle wait.
                try multi.poll(timeoutMilliseconds: 1000)
            } catch {
                return error
            }
        }
    }

    private func stop(reason: CurlError?) {
        let result: (String) -> FetchResult = { url in
            guard let reason else {
                return .failure(.cancelled(url: url))
            }
            return .failure(.other(url: url, detail: "the fetcher stopped: \(reason.description)"))
        }
        for (_, transfer) in active {
            if let slot = transfer.slot {
                try? multi.remove(slot.easy)
            }
            transfer.pending.finish(result(transfer.pending.request.url))
        }
        active = [:]
        for (_, queue) in hosts {
            while let transfer = queue.waiting.popFirst() {
                transfer.pending.finish(result(transfer.pending.request.url))
            }
        }
        hosts = [:]
        // After close() no thread wakes the multi handle any more, so it may be freed.
        for pending in inbox.close() {
            pending.finish(result(pending.request.url))
        }
        pool = []
    }

    // MARK: Queues

    private func accept(_ pending: PendingFetch) {
        guard !pending.isFinished else {
            return
        }
        let limits = pending.request.limits ?? configuration.limits
        guard let target = CurlURL(pending.request.url) else {
            pending.finish(.failure(.other(url: pending.request.url, detail: "not a valid URL")))
            return
        }
        guard ["http", "https", "file"].contains(target.scheme) else {
            pending.finish(
                .failure(
                    .other(
                        url: pending.request.url,
                        detail: "URL scheme \"\(target.scheme)\" not allowed (use http, https or file)"
                    )
                )
            )
            return
        }
        enqueue(Transfer(pending: pending, target: target, limits: limits))
    }

    private func enqueue(_ transfer: Transfer) {
        let key = transfer.target.hostKey
        if let pause = pauses.pause(of: key, at: .now) {
            // Not queued: the caller reschedules it for the end of the pause and keeps its slot free.
            transfer.pending.finish(.failure(.hostPaused(url: transfer.pending.request.url, pause: pause)))
            return
        }
        let queue: HostQueue
        if let existing = hosts[key] {
            queue = existing
        } else {
            queue = HostQueue()
            hosts[key] = queue
        }
        queue.waiting.append(transfer)
        if !queue.isListed, queue.active < configuration.maxTransfersPerHost {
            queue.isListed = true
            readyHosts.append(key)
        }
    }

    private func startReady() {
        while active.count < configuration.maxTransfers, let key = readyHosts.popFirst() {
            guard let queue = hosts[key] else {
                continue
            }
            queue.isListed = false
            guard queue.active < configuration.maxTransfersPerHost else {
                continue
            }
            while let transfer = queue.waiting.popFirst() {
                // Cancelled while queued: its caller has its answer already.
                guard !transfer.pending.isFinished else {
                    continue
                }
                queue.active += 1
                start(transfer, hostKey: key)
                break
            }
            if !queue.waiting.isEmpty, queue.active < configuration.maxTransfersPerHost {
                queue.isListed = true
                readyHosts.append(key)
            } else if queue.waiting.isEmpty, queue.active == 0 {
                hosts[key] = nil
            }
        }
    }

    /// One transfer of `hostKey` ended: its place goes to the next one waiting.
    private func release(hostKey key: String) {
        guard let queue = hosts[key] else {
            return
        }
        queue.active -= 1
        if queue.waiting.isEmpty {
            if queue.active == 0 {
                hosts[key] = nil
            }
        } else if !queue.isListed {
            queue.isListed = true
            readyHosts.append(key)
        }
    }

    // MARK: Transfers

    private func start(_ transfer: Transfer, hostKey: String) {
        let slot: EasySlot
        do throws(CurlError) {
            if let idle = pool.popLast() {
                slot = idle
            } else {
                slot = try EasySlot()
            }
        } catch {
            release(hostKey: hostKey)
            transfer.pending.finish(.failure(.other(url: transfer.pending.request.url, detail: error.description)))
            return
        }
        do {
            try TransferSetup.configure(&slot.easy, for: transfer, configuration: configuration)
            try multi.add(slot.easy)
        } catch {
            pool.append(slot)
            release(hostKey: hostKey)
            transfer.pending.finish(.failure(FetchError(error, transfer: transfer)))
            return
        }
        transfer.slot = slot
        active[slot.easy.id] = transfer
    }

    private func complete(_ completion: CurlMulti.Completion) {
        guard let transfer = active.removeValue(forKey: completion.handleID), let slot = transfer.slot else {
            return
        }
        transfer.slot = nil
        // Removing a handle that the multi handle holds only fails on a bug; the result is read anyway.
        try? multi.remove(slot.easy)
        let arrival = ContinuousClock.now
        let outcome = Result { () throws(CurlError) in try slot.easy.finish(completion) }
        pool.append(slot)
        let host = transfer.target.hostKey
        var pause: HostPause?
        if case .success(let response) = outcome {
            // Before the host's slot is released, so that nothing waiting starts in the meantime.
            pause = notePause(response, host: host, arrival: arrival)
        }
        release(hostKey: host)
        guard !transfer.pending.isFinished else {
            return
        }
        switch outcome {
        case .failure(let error):
            transfer.pending.finish(.failure(FetchError(error, transfer: transfer)))
        case .success(let response):
            switch transfer.next(after: response) {
            case .finished(.failure(.httpStatus(let url, let code, let retryAfter, _))):
                transfer.pending.finish(
                    .failure(.httpStatus(url: url, code: code, retryAfter: retryAfter, hostPause: pause)))
            case .finished(let result):
                transfer.pending.finish(result)
            case .redirect:
                enqueue(transfer)
            }
        }
    }

    // MARK: Pauses

    /// Starts the pause a 429 (or a 503 with `Retry-After`) asks for, counted from `arrival`, and hands
    /// the transfers waiting for `host` back to their callers. Returns the pause in force, if any.
    private func notePause(_ response: CurlResponse, host: String, arrival: ContinuousClock.Instant) -> HostPause? {
        let status = response.httpStatus
        guard status == 429 || status == 503 else {
            return nil
        }
        let wallNow = Self.wallNow()
        let retryAfter = ResponseSummary(response.headers).cacheHints.retryAfter
        guard
            let duration = configuration.hostPause.pause(
                status: status, retryAfter: retryAfter, now: wallNow.timestamp)
        else {
            return nil
        }
        let pause = pauses.begin(host: host, status: status, duration: duration, arrival: arrival, wallNow: wallNow)
        refuseWaiting(host: host)
        return pause
    }

    /// Ends every fetch waiting for `host` with `.hostPaused`, if the host is paused.
    private func refuseWaiting(host: String) {
        guard let queue = hosts[host], let pause = pauses.pause(of: host, at: .now) else {
            return
        }
        while let transfer = queue.waiting.popFirst() {
            transfer.pending.finish(.failure(.hostPaused(url: transfer.pending.request.url, pause: pause)))
        }
        if queue.active == 0, !queue.isListed {
            hosts[host] = nil
        }
    }

    private static func wallNow() -> WallTime {
        let (seconds, nanoseconds) = OS.wallClock()
        return WallTime(seconds: seconds, nanoseconds: nanoseconds)
    }

    /// Takes a cancelled fetch's transfer off the network, if it is in flight. (One still queued
    /// is skipped when its turn comes; its caller already has `.cancelled`.)
    private func abort(_ id: UInt64) {
        guard let (handleID, transfer) = active.first(where: { $0.value.pending.id == id }),
            let slot = transfer.slot
        else {
            return
        }
        active[handleID] = nil
        transfer.slot = nil
        try? multi.remove(slot.easy)
        pool.append(slot)
        release(hostKey: transfer.target.hostKey)
    }
}

/// A pooled easy handle. A class, so that the non-copyable handle can sit in arrays and
/// dictionaries; confined to the driver thread like the handle.
final class EasySlot {
    var easy: CurlEasy

    init() throws(CurlError) {
        easy = try CurlEasy()
    }
}

/// The waiting transfers of one `host:port` and how many of its transfers are in flight.
final class HostQueue {
    var waiting = FIFO<Transfer>()
    var active = 0
    /// True while the host is in the driver's `readyHosts`.
    var isListed = false
}

/// A first-in first-out queue: an array and a read index, compacted as it drains.
struct FIFO<Element> {
    private var storage: [Element?] = []
    private var head = 0

    var isEmpty: Bool {
        head == storage.count
    }

    mutating func append(_ element: Element) {
        storage.append(element)
    }

    mutating func popFirst() -> Element? {
        guard head < storage.count else {
            return nil
        }
        let element = storage[head]
        storage[head] = nil
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }
}
