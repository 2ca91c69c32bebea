/// One GET for `HTTPFetcher.fetch(_:)`: the URL, what the caller knows of it, and per-feed options.
public struct FetchRequest: Sendable, Equatable {
    /// An http, https or file URL. A file URL is read only when it is the request's own URL:
    /// redirects never lead to `file://`.
    public var url: String
    /// Validators from the last response, sent as `If-None-Match` / `If-Modified-Since`.
    public var validators: Validators
    /// Extra request header fields, e.g. an API token. They replace feedd's own fields of the
    /// same name (`Accept`, `User-Agent`, …). `Authorization` and `Cookie` are dropped when a
    /// redirect leads to another host, as are `credential`s.
    public var headers: [HTTPHeaderField]
    /// HTTP basic authentication, sent only to the request URL's own scheme, host and port.
    public var credential: Credential?
    /// The proxy, e.g. `http://proxy.example:3128`; `""` uses none. When nil, libcurl honours the
    /// `http_proxy`, `https_proxy`, `all_proxy` and `no_proxy` environment variables.
    public var proxy: String?
    /// Turns TLS certificate and host-name verification off for this feed. Results then carry
    /// `FetchWarning.tlsVerificationSkipped` so that the daemon logs it every time.
    public var insecureSkipTLSVerify: Bool
    /// Overrides the fetcher's default limits for this request; nil uses them.
    public var limits: FetchLimits?

    public init(
        url: String,
        validators: Validators = Validators(),
        headers: [HTTPHeaderField] = [],
        credential: Credential? = nil,
        proxy: String? = nil,
        insecureSkipTLSVerify: Bool = false,
        limits: FetchLimits? = nil
    ) {
        self.url = url
        self.validators = validators
        self.headers = headers
        self.credential = credential
        self.proxy = proxy
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.limits = limits
    }
}

/// The validators of a response, kept by the caller and sent back on the next request of the
/// same feed so that an unchanged feed costs one `304 Not Modified`.
public struct Validators: Sendable, Hashable {
    /// The `ETag` value as received, quotes and `W/` included.
    public var etag: String?
    /// The `Last-Modified` value as received; sent back verbatim as `If-Modified-Since`.
    public var lastModified: String?

    public init(etag: String? = nil, lastModified: String? = nil) {
        self.etag = etag
        self.lastModified = lastModified
    }

    /// True when neither validator is known.
    public var isEmpty: Bool {
        etag == nil && lastModified == nil
    }
}

/// One request header field.
public struct HTTPHeaderField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
