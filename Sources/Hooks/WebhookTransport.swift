internal import Curl
internal import Platform
internal import Synchronization

/// Sends one HTTP request with a body through a libcurl easy handle on a thread of its own, and
/// hands the response back to the waiting task.
///
/// Why not `HTTPFetcher`: its driver is built for polite conditional GETs (per-host queues,
/// redirects followed by hand, validators) and lives in `Fetcher`, which `Hooks` must not import.
/// Deliveries are few (one per new item and hook, bounded by each hook's concurrency), so a
/// blocking `curl_easy_perform` on a short-lived thread per request is simple and enough; the
/// thread ends when the transfer does, and every transfer has a total timeout.
///
/// The easy handles outlive their transfers in a small pool of each hook: a handle keeps its
/// connections (and TLS sessions), so the next delivery to the same endpoint reuses the open connection
/// instead of a new TCP and TLS handshake each time. A handle serves one transfer at a time; libcurl
/// opens a new connection by itself when the server has closed the kept one.
enum WebhookTransport {
    struct Request: Sendable {
        var url: String
        var method: String
        var headers: [HeaderField]
        var body: [UInt8]
        var userAgent: String
        var connectTimeout: Duration
        var timeout: Duration
        var maxResponseSize: Int
    }

    static func send(_ request: Request, pool: EasyPool) async -> Result<CurlResponse, CurlError> {
        await withCheckedContinuation { continuation in
            do throws(SystemError) {
                try OSThread.start {
                    continuation.resume(returning: perform(request, pool: pool))
                }
            } catch {
                continuation.resume(
                    returning: .failure(
                        .transfer(
                            CurlError.Transfer(
                                reason: .other, url: request.url, code: 0,
                                message: "cannot start a thread for the transfer: \(error)"))))
            }
        }
    }

    /// Runs on the transfer's own thread, with a handle from the pool that goes back to it afterwards.
    private static func perform(_ request: Request, pool: EasyPool) -> Result<CurlResponse, CurlError> {
        do throws(CurlError) {
            let pooled = try pool.take()
            defer { pool.give(pooled) }
            try pooled.easy.setURL(request.url)
            try pooled.easy.setConnectTimeout(request.connectTimeout)
            try pooled.easy.setTimeout(request.timeout)
            try pooled.easy.setUserAgent(request.userAgent)
            try pooled.easy.setAcceptAllEncodings()
            pooled.easy.setMaxBodySize(request.maxResponseSize)
            try pooled.easy.setRequestHeaders(request.headers)
            try pooled.easy.setRequestBody(request.body, method: request.method)
            return .success(try pooled.easy.perform())
        } catch {
            return .failure(error)
        }
    }
}

/// Easy handles kept between transfers (see `WebhookTransport`).
final class EasyPool: Sendable {
    /// A handle out of the pool, used by one thread at a time: `take` hands it to exactly one caller, who
    /// gives it back when the transfer is over.
    final class Pooled: @unchecked Sendable {
        var easy: CurlEasy

        init(_ easy: consuming CurlEasy) {
            self.easy = easy
        }
    }

    private let capacity: Int
    private let idle = Mutex<[Pooled]>([])

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The most recently used idle handle, reset to feedd's defaults, or a new one.
    func take() throws(CurlError) -> Pooled {
        if let reused = idle.withLock({ $0.popLast() }) {
            try reused.easy.reset()
            return reused
        }
        return Pooled(try CurlEasy())
    }

    /// Keeps the handle for the next transfer, unless enough are idle already (then it is freed).
    func give(_ pooled: Pooled) {
        idle.withLock { handles in
            if handles.count < capacity { handles.append(pooled) }
        }
    }

}
