import CLibXML2

/// The attributes of an element being started, read from libxml2's buffers only when asked for: most
/// elements' attributes are never read, and making `String`s of them all cost more than libxml2's parse.
///
/// Valid only during the `startElement` call that receives it (libxml2 reuses the buffers after).
public struct XMLAttributes: Sequence {
    /// libxml2's array: five pointers per attribute (local name, prefix, URI, value start, value end).
    private let pointer: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    public let count: Int
    /// The parser in whose callback this lives (which keeps it alive), for names and references.
    private unowned(unsafe) let parser: XMLStreamParser

    init(_ pointer: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, count: Int, parser: XMLStreamParser) {
        self.pointer = pointer
        self.count = pointer == nil ? 0 : Swift.max(count, 0)
        self.parser = parser
    }

    public var isEmpty: Bool { count == 0 }

    /// The value of the first attribute with this local name (and namespace URI, when given).
    public func value(_ localName: StaticString, namespace: StaticString? = nil) -> String? {
        guard let pointer else { return nil }
        for index in 0..<count {
            let entry = pointer + index * 5
            guard let local = entry[0], let start = entry[3], let end = entry[4], Self.equals(local, localName)
            else { continue }
            if let namespace {
                guard let uri = entry[2], Self.equals(uri, namespace) else { continue }
            }
            return parser.attributeValue(start: start, end: end)
        }
        return nil
    }

    /// The value of `xml:<localName>` (`xml:base`, `xml:lang`).
    public func xmlValue(_ localName: StaticString) -> String? {
        value(localName, namespace: "http://www.w3.org/XML/1998/namespace")
    }

    /// Whether a NUL-terminated libxml2 string is exactly `text`.
    private static func equals(_ string: UnsafePointer<xmlChar>, _ text: StaticString) -> Bool {
        let bytes = text.utf8Start
        let length = text.utf8CodeUnitCount
        for offset in 0..<length where string[offset] != bytes[offset] { return false }
        return string[length] == 0
    }

    public func makeIterator() -> Iterator {
        Iterator(attributes: self)
    }

    /// Each attribute with its name interned and its value decoded.
    public struct Iterator: IteratorProtocol {
        let attributes: XMLAttributes
        var index = 0

        public mutating func next() -> XMLAttribute? {
            guard let pointer = attributes.pointer else { return nil }
            while index < attributes.count {
                let entry = pointer + index * 5
                index += 1
                guard let local = entry[0], let start = entry[3], let end = entry[4] else { continue }
                let name = attributes.parser.attributeName(local: local, prefix: entry[1], uri: entry[2])
                return XMLAttribute(name: name, value: attributes.parser.attributeValue(start: start, end: end))
            }
            return nil
        }
    }
}
