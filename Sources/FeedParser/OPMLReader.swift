public import FeedModel
import XML

/// Reads OPML subscription lists (1.0 and 2.0, and the variants exporters write) through the
/// streaming XML layer: the same safe parser options and encoding detection as feeds.
public enum OPMLReader {
    /// The outlines of `bytes`. Throws when the document is not XML or its root is not `<opml>`.
    public static func read(_ bytes: [UInt8]) throws(OPMLError) -> OPMLDocument {
        let prepared = XMLInput.prepare(bytes)
        let handler = OPMLHandler()
        let parser = XMLStreamParser(handler: handler)
        do {
            try parser.parse(prepared.utf8)
        } catch {
            throw .unreadable(detail: error.description)
        }
        guard let root = handler.rootName else { throw .unreadable(detail: "the document is empty") }
        guard root == "opml" else { throw .notOPML(root: root) }
        return OPMLDocument(title: handler.title, outlines: handler.outlines)
    }
}

/// Why an OPML file could not be read.
public enum OPMLError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(detail: String)
    case notOPML(root: String)

    public var description: String {
        switch self {
        case .unreadable(let detail): return "not OPML: \(detail)"
        case .notOPML(let root): return "not OPML: root element <\(root)> (expected opml)"
        }
    }
}

/// Collects outlines as elements open and close.
private final class OPMLHandler: XMLStreamHandler {
    var rootName: String?
    var title: String?
    var outlines: [OPMLOutline] = []
    /// Outlines open now, innermost last.
    private var stack: [OPMLOutline] = []
    private var depth = 0
    private var inHead = false
    private var inTitle = false

    func startElement(_ name: XMLName, attributes: XMLAttributes, in parser: XMLStreamParser) {
        depth += 1
        if depth == 1 { rootName = name.localName }
        switch name.localName {
        case "head" where depth == 2:
            inHead = true
        case "title" where inHead && depth == 3:
            inTitle = true
            parser.textCapture = .raw
        case "outline":
            stack.append(
                OPMLOutline(
                    text: Self.nonEmpty(attributes.value("text")), title: Self.nonEmpty(attributes.value("title")),
                    type: Self.nonEmpty(attributes.value("type")),
                    xmlURL: Self.nonEmpty(attributes.value("xmlUrl") ?? attributes.value("xmlURL")),
                    htmlURL: Self.nonEmpty(attributes.value("htmlUrl") ?? attributes.value("htmlURL"))))
        default:
            break
        }
    }

    func endElement(_ name: XMLName, in parser: XMLStreamParser) {
        defer { depth -= 1 }
        switch name.localName {
        case "head" where depth == 2:
            inHead = false
        case "title" where inTitle:
            inTitle = false
            title = Self.nonEmpty(parser.takeText())
            parser.textCapture = .off
        case "outline":
            guard let outline = stack.popLast() else { return }
            if stack.isEmpty {
                outlines.append(outline)
            } else {
                stack[stack.count - 1].children.append(outline)
            }
        default:
            break
        }
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text else { return nil }
        let trimmed = text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()
        return trimmed.isEmpty ? nil : String(trimmed)
    }
}
