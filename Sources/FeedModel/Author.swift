/// A person named by a feed or an item; every part may be missing.
public struct Author: Sendable, Hashable {
    public var name: String?
    public var email: String?
    public var uri: String?

    public init(name: String? = nil, email: String? = nil, uri: String? = nil) {
        self.name = name
        self.email = email
        self.uri = uri
    }

    /// True when the feed gave none of name, e-mail and URI.
    public var isEmpty: Bool { name == nil && email == nil && uri == nil }
}
