internal import Curl
internal import Dispatch
public import Platform
internal import Synchronization

/// Runs thousands of HTTP transfers at once, politely, on one libcurl multi handle.
///
/// One dedicated thread (the driver) owns the multi handle and every easy handle; callers never
/// touch them. `fetch(_:)` hands a request to the driver through a locked inbox and waits on a
/// continuation that the driver resumes exactly once. The driver:
/// - queues requests per `host:port` and starts at most `maxTransfersPerHost` of them at a time
///   for one host, and at most `maxTransfers` overall. The queue is ours, not libcurl's
///   (`CURLMOPT_MAX_HOST_CONNECTIONS` limits connections, and under HTTP/2 one connection
///   carries many streams), so the limit holds for requests in flight whatever the protocol;
/// - pauses a host that answers 429 (or 503 with `Retry-After`) from the moment the answer
///   arrived (`HostPause`): the fetches waiting for it, and any asked for until the pause ends,
///   end at once with `.hostPaused` instead of holding a slot for hours; those in flight finish;
/// - reuses easy handles from a pool (`curl_easy_reset`, then the defaults again), so that
///   connections, TLS sessions and the DNS cache carry over from one transfer to the next;
/// - follows redirects itself (libcurl's `CURLINFO_REDIRECT_URL`, no `CURLOPT_FOLLOWLOCATION`):
///   that way it sees every hop's status (is the chain permanent?), detects loops, refuses
///   schemes other than http and https, drops credentials on a change of host, and queues each
///   hop under its own host's limit.
///
/// Shut it down with `shutdown()` (or let it go: `deinit` does it); pending fetches then end
/// with `.cancelled`.
///
/// `Sendable`: its stored properties are immutable and the inbox is guarded by a `Mutex`.
public final class HTTPFetcher: Sendable {
    /// Identity, defaults and politeness of a fetcher.
    public struct Configuration: Sendable, Hashable {
        /// The `User-Agent` of every request.
        public var userAgent: String
        /// The `Accept` field of every request, unless a request gives its own.
        public var accept: String
        /// Limits of requests that set none.
        public var limits: FetchLimits
        /// Transfers in flight at once, over all hosts (config `concurrency`).
        public var maxTransfers: Int
        /// Transfers in flight at once to one `host:port` (config `per_host`); more wait their turn.
        public var maxTransfersPerHost: Int
        /// Which answers pause their host (429, 503 with `Retry-After`) and for how long.
        public var hostPause: HostPausePolicy

        /// `feedd/<version> (+https://github.com/feedd/feedd)`.
        public static let defaultUserAgent = "feedd/\(FeeddVersion.current) (+https://github.com/feedd/feedd)"

        /// What feed readers ask for: feed types first, then XML and JSON, then anything.
        public static let defaultAccept =
            "application/rss+xml, application/atom+xml, application/feed+json, "
            + "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

        /// 64 transfers in flight, 2 per host, the default limits.
        public init(
            userAgent: String = Configuration.defaultUserAgent,
            accept: String = Configuration.defaultAccept,
            limits: FetchLimits = FetchLimits(),
            maxTransfers: Int = 64,
            maxTransfersPerHost: Int = 2,
            hostPause: HostPausePolicy = HostPausePolicy()
        ) {
            self.userAgent = userAgent
            self.accept = accept
            self.limits = limits
            self.maxTransfers = maxTransfers
            self.maxTransfersPerHost = maxTransfersPerHost
            self.hostPause = hostPause
        }
    }

    /// The configuration it was made with.
    public let configuration: Configuration
    private let inbox: FetchInbox
    private let nextID = Atomic<UInt64>(0)
    /// Left by the driver thread when it ends; `shutdown()` waits for it.
    private let driverEnded = DispatchGroup()

    /// Starts the driver thread. Throws when the system cannot start a thread (out of threads or
    /// memory).
    public init(configuration: Configuration = Configuration()) throws(SystemError) {
        var configuration = configuration
        configuration.maxTransfers = max(configuration.maxTransfers, 1)
        configuration.maxTransfersPerHost = max(configuration.maxTransfersPerHost, 1)
        self.configuration = configuration
        let inbox = FetchInbox()
        self.inbox = inbox
        let ended = driverEnded
        ended.enter()
        let settled = configuration
        do throws(SystemError) {
            try OSThread.start {
                FetchDriver.run(configuration: settled, inbox: inbox)
                ended.leave()
            }
        } catch {
            // No driver runs: `deinit`'s `shutdown()` must not wait for one.
            ended.leave()
            throw error
        }
    }

    deinit {
        shutdown()
    }

    /// Fetches `request`, waiting for its turn at the host when the host is busy.
    ///
    /// Never throws: failures are `.failure(FetchError)`. Cancelling the calling task aborts the
    /// transfer (or takes it out of the queue) and returns `.failure(.cancelled)` at once.
    public func fetch(_ request: FetchRequest) async -> FetchResult {
        let pending = PendingFetch(id: nextID.add(1, ordering: .relaxed).newValue, request: request)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                guard pending.arm(continuation) else {
                    // Cancelled before it was even submitted.
                    continuation.resume(returning: .failure(.cancelled(url: request.url)))
                    return
                }
                inbox.submit(pending)
            }
        } onCancel: {
            pending.finish(.failure(.cancelled(url: request.url)))
            inbox.cancel(pending.id)
        }
    }

    /// Pauses `pause.host` until `pause.until` (a pause stored before a restart), unless a pause that
    /// ends later is in force. Fetches waiting for the host end with `.hostPaused`.
    public func pause(_ pause: HostPause) {
        inbox.pause(pause)
    }

    /// `host:port` of `url` as the per-host limit and host pauses key it (`example.org:443`, the
    /// scheme's port filled in, the host lower-cased); nil when `url` has no scheme.
    public static func hostKey(of url: String) -> String? {
        CurlURL(url)?.hostKey
    }

    /// The request header fields a fetch of `request` sends first (the `Authorization` of a
    /// credential shown as `Basic <redacted>`), for `--verbose` output and logs.
    public func requestHeaderFields(for request: FetchRequest) -> [HTTPHeaderField] {
        var fields = TransferSetup.headerFields(for: request, configuration: configuration, isSameOrigin: true)
        if request.credential != nil {
            fields.append(HTTPHeaderField(name: "Authorization", value: "Basic <redacted>"))
        }
        return fields
    }

    /// Stops the driver: transfers in flight are aborted and every pending fetch returns
    /// `.failure(.cancelled)`. Blocks until the driver thread has ended (it does not wait for the
    /// network). Later fetches fail at once with `.cancelled`. Safe to call more than once.
    public func shutdown() {
        inbox.requestShutdown()
        driverEnded.wait()
    }
}

/// The identity feedd sends in its `User-Agent`.
public enum FeeddVersion {
    /// feedd's version, e.g. `0.1.0`.
    public static let current = "0.1.0"
}
