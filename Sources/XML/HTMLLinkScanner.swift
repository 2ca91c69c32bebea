import CLibXML2

/// One `<link>` element of an HTML head: its attributes, names lowercased, in document order.
public struct HTMLLink: Sendable, Hashable {
    public var attributes: [HTMLAttribute]

    public init(attributes: [HTMLAttribute]) {
        self.attributes = attributes
    }

    /// The value of the first attribute named `name` (lowercase), or nil.
    public func value(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }
}

/// An attribute of an HTML element; `value` is empty for a bare attribute (`<link hidden>`).
public struct HTMLAttribute: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// What an HTML page's head says about other documents: its `<link>` elements and its `<base href>`.
public struct HTMLHead: Sendable, Hashable {
    public var links: [HTMLLink] = []
    /// The first `<base href>`, as written.
    public var baseHref: String?

    public init(links: [HTMLLink] = [], baseHref: String? = nil) {
        self.links = links
        self.baseHref = baseHref
    }
}

/// Finds the `<link>` and `<base>` elements of an HTML page's head (for feed discovery) with libxml2's
/// HTML push parser in SAX mode: no tree is built, broken markup is recovered from as browsers do,
/// nothing is ever loaded from the network, and reading stops where the body starts.
public enum HTMLLinkScanner {
    /// libxml2 HTML options: recover, never touch the network, report nothing on standard error.
    static let options = Int32(
        HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NONET.rawValue | HTML_PARSE_NOERROR.rawValue
            | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NOBLANKS.rawValue)

    /// The head of the page in `bytes` (any encoding libxml2 detects from a byte order mark or a
    /// `<meta charset>`; UTF-8 otherwise). Never fails: a page that is not HTML has an empty head.
    public static func scan(_ bytes: [UInt8]) -> HTMLHead {
        let collector = HeadCollector()
        var sax = htmlSAXHandler()
        sax.startElement = htmlStartElement
        sax.endElement = htmlEndElement
        sax.serror = htmlIgnoreError
        sax.initialized = UInt32(XML_SAX2_MAGIC)
        let userData = Unmanaged.passUnretained(collector).toOpaque()
        guard let context = htmlCreatePushParserCtxt(&sax, userData, nil, 0, nil, XML_CHAR_ENCODING_NONE) else {
            return HTMLHead()
        }
        defer {
            if let document = context.pointee.myDoc { xmlFreeDoc(document) }
            htmlFreeParserCtxt(context)
        }
        _ = htmlCtxtUseOptions(context, options)
        withExtendedLifetime(collector) {
            bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { chars in
                    let chunkSize = 1 << 14
                    var offset = 0
                    while offset < buffer.count && !collector.done {
                        let count = min(chunkSize, buffer.count - offset)
                        _ = htmlParseChunk(context, chars + offset, Int32(count), 0)
                        offset += count
                    }
                }
            }
            if !collector.done { _ = htmlParseChunk(context, nil, 0, 1) }
        }
        return collector.head
    }
}

/// Collects the head's elements; `done` once the head has ended.
private final class HeadCollector {
    var head = HTMLHead()
    var done = false

    func start(_ name: String, attributes: [HTMLAttribute]) {
        guard !done else { return }
        switch name {
        case "link":
            head.links.append(HTMLLink(attributes: attributes))
        case "base" where head.baseHref == nil:
            head.baseHref = attributes.first { $0.name == "href" }?.value
        case "body":
            done = true
        default:
            break
        }
    }

    func end(_ name: String) {
        if name == "head" { done = true }
    }
}

private func collector(_ userData: UnsafeMutableRawPointer?) -> HeadCollector? {
    guard let userData else { return nil }
    return Unmanaged<HeadCollector>.fromOpaque(userData).takeUnretainedValue()
}

private func htmlStartElement(
    userData: UnsafeMutableRawPointer?, name: UnsafePointer<xmlChar>?,
    attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
) {
    guard let name, let collector = collector(userData), !collector.done else { return }
    let element = String(cString: name).lowercased()
    guard element == "link" || element == "base" || element == "body" else { return }
    var list: [HTMLAttribute] = []
    if let attributes {
        var index = 0
        while let attributeName = attributes[index] {
            let value = attributes[index + 1].map { String(cString: $0) } ?? ""
            list.append(HTMLAttribute(name: String(cString: attributeName).lowercased(), value: value))
            index += 2
        }
    }
    collector.start(element, attributes: list)
}

private func htmlEndElement(userData: UnsafeMutableRawPointer?, name: UnsafePointer<xmlChar>?) {
    guard let name, let collector = collector(userData) else { return }
    collector.end(String(cString: name).lowercased())
}

/// Recovered breakage is expected in real pages; nothing to report.
private func htmlIgnoreError(userData: UnsafeMutableRawPointer?, error: xmlErrorPtr?) {}
