/// One response header line, as received.
public struct HeaderField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The header fields of one response, in order of arrival.
public struct ResponseHeaders: Sendable, Hashable {
    public var fields: [HeaderField]

    public init(fields: [HeaderField] = []) {
        self.fields = fields
    }

    /// The first value of the field `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        let wanted = name.lowercased()
        return fields.first { $0.name.lowercased() == wanted }?.value
    }

    /// Every value of the field `name`, compared case-insensitively, in order.
    public func values(for name: String) -> [String] {
        let wanted = name.lowercased()
        return fields.filter { $0.name.lowercased() == wanted }.map(\.value)
    }
}

/// How long the phases of a transfer took, from its start (libcurl's `CURLINFO_*_TIME_T`).
public struct CurlTimings: Sendable, Hashable {
    /// Until the host name was resolved.
    public var nameLookup: Duration
    /// Until the TCP connection (or the proxy's) was made; zero when none was made.
    public var connect: Duration
    /// Until the TLS handshake ended; zero for plain HTTP or a reused connection.
    public var tlsHandshake: Duration
    /// Until the first response byte arrived.
    public var firstByte: Duration
    /// The whole transfer.
    public var total: Duration
    /// "HTTP/1.1", "HTTP/2", …; empty when no HTTP response was read (file://, a failure).
    public var httpVersion: String

    public init(
        nameLookup: Duration = .zero,
        connect: Duration = .zero,
        tlsHandshake: Duration = .zero,
        firstByte: Duration = .zero,
        total: Duration = .zero,
        httpVersion: String = ""
    ) {
        self.nameLookup = nameLookup
        self.connect = connect
        self.tlsHandshake = tlsHandshake
        self.firstByte = firstByte
        self.total = total
        self.httpVersion = httpVersion
    }
}

/// What a finished transfer delivered.
public struct CurlResponse: Sendable {
    /// The status of the final response; `0` for protocols without one (`file://`).
    public var httpStatus: Int
    /// The URL of the final response, after redirects.
    public var effectiveURL: String
    /// How many redirects were followed.
    public var redirectCount: Int
    /// Where a 3xx response points, resolved against the request URL (`CURLINFO_REDIRECT_URL`),
    /// when libcurl was not asked to follow it itself.
    public var redirectURL: String?
    /// The header fields of the final response only (not of redirects or interim responses).
    public var headers: ResponseHeaders
    /// The body, decoded from any `Content-Encoding`.
    public var body: [UInt8]
    /// How long the phases of the transfer took.
    public var timings: CurlTimings

    public init(
        httpStatus: Int,
        effectiveURL: String,
        redirectCount: Int,
        redirectURL: String? = nil,
        headers: ResponseHeaders,
        body: [UInt8],
        timings: CurlTimings = CurlTimings()
    ) {
        self.httpStatus = httpStatus
        self.effectiveURL = effectiveURL
        self.redirectCount = redirectCount
        self.redirectURL = redirectURL
        self.headers = headers
        self.body = body
        self.timings = timings
    }
}
