public import FeedModel

/// Writes an OPML 2.0 subscription list (for `feedd export-opml`): UTF-8, two-space indentation,
/// attributes escaped, nested outlines kept.
public enum OPMLWriter {
    /// The document as UTF-8 XML text, ending in a line break.
    public static func write(_ document: OPMLDocument) -> String {
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n"
        if let title = document.title { text += "    <title>\(escape(title))</title>\n" }
        text += "  </head>\n  <body>\n"
        for outline in document.outlines { write(outline, indent: 2, into: &text) }
        text += "  </body>\n</opml>\n"
        return text
    }

    private static func write(_ outline: OPMLOutline, indent: Int, into text: inout String) {
        text += String(repeating: "  ", count: indent) + "<outline"
        let attributes: [(String, String?)] = [
            ("text", outline.text ?? outline.title ?? ""), ("title", outline.title), ("type", outline.type),
            ("xmlUrl", outline.xmlURL), ("htmlUrl", outline.htmlURL),
        ]
        for case (let name, let value?) in attributes { text += " \(name)=\"\(escape(value))\"" }
        if outline.children.isEmpty {
            text += "/>\n"
            return
        }
        text += ">\n"
        for child in outline.children { write(child, indent: indent + 1, into: &text) }
        text += String(repeating: "  ", count: indent) + "</outline>\n"
    }

    /// Text safe in an attribute value or element content; characters XML 1.0 forbids are dropped.
    static func escape(_ value: String) -> String {
        var result = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "\n": result += "&#10;"
            case "\t": result += "&#9;"
            case "\r": result += "&#13;"
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: continue
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
