internal import CCurl

/// One libcurl multi handle: runs many easy handles' transfers at once on one thread.
///
/// The struct is the handle's only owner and frees it in `deinit`; it and every easy handle
/// added to it belong to one thread (the fetcher's driver thread). Only `Waker` may be used from
/// other threads. Connections and the DNS cache are shared by the handles it runs, and HTTP/2
/// connections are multiplexed (`CURLMOPT_PIPELINING = CURLPIPE_MULTIPLEX`).
public struct CurlMulti: ~Copyable {
    let handle: UnsafeMutableRawPointer

    /// A finished transfer: which easy handle (`CurlEasy.id`) and libcurl's result for it.
    /// Pass it to `CurlEasy.finish(_:)` after `remove(_:)`.
    public struct Completion: Sendable {
        public let handleID: Int
        let code: CURLcode
    }

    /// Wakes a `poll` in progress from any thread (`curl_multi_wakeup` is thread-safe).
    ///
    /// It holds the multi handle's address without owning it: the owner must make sure no
    /// thread calls `wake()` once the `CurlMulti` is gone (the fetcher does so under its inbox lock).
    public struct Waker: @unchecked Sendable {
        let handle: UnsafeMutableRawPointer

        /// Makes the current or next `poll` return at once.
        public func wake() {
            // The only failure is a bad handle, which the owner's rule above rules out.
            _ = curl_multi_wakeup(handle)
        }
    }

    /// Makes a multi handle that multiplexes HTTP/2 and keeps at most `maxConnections` idle
    /// connections open for reuse.
    public init(maxConnections: Int) throws(CurlError) {
        try CurlGlobal.initialize()
        guard let handle = curl_multi_init() else {
            throw .handleCreation
        }
        do {
            // 2 is CURLPIPE_MULTIPLEX (libcurl's default since 7.62, set so that it stays so).
            try Self.check(feedd_curl_multi_setopt_long(handle, CURLMOPT_PIPELINING, 2), "CURLMOPT_PIPELINING")
            try Self.check(
                feedd_curl_multi_setopt_long(handle, CURLMOPT_MAXCONNECTS, max(maxConnections, 1)),
                "CURLMOPT_MAXCONNECTS"
            )
        } catch {
            _ = curl_multi_cleanup(handle)
            throw error
        }
        self.handle = handle
    }

    deinit {
        // Every easy handle must have been removed first; the fetcher does so before dropping this.
        _ = curl_multi_cleanup(handle)
    }

    /// The waker for this handle.
    public var waker: Waker {
        Waker(handle: handle)
    }

    /// Starts running `easy`'s transfer, as set up by its options; clears what the last one left.
    public func add(_ easy: borrowing CurlEasy) throws(CurlError) {
        easy.prepareTransfer()
        try Self.check(curl_multi_add_handle(handle, easy.handle), "curl_multi_add_handle")
    }

    /// Stops running `easy`'s transfer (finished or not). The handle can then be reused.
    public func remove(_ easy: borrowing CurlEasy) throws(CurlError) {
        try Self.check(curl_multi_remove_handle(handle, easy.handle), "curl_multi_remove_handle")
    }

    /// Does whatever network work is ready now without blocking; returns how many transfers run.
    @discardableResult
    public func perform() throws(CurlError) -> Int {
        var running: Int32 = 0
        try Self.check(curl_multi_perform(handle, &running), "curl_multi_perform")
        return Int(running)
    }

    /// Blocks until a transfer's socket is ready, libcurl's next timeout is due, `timeoutMilliseconds`
    /// passed, or a `Waker` woke it.
    public func poll(timeoutMilliseconds: Int) throws(CurlError) {
        var ready: Int32 = 0
        try Self.check(
            curl_multi_poll(handle, nil, 0, Int32(clamping: timeoutMilliseconds), &ready),
            "curl_multi_poll"
        )
    }

    /// The next finished transfer, or nil when none is waiting to be read.
    public func nextCompletion() -> Completion? {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(handle, &queued) {
            if message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle {
                return Completion(handleID: Int(bitPattern: easy), code: message.pointee.data.result)
            }
        }
        return nil
    }

    private static func check(_ code: CURLMcode, _ name: String) throws(CurlError) {
        guard code != CURLM_OK else {
            return
        }
        throw .multi(name: name, code: Int(code.rawValue), message: String(cString: curl_multi_strerror(code)))
    }
}
