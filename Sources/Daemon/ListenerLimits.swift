/// What the HTTP listener allows each client, so that idle, slow or many connections cannot starve it
/// (nor the daemon of descriptors). docs/daemon.md, "HTTP listener", says what happens at each limit.
public struct ListenerLimits: Sendable, Hashable {
    /// How long a client has to send a whole request header (and body, if any): from connecting for
    /// the first request, from its first byte for the next ones on a kept-alive connection. Past it
    /// the connection is closed, however slowly the bytes still come.
    public var headerTimeout: Duration
    /// How long a kept-alive connection may wait, idle, for its next request.
    public var idleTimeout: Duration
    /// How long answering one request may take, writing the response included (a client that does
    /// not read its answer is cut off).
    public var responseTimeout: Duration
    /// The most connections open at once. The listener keeps below a quarter of the descriptor limit
    /// as well, so that polling and the store always have descriptors left. At the limit a new
    /// connection closes the longest-idle one (a connection that has not started a request); when
    /// none is idle the new one is answered `503` and closed.
    public var maxConnections: Int
    /// The longest request header, in bytes; a longer one is answered `431` and the connection closed.
    public var maxHeaderBytes: Int
    /// The longest request body read (and ignored), in bytes; a longer one is answered `413`.
    public var maxBodyBytes: Int

    public init(
        headerTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(30),
        responseTimeout: Duration = .seconds(30),
        maxConnections: Int = 256,
        maxHeaderBytes: Int = 16 * 1024,
        maxBodyBytes: Int = 64 * 1024
    ) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.responseTimeout = responseTimeout
        self.maxConnections = maxConnections
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }

    /// The connection limit under a descriptor limit of `descriptors`: `maxConnections`, but at most a
    /// quarter of the descriptors (and at least 4).
    public func connectionLimit(descriptors: UInt64) -> Int {
        let share = Int(clamping: descriptors / 4)
        return max(4, min(maxConnections, share))
    }
}
