/// A file attached to an item: a podcast episode, a picture.
public struct Enclosure: Sendable, Hashable {
    /// Absolute URL of the file.
    public var url: String
    /// MIME type as the feed gives it, or nil.
    public var type: String?
    /// Size in bytes, or nil when the feed gives none or a value that is not a number.
    public var length: Int64?

    public init(url: String, type: String? = nil, length: Int64? = nil) {
        self.url = url
        self.type = type
        self.length = length
    }
}
