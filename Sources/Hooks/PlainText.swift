/// Plain text from the HTML of an item's `summary` or `content`: for filters, the text part of a
/// mail message and the `text` of templates.
///
/// Tags are dropped (`script` and `style` with their content), block ends become line breaks,
/// list items start with "- ", character references are decoded, runs of white space fold to
/// one space, and with `keepLinks` a link is followed by its URL in angle brackets when the text
/// does not already show it.
enum PlainText {
    static func fromHTML(_ html: String, keepLinks: Bool = false) -> String {
        var output = ""
        output.reserveCapacity(html.utf8.count)
        var pendingSpace = false
        var pendingBreaks = 0
        var linkURL: String?
        var linkTextStart = output.endIndex
        var scalars = Substring(html).unicodeScalars

        func emit(_ text: String) {
            for scalar in text.unicodeScalars {
                if scalar.properties.isWhitespace {
                    pendingSpace = true
                    continue
                }
                if !output.isEmpty {
                    if pendingBreaks > 0 {
                        output += String(repeating: "\n", count: min(pendingBreaks, 2))
                    } else if pendingSpace {
                        output += " "
                    }
                }
                pendingBreaks = 0
                pendingSpace = false
                output.unicodeScalars.append(scalar)
            }
        }

        func lineBreak(_ count: Int) {
            pendingBreaks = max(pendingBreaks, count)
            pendingSpace = false
        }

        while let scalar = scalars.first {
            if scalar == "<" {
                guard let end = scalars.firstIndex(of: ">") else {
                    emit(string(scalars))
                    break
                }
                let tag = string(scalars[scalars.index(after: scalars.startIndex)..<end])
                scalars = scalars[scalars.index(after: end)...]
                let (name, isClosing) = tagName(tag)
                switch name {
                case "script", "style":
                    if !isClosing, let close = range(of: "</\(name)", in: scalars) {
                        scalars = scalars[close.upperBound...]
                        if let gt = scalars.firstIndex(of: ">") { scalars = scalars[scalars.index(after: gt)...] }
                    }
                case "br":
                    lineBreak(1)
                case "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol",
                    "figure", "section", "article", "header", "footer", "hr":
                    lineBreak(2)
                case "li":
                    if !isClosing {
                        lineBreak(1)
                        emit("-")
                        pendingSpace = true
                    }
                case "tr", "dt", "dd":
                    lineBreak(1)
                case "a" where keepLinks:
                    if isClosing {
                        if let url = linkURL, !output[linkTextStart...].contains(url) {
                            pendingSpace = true
                            emit("<\(url)>")
                        }
                        linkURL = nil
                    } else {
                        linkURL = attribute("href", in: tag).map(decodeReferences)
                        linkTextStart = output.endIndex
                    }
                case "img":
                    if let alt = attribute("alt", in: tag), !alt.isEmpty { emit(decodeReferences(alt)) }
                default:
                    break
                }
            } else if scalar == "&" {
                let rest = scalars.prefix(12)
                if let semicolon = rest.firstIndex(of: ";") {
                    let reference = string(scalars[scalars.startIndex...semicolon])
                    let decoded = decodeReferences(reference)
                    if decoded != reference {
                        emit(decoded)
                        scalars = scalars[scalars.index(after: semicolon)...]
                        continue
                    }
                }
                emit("&")
                scalars = scalars.dropFirst()
            } else {
                emit(String(scalar))
                scalars = scalars.dropFirst()
            }
        }
        return output
    }

    /// The lower-cased element name of a tag's text (`a href="…"` → `a`), and whether it closes.
    private static func tagName(_ tag: String) -> (String, Bool) {
        var text = Substring(tag)
        let isClosing = text.hasPrefix("/")
        if isClosing { text = text.dropFirst() }
        let name = text.prefix { $0.isLetter || $0.isNumber }
        return (name.lowercased(), isClosing)
    }

    /// The value of attribute `name` in a tag's text, quoted or not.
    private static func attribute(_ name: String, in tag: String) -> String? {
        let lower = tag.lowercased()
        var search = lower.startIndex
        while let found = lower[search...].firstRange(of: name) {
            search = found.upperBound
            let before = found.lowerBound == lower.startIndex ? " " : lower[lower.index(before: found.lowerBound)]
            guard before == " " || before == "\t" || before == "\n" else { continue }
            var rest = tag[found.upperBound...].drop { $0 == " " }
            guard rest.first == "=" else { continue }
            rest = rest.dropFirst().drop { $0 == " " }
            if let quote = rest.first, quote == "\"" || quote == "'" {
                return String(rest.dropFirst().prefix { $0 != quote })
            }
            return String(rest.prefix { $0 != " " && $0 != ">" && $0 != "/" })
        }
        return nil
    }

    /// Where `needle` (lower-case ASCII) first occurs in `haystack`, ignoring ASCII case.
    private static func range(
        of needle: String,
        in haystack: Substring.UnicodeScalarView
    ) -> Range<Substring.UnicodeScalarView.Index>? {
        let wanted = Array(needle.unicodeScalars)
        var start = haystack.startIndex
        while start != haystack.endIndex {
            var index = start
            var matched = 0
            while matched < wanted.count, index != haystack.endIndex,
                lowercased(haystack[index]) == wanted[matched]
            {
                matched += 1
                index = haystack.index(after: index)
            }
            if matched == wanted.count { return start..<index }
            start = haystack.index(after: start)
        }
        return nil
    }

    private static func lowercased(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32) ?? scalar : scalar
    }

    private static func string(_ scalars: Substring.UnicodeScalarView) -> String {
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        return text
    }

    /// Decodes the character references in `text` (`&amp;`, `&#233;`, `&#xE9;` and common names).
    static func decodeReferences(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var output = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&") {
            output += rest[..<ampersand]
            rest = rest[ampersand...]
            guard let semicolon = rest.prefix(12).firstIndex(of: ";") else {
                output += "&"
                rest = rest.dropFirst()
                continue
            }
            let name = rest[rest.index(after: rest.startIndex)..<semicolon]
            if let scalar = referenced(name) {
                output.unicodeScalars.append(scalar)
                rest = rest[rest.index(after: semicolon)...]
            } else {
                output += "&"
                rest = rest.dropFirst()
            }
        }
        return output + rest
    }

    private static func referenced(_ name: Substring) -> Unicode.Scalar? {
        if name.hasPrefix("#x") || name.hasPrefix("#X") {
            return UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
        }
        if name.hasPrefix("#") {
            return UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init)
        }
        return namedReferences[String(name)]
    }

    private static let namedReferences: [String: Unicode.Scalar] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "ndash": "\u{2013}",
        "mdash": "\u{2014}", "hellip": "\u{2026}", "lsquo": "\u{2018}", "rsquo": "\u{2019}", "ldquo": "\u{201C}",
        "rdquo": "\u{201D}", "copy": "\u{A9}", "reg": "\u{AE}", "trade": "\u{2122}", "euro": "\u{20AC}",
        "laquo": "\u{AB}", "raquo": "\u{BB}", "middot": "\u{B7}", "bull": "\u{2022}", "deg": "\u{B0}",
    ]
}
