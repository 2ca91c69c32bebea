/// A qualified element or attribute name as the document wrote it.
///
/// Names are interned per parse: the same (namespace, local name, prefix) always comes with the same
/// `id`, a small dense number, so a handler can map names to its own meaning once and then look
/// them up in an array. A class, so that handing a name to every start and end tag costs one retain
/// rather than one per string.
public final class XMLName: Sendable, Hashable {
    /// Dense and unique within one parse; meaningless across parses.
    public let id: Int
    /// The namespace URI the prefix is bound to, or nil (no namespace, or an undeclared prefix).
    public let namespaceURI: String?
    public let localName: String
    /// The prefix as written (`content` in `content:encoded`), or nil.
    public let prefix: String?

    public init(id: Int, namespaceURI: String?, localName: String, prefix: String?) {
        self.id = id
        self.namespaceURI = namespaceURI
        self.localName = localName
        self.prefix = prefix
    }

    public static func == (left: XMLName, right: XMLName) -> Bool {
        left === right
            || (left.id == right.id && left.namespaceURI == right.namespaceURI && left.localName == right.localName
                && left.prefix == right.prefix)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(namespaceURI)
        hasher.combine(localName)
        hasher.combine(prefix)
    }

    /// `prefix:local` as written, for messages and for re-serializing markup.
    public var qualifiedName: String {
        guard let prefix else { return localName }
        return prefix + ":" + localName
    }
}

/// An attribute of an element, its value with references decoded.
public struct XMLAttribute: Sendable, Hashable {
    public let name: XMLName
    public let value: String

    public init(name: XMLName, value: String) {
        self.name = name
        self.value = value
    }
}

/// Namespace URIs the XML layer itself knows.
public enum XMLNamespace {
    public static let xml = "http://www.w3.org/XML/1998/namespace"
}
