public import FeedModel

/// What one `HTTPFetcher.fetch(_:)` came to.
public enum FetchResult: Sendable, Equatable {
    /// The server answered `304 Not Modified` to the validators sent: the stored copy is current.
    case notModified(NotModified)
    /// A body: `2xx` over HTTP, or a file.
    case content(FetchedContent)
    /// No usable response; the error says why and names the URL.
    case failure(FetchError)

    /// The error, if the fetch failed.
    public var failure: FetchError? {
        if case .failure(let error) = self {
            return error
        }
        return nil
    }

    /// The content, if a body arrived.
    public var content: FetchedContent? {
        if case .content(let content) = self {
            return content
        }
        return nil
    }

    /// The not-modified answer, if that is what came.
    public var notModified: NotModified? {
        if case .notModified(let notModified) = self {
            return notModified
        }
        return nil
    }
}

/// A `304 Not Modified` answer.
public struct NotModified: Sendable, Equatable {
    /// The URL that answered, after redirects.
    public var finalURL: String
    /// True when redirects led to `finalURL` and every one was permanent (301 or 308): the caller
    /// should store `finalURL` as the feed's URL.
    public var isPermanentRedirect: Bool
    /// The validators to keep: those the 304 carried, else those the request sent.
    public var validators: Validators
    /// Freshness and back-off hints of the response.
    public var cacheHints: CacheHints
    /// Every response in order, redirects first, with its timings.
    public var hops: [FetchHop]
    /// Things the daemon should log, e.g. that TLS verification was off.
    public var warnings: [FetchWarning]
}

/// A body that arrived.
public struct FetchedContent: Sendable, Equatable {
    /// The body, decoded from any `Content-Encoding`.
    public var body: [UInt8]
    /// The URL of the final response, after redirects (the base URL for relative links).
    public var finalURL: String
    /// True when redirects led to `finalURL` and every one was permanent (301 or 308).
    public var isPermanentRedirect: Bool
    /// The HTTP status (2xx); nil for a file.
    public var httpStatus: Int?
    /// `ETag` and `Last-Modified` of the response, to send back next time.
    public var validators: Validators
    /// The lowercased media type without parameters, e.g. `application/rss+xml`.
    public var contentType: String?
    /// The lowercased `charset` parameter of `Content-Type`.
    public var charset: String?
    /// Freshness hints of the response.
    public var cacheHints: CacheHints
    /// Every response in order, redirects first, with its timings.
    public var hops: [FetchHop]
    /// Things the daemon should log, e.g. that TLS verification was off.
    public var warnings: [FetchWarning]
}

/// What a response says about when to ask again; the scheduler decides within its own bounds.
public struct CacheHints: Sendable, Hashable {
    /// `Cache-Control: max-age` in seconds.
    public var maxAge: Int?
    /// `Expires`, when it is a valid HTTP date.
    public var expires: Timestamp?
    /// The server's `Date`, to read `expires` against the server's clock rather than ours.
    public var date: Timestamp?
    /// `Retry-After`, on any response.
    public var retryAfter: RetryAfter?

    public init(maxAge: Int? = nil, expires: Timestamp? = nil, date: Timestamp? = nil, retryAfter: RetryAfter? = nil) {
        self.maxAge = maxAge
        self.expires = expires
        self.date = date
        self.retryAfter = retryAfter
    }
}

/// One response of a fetch: a redirect, or the final one.
public struct FetchHop: Sendable, Hashable {
    /// The URL requested.
    public var url: String
    /// Its HTTP status; 0 for a file.
    public var httpStatus: Int
    /// How long its phases took.
    public var timings: FetchTimings
}

/// How long the phases of one response took, each measured from the start of its transfer.
public struct FetchTimings: Sendable, Hashable {
    /// Until the host name was resolved.
    public var nameLookup: Duration
    /// Until the connection was made; close to zero on a reused connection.
    public var connect: Duration
    /// Until the TLS handshake ended; zero for plain HTTP.
    public var tlsHandshake: Duration
    /// Until the first response byte.
    public var firstByte: Duration
    /// The whole transfer.
    public var total: Duration
    /// "HTTP/1.1", "HTTP/2", …; empty for a file.
    public var httpVersion: String
}

/// Something about a successful fetch the daemon should log.
public enum FetchWarning: Sendable, Hashable, CustomStringConvertible {
    /// The request turned TLS verification off (`insecureSkipTLSVerify`).
    case tlsVerificationSkipped

    public var description: String {
        switch self {
        case .tlsVerificationSkipped:
            "TLS certificate verification is off for this feed (insecure_skip_tls_verify)"
        }
    }
}
