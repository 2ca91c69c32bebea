/// Resolves relative references against a base URL (RFC 3986 section 5), on strings, so that the odd
/// URLs real feeds carry (spaces, unicode, unusual schemes) pass through unchanged instead of failing.
enum URLResolver {
    /// `reference` made absolute against `base`; `reference` unchanged when it is already absolute or
    /// there is no usable base.
    static func resolve(_ reference: String, against base: String?) -> String {
        let reference = trimmed(reference)
        if hasScheme(reference) { return reference }
        guard let base, let parts = Parts(base) else { return reference }
        if reference.isEmpty { return parts.withoutFragment }
        if reference.hasPrefix("//") { return parts.scheme + ":" + reference }
        let authority = parts.authority.map { "//" + $0 } ?? ""
        if reference.hasPrefix("#") {
            return parts.withoutFragment + reference
        }
        if reference.hasPrefix("?") {
            return parts.scheme + ":" + authority + parts.path + reference
        }
        // Split off query and fragment of the reference before merging paths.
        var path = reference
        var tail = ""
        if let index = reference.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            path = String(reference[..<index])
            tail = String(reference[index...])
        }
        let merged: String
        if path.hasPrefix("/") {
            merged = path
        } else if parts.authority != nil && parts.path.isEmpty {
            merged = "/" + path
        } else if let slash = parts.path.lastIndex(of: "/") {
            merged = parts.path[...slash] + path
        } else {
            merged = path
        }
        return parts.scheme + ":" + authority + removeDotSegments(merged) + tail
    }

    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return text }
        return String(scalars[first...last])
    }

    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }

    /// Whether the text starts with `scheme:` (a letter, then letters, digits, `+`, `-` or `.`).
    static func hasScheme(_ text: String) -> Bool {
        var first = true
        for scalar in text.unicodeScalars {
            if scalar == ":" { return !first }
            let isLetter = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
            let isOther = (scalar >= "0" && scalar <= "9") || scalar == "+" || scalar == "-" || scalar == "."
            if first ? !isLetter : !(isLetter || isOther) { return false }
            first = false
        }
        return false
    }

    /// The parts of an absolute URL that resolution needs.
    private struct Parts {
        var scheme: String
        var authority: String?
        var path: String
        var query: String?

        init?(_ url: String) {
            let url = URLResolver.trimmed(url)
            guard URLResolver.hasScheme(url), let colon = url.firstIndex(of: ":") else { return nil }
            scheme = String(url[..<colon])
            var rest = url[url.index(after: colon)...]
            if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
            if let question = rest.firstIndex(of: "?") {
                query = String(rest[rest.index(after: question)...])
                rest = rest[..<question]
            }
            if rest.hasPrefix("//") {
                let afterSlashes = rest.dropFirst(2)
                let end = afterSlashes.firstIndex(of: "/") ?? afterSlashes.endIndex
                authority = String(afterSlashes[..<end])
                path = String(afterSlashes[end...])
            } else {
                path = String(rest)
            }
        }

        var withoutFragment: String {
            scheme + ":" + (authority.map { "//" + $0 } ?? "") + path + (query.map { "?" + $0 } ?? "")
        }
    }

    /// RFC 3986 section 5.2.4.
    static func removeDotSegments(_ path: String) -> String {
        guard path.containsBytes(".") else { return path }
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        let absolute = path.hasPrefix("/")
        for (index, segment) in segments.enumerated() {
            if absolute && index == 0 { continue }
            let isLast = index == segments.count - 1
            switch segment {
            case ".":
                if isLast { output.append("") }
            case "..":
                if !output.isEmpty { output.removeLast() }
                if isLast { output.append("") }
            default:
                output.append(segment)
            }
        }
        return (absolute ? "/" : "") + output.joined(separator: "/")
    }
}
