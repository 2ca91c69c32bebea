/// Why a fetch failed. `description` names the URL and says what to do; `detail` keeps curl's
/// own text (code, error buffer) for log metadata.
public enum FetchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The host name did not resolve.
    case dns(url: String, detail: String)
    /// No connection could be made; `reason` is the system's word for it, e.g. "connection refused".
    case connect(url: String, reason: String, detail: String)
    /// The TLS handshake or certificate check failed.
    case tls(url: String, detail: String)
    /// The connect, total or low-speed timeout expired.
    case timeout(url: String, detail: String)
    /// The decoded body grew past `limit` bytes.
    case tooLarge(url: String, limit: Int)
    /// More than `limit` redirects.
    case tooManyRedirects(url: String, limit: Int)
    /// The final response had a status that carries no feed (3xx without a target, 4xx, 5xx).
    case httpStatus(url: String, code: Int)
    /// Anything else: an unsupported scheme, a missing file, a dropped connection, ….
    case other(url: String, detail: String)

    /// The URL that was requested.
    public var url: String {
        switch self {
        case .dns(let url, _), .connect(let url, _, _), .tls(let url, _), .timeout(let url, _),
            .tooLarge(let url, _), .tooManyRedirects(let url, _), .httpStatus(let url, _), .other(let url, _):
            return url
        }
    }

    /// The technical cause (curl code and message), for logs; empty when the case says it all.
    public var detail: String {
        switch self {
        case .dns(_, let detail), .connect(_, _, let detail), .tls(_, let detail), .timeout(_, let detail),
            .other(_, let detail):
            return detail
        case .tooLarge, .tooManyRedirects, .httpStatus:
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
        case .timeout(let url, _):
            return "\(url): timed out; the server is slow or unreachable, try again later"
        case .tooLarge(let url, let limit):
            return "\(url): response body is larger than the limit of \(limit) bytes"
        case .tooManyRedirects(let url, let limit):
            return "\(url): more than \(limit) redirects; the URL probably redirects in a loop"
        case .httpStatus(let url, let code):
            return "\(url): HTTP \(code)\(Self.hint(forStatus: code))"
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
}
