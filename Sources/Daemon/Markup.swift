/// Escaping for the listener's HTML page and Atom feed: everything shown there (titles, errors, URLs)
/// comes from strangers, so every piece of text goes through `escaped` before it joins the markup.
enum Markup {
    /// `text` safe as element content and as a double- or single-quoted attribute value, in HTML and
    /// in XML 1.0: `&`, `<`, `>`, `"` and `'` become references, and the characters XML 1.0 forbids
    /// (C0 controls other than tab, line feed and carriage return; U+FFFE, U+FFFF) are left out, so
    /// that one odd byte in a title cannot make the whole Atom document ill-formed.
    static func escaped(_ text: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `url` when it is an absolute `http` or `https` URL, for an `href`; nil otherwise, so that a feed's
    /// `javascript:` or `data:` link is shown as text and never becomes a link.
    static func webURL(_ url: String?) -> String? {
        guard let url else { return nil }
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return nil }
        guard !url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else { return nil }
        return url
    }
}
