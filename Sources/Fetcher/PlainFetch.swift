import Curl

/// A plain blocking GET, for `feedd parse URL` and other one-off fetches.
///
/// It blocks the calling thread for the whole transfer; the daemon's concurrent fetcher is a
/// separate type. Only http, https and file URLs are fetched, and redirects may lead only to
/// http or https, so a remote server can never redirect feedd into the local file system.
public enum PlainFetch {
    /// Limits and identity of one fetch.
    public struct Options: Sendable, Equatable {
        /// The longest wait for a connection.
        public var connectTimeout: Duration
        /// The longest the whole transfer may take.
        public var totalTimeout: Duration
        /// Abort when fewer than `lowSpeedLimit` bytes per second arrive for `lowSpeedTime`.
        public var lowSpeedLimit: Int
        public var lowSpeedTime: Duration
        /// The largest decoded body accepted, in bytes.
        public var maxBodySize: Int
        /// The most redirects followed.
        public var maxRedirects: Int
        /// The `User-Agent` header.
        public var userAgent: String

        public static let defaultUserAgent = "feedd/0.1 (+https://github.com/feedd/feedd)"

        public init(
            connectTimeout: Duration = .seconds(15),
            totalTimeout: Duration = .seconds(60),
            lowSpeedLimit: Int = 1,
            lowSpeedTime: Duration = .seconds(30),
            maxBodySize: Int = 32 * 1024 * 1024,
            maxRedirects: Int = 10,
            userAgent: String = Options.defaultUserAgent
        ) {
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.lowSpeedLimit = lowSpeedLimit
            self.lowSpeedTime = lowSpeedTime
            self.maxBodySize = maxBodySize
            self.maxRedirects = maxRedirects
            self.userAgent = userAgent
        }
    }

    /// A successful response.
    public struct Response: Sendable, Equatable {
        /// The body, decoded from any `Content-Encoding`.
        public var body: [UInt8]
        /// The URL of the final response, after redirects.
        public var finalURL: String
        /// The HTTP status of the final response; nil for `file://`.
        public var httpStatus: Int?
        /// The lowercased media type without parameters, e.g. `application/rss+xml`.
        public var contentType: String?
        /// The lowercased `charset` parameter of `Content-Type`, if any.
        public var charset: String?
        /// The `ETag` validator, as sent.
        public var etag: String?
        /// The `Last-Modified` validator, as sent.
        public var lastModified: String?
        /// How many redirects led to the final URL.
        public var redirectCount: Int

        public init(
            body: [UInt8],
            finalURL: String,
            httpStatus: Int?,
            contentType: String?,
            charset: String?,
            etag: String?,
            lastModified: String?,
            redirectCount: Int
        ) {
            self.body = body
            self.finalURL = finalURL
            self.httpStatus = httpStatus
            self.contentType = contentType
            self.charset = charset
            self.etag = etag
            self.lastModified = lastModified
            self.redirectCount = redirectCount
        }
    }

    /// Fetches `url`, following redirects; a final HTTP status of 300 or more is an error.
    public static func get(url: String, options: Options = Options()) throws(FetchError) -> Response {
        let curlResponse: CurlResponse
        do {
            var easy = try CurlEasy()
            try easy.setURL(url)
            try easy.setAllowedProtocols(["http", "https", "file"])
            try easy.setAllowedRedirectProtocols(["http", "https"])
            try easy.setFollowRedirects(maximum: options.maxRedirects)
            try easy.setConnectTimeout(options.connectTimeout)
            try easy.setTimeout(options.totalTimeout)
            try easy.setLowSpeedLimit(bytesPerSecond: options.lowSpeedLimit, for: options.lowSpeedTime)
            try easy.setUserAgent(options.userAgent)
            try easy.setAcceptAllEncodings()
            easy.setMaxBodySize(options.maxBodySize)
            try easy.setRequestHeaders([
                HeaderField(
                    name: "Accept",
                    value: "application/rss+xml, application/atom+xml, application/feed+json, "
                        + "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
                )
            ])
            curlResponse = try easy.perform()
        } catch {
            throw FetchError(error, url: url, options: options)
        }
        let isHTTP = curlResponse.httpStatus != 0
        if isHTTP, curlResponse.httpStatus >= 300 {
            throw .httpStatus(url: url, code: curlResponse.httpStatus)
        }
        let mediaType = curlResponse.headers["Content-Type"].flatMap(MediaType.init(headerValue:))
        return Response(
            body: curlResponse.body,
            finalURL: curlResponse.effectiveURL,
            httpStatus: isHTTP ? curlResponse.httpStatus : nil,
            contentType: mediaType?.type,
            charset: mediaType?.charset,
            etag: isHTTP ? curlResponse.headers["ETag"] : nil,
            lastModified: isHTTP ? curlResponse.headers["Last-Modified"] : nil,
            redirectCount: curlResponse.redirectCount
        )
    }
}

extension FetchError {
    /// Classifies a libcurl failure for people: what went wrong, in the terms of the fetch.
    init(_ error: CurlError, url: String, options: PlainFetch.Options) {
        guard case .transfer(let transfer) = error else {
            self = .other(url: url, detail: error.description)
            return
        }
        let detail = "curl error \(transfer.code): \(transfer.message)"
        switch transfer.reason {
        case .resolve:
            self = .dns(url: url, detail: detail)
        case .connect:
            let reason = transfer.systemErrorText.isEmpty ? "could not connect" : transfer.systemErrorText.lowercased()
            self = .connect(url: url, reason: reason, detail: detail)
        case .tls:
            self = .tls(url: url, detail: detail)
        case .timeout:
            self = .timeout(url: url, detail: detail)
        case .bodyTooLarge(let limit):
            self = .tooLarge(url: url, limit: limit)
        case .tooManyRedirects:
            self = .tooManyRedirects(url: url, limit: options.maxRedirects)
        case .unsupportedProtocol:
            self = .other(
                url: url,
                detail: "URL scheme not allowed (use http, https or file; redirects may lead only to http or https)"
            )
        case .malformedURL:
            self = .other(url: url, detail: "not a valid URL (\(transfer.message))")
        case .other:
            self = .other(url: url, detail: transfer.message)
        }
    }
}
