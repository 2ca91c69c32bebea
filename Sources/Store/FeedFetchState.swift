public import FeedModel

/// What the store remembers of a feed's polling between runs (issue 5, "What it keeps").
public struct FeedFetchState: Sendable, Hashable {
    /// The URL to fetch: the configured one, or where a permanent redirect led.
    public var url: String?
    /// Validators of the last response, sent back as `If-None-Match` and `If-Modified-Since`.
    public var etag: String?
    public var lastModified: String?
    /// When the feed should be polled next.
    public var nextDue: Timestamp?
    /// Failed polls since the last success (drives the backoff).
    public var consecutiveFailures: Int
    /// The last failure, one line, and when it happened.
    public var lastError: String?
    public var lastErrorAt: Timestamp?
    /// The last poll that succeeded (a document or 304).
    public var lastSuccess: Timestamp?
    /// The feed's own title, as its document last gave it.
    public var title: String?

    public init(
        url: String? = nil, etag: String? = nil, lastModified: String? = nil, nextDue: Timestamp? = nil,
        consecutiveFailures: Int = 0, lastError: String? = nil, lastErrorAt: Timestamp? = nil,
        lastSuccess: Timestamp? = nil, title: String? = nil
    ) {
        self.url = url
        self.etag = etag
        self.lastModified = lastModified
        self.nextDue = nextDue
        self.consecutiveFailures = consecutiveFailures
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.lastSuccess = lastSuccess
        self.title = title
    }

    func write(to writer: inout ByteWriter) {
        writer.optionalString(url)
        writer.optionalString(etag)
        writer.optionalString(lastModified)
        writer.optionalTime(nextDue)
        writer.u32(UInt32(clamping: max(0, consecutiveFailures)))
        writer.optionalString(lastError)
        writer.optionalTime(lastErrorAt)
        writer.optionalTime(lastSuccess)
        writer.optionalString(title)
    }

    static func read(from reader: inout ByteReader) throws(ByteReader.DecodeError) -> FeedFetchState {
        FeedFetchState(
            url: try reader.optionalString(), etag: try reader.optionalString(),
            lastModified: try reader.optionalString(), nextDue: try reader.optionalTime(),
            consecutiveFailures: Int(try reader.u32()), lastError: try reader.optionalString(),
            lastErrorAt: try reader.optionalTime(), lastSuccess: try reader.optionalTime(),
            title: try reader.optionalString())
    }
}
