internal import Curl
internal import Platform

/// Sends one HTTP request with a body through a libcurl easy handle on a thread of its own, and
/// hands the response back to the waiting task.
///
/// Why not `HTTPFetcher`: its driver is built for polite conditional GETs (per-host queues,
/// redirects followed by hand, validators) and lives in `Fetcher`, which `Hooks` must not import.
/// Deliveries are few (one per new item and hook, bounded by each hook's concurrency), so a
/// blocking `curl_easy_perform` on a short-lived thread per request is simple and enough; the
/// thread ends when the transfer does, and every transfer has a total timeout.
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

    static func send(_ request: Request) async -> Result<CurlResponse, CurlError> {
        await withCheckedContinuation { continuation in
            do throws(SystemError) {
                try OSThread.start {
                    continuation.resume(returning: perform(request))
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

    /// Runs on the transfer's own thread: the easy handle is made, used and freed there.
    private static func perform(_ request: Request) -> Result<CurlResponse, CurlError> {
        do throws(CurlError) {
            var easy = try CurlEasy()
            try easy.setURL(request.url)
            try easy.setConnectTimeout(request.connectTimeout)
            try easy.setTimeout(request.timeout)
            try easy.setUserAgent(request.userAgent)
            try easy.setAcceptAllEncodings()
            easy.setMaxBodySize(request.maxResponseSize)
            try easy.setRequestHeaders(request.headers)
            try easy.setRequestBody(request.body, method: request.method)
            return .success(try easy.perform())
        } catch {
            return .failure(error)
        }
    }
}
