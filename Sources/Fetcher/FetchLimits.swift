/// How long and how much one fetch may take. `HTTPFetcher.Configuration.limits` holds the
/// defaults; a `FetchRequest` may override them for one feed.
public struct FetchLimits: Sendable, Hashable {
    /// The longest wait for a TCP (and TLS) connection.
    public var connectTimeout: Duration
    /// The longest the whole fetch may take, redirects included; time spent queued behind other
    /// requests to the same host does not count.
    public var totalTimeout: Duration
    /// Abort when fewer than `lowSpeedLimit` bytes per second arrive for `lowSpeedTime` (whole
    /// seconds, at least one): this stops servers that trickle a byte now and then.
    public var lowSpeedLimit: Int
    public var lowSpeedTime: Duration
    /// The largest body accepted, counted after decoding gzip, deflate, br or zstd, so that a
    /// compression bomb stops at this size.
    public var maxBodySize: Int
    /// The most redirects followed.
    public var maxRedirects: Int

    /// Connect 15 s, total 60 s, at least 1 byte/s over 30 s, 32 MiB, 10 redirects.
    public init(
        connectTimeout: Duration = .seconds(15),
        totalTimeout: Duration = .seconds(60),
        lowSpeedLimit: Int = 1,
        lowSpeedTime: Duration = .seconds(30),
        maxBodySize: Int = 32 * 1024 * 1024,
        maxRedirects: Int = 10
    ) {
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.lowSpeedLimit = lowSpeedLimit
        self.lowSpeedTime = lowSpeedTime
        self.maxBodySize = maxBodySize
        self.maxRedirects = maxRedirects
    }
}
