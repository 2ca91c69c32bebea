public import FeedModel

/// Why a fetch failed. `description` names the URL and says what to do; `detail` keeps curl's
/// own text (code, error buffer) for log metadata.
public enum FetchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The host name did not resolve.
    case dns(url: String, detail: String)
    /// No connection could be made; `reason` is the system's word for it, e.g. "connection refused".
    case connect(url: String, reason: String, detail: String)
    /// The TLS handshake or certificate check failed.
    case tls(url: String, detail: String)
    /// A time limit expired: `kind` says which, `limit` what it was.
    case timeout(url: String, kind: TimeoutKind, limit: Duration, detail: String)
    /// The decoded body grew past `limit` bytes.
    case tooLarge(url: String, limit: Int)
    /// More than `limit` redirects.
    case tooManyRedirects(url: String, limit: Int)
    /// A redirect led back to `target`, a URL already visited in this fetch.
    case redirectLoop(url: String, target: String)
    /// A redirect led to `target`, whose scheme is not http or https (e.g. `file:`).
    case forbiddenRedirect(url: String, target: String)
    /// The final response had a status that carries no feed (3xx without a target, 4xx, 5xx);
    /// `retryAfter` is the server's `Retry-After`, mostly sent with 429 and 503; `hostPause` is the
    /// pause of the answering host that the response began (429, or 503 with `Retry-After`).
    case httpStatus(url: String, code: Int, retryAfter: RetryAfter?, hostPause: HostPause? = nil)
    /// Not requested: the host (of the URL, or of a redirect on the way) is paused until
    /// `pause.until` because it answered 429 or 503 earlier. Not the feed's failure: ask again then.
    case hostPaused(url: String, pause: HostPause)
    /// The caller's task was cancelled or the fetcher shut down first.
    case cancelled(url: String)
    /// Anything else: an unsupported scheme, a missing file, a dropped connection, ….
    case other(url: String, detail: String)

    /// Which time limit expired.
    public enum TimeoutKind: Sendable, Hashable {
        /// `connectTimeout`: no connection was made in time.
        case connect
        /// `totalTimeout`: the fetch, redirects included, took too long.
        case total
        /// `lowSpeedLimit` / `lowSpeedTime`: data arrived too slowly for too long.
        case lowSpeed
    }

    /// The URL that was requested.
    public var url: String {
        switch self {
        case .dns(let url, _), .connect(let url, _, _), .tls(let url, _), .timeout(let url, _, _, _),
            .tooLarge(let url, _), .tooManyRedirects(let url, _), .redirectLoop(let url, _),
            .forbiddenRedirect(let url, _), .httpStatus(let url, _, _, _), .hostPaused(let url, _), .cancelled(let url),
            .other(let url, _):
            return url
        }
    }

    /// The technical cause (curl code and message), for logs; empty when the case says it all.
    public var detail: String {
        switch self {
        case .dns(_, let detail), .connect(_, _, let detail), .tls(_, let detail), .timeout(_, _, _, let detail),
            .other(_, let detail):
            return detail
        case .tooLarge, .tooManyRedirects, .redirectLoop, .forbiddenRedirect, .httpStatus, .hostPaused, .cancelled:
            return ""
        }
    }

    public var description: String {
        switch self {
        case .dns(let url, _):
            return "\(url): host name not found; check the URL and the DNS setup"
        case .connect(let url, let reason, _):
            return "\(url): \(reason)"
        case .tls(let url, let detail):
            return "\(url): TLS failed (\(detail)); check the server's certificate and the system's CA store"
        case .timeout(let url, let kind, let limit, _):
            let seconds = Self.seconds(limit)
            switch kind {
            case .connect:
                return "\(url): no connection within \(seconds); the server is down or unreachable, try again later"
            case .total:
                return
                    "\(url): not complete within \(seconds); the server is slow, try again later or raise the timeout"
            case .lowSpeed:
                return "\(url): data stalled for \(seconds); the server is overloaded or stuck, try again later"
            }
        case .tooLarge(let url, let limit):
            return "\(url): response body is larger than the limit of \(limit) bytes"
        case .tooManyRedirects(let url, let limit):
            return "\(url): more than \(limit) redirects; update the URL to where it leads"
        case .redirectLoop(let url, let target):
            return "\(url): redirects loop back to \(target); the site is misconfigured"
        case .forbiddenRedirect(let url, let target):
            return "\(url): redirect to \(target) refused (redirects may lead only to http or https)"
        case .httpStatus(let url, let code, let retryAfter, let pause):
            let wait = retryAfter.map { "; the server asks to wait \($0) (Retry-After)" } ?? ""
            let paused = pause.map { "; \($0.host) gets no request until \($0.until.rfc3339)" } ?? ""
            return "\(url): HTTP \(code)\(Self.hint(forStatus: code))\(wait)\(paused)"
        case .hostPaused(let url, let pause):
            return
                "\(url): not requested: \(pause.host) is paused until \(pause.until.rfc3339) "
                + "(it answered HTTP \(pause.httpStatus))"
        case .cancelled(let url):
            return "\(url): fetch cancelled"
        case .other(let url, let detail):
            return "\(url): \(detail)"
        }
    }

    private static func hint(forStatus code: Int) -> String {
        switch code {
        case 300..<400: " (redirect without a usable Location)"
        case 401, 403: " (access denied; the feed may need credentials)"
        case 404: " (not found; check the URL)"
        case 410: " (gone; the feed was removed)"
        case 429: " (too many requests; try again later)"
        case 500..<600: " (server error; try again later)"
        default: ""
        }
    }

    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 {
            return "\(seconds) s"
        }
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000) ms"
    }
}
