/// A `Content-Type` value split into its media type and `charset` parameter.
struct MediaType: Equatable {
    /// The lowercased media type without parameters, e.g. `application/rss+xml`.
    var type: String
    /// The lowercased, unquoted `charset` parameter, if any.
    var charset: String?

    /// Parses `type/subtype; name=value; …`; returns nil for an empty value.
    init?(headerValue: String) {
        let parts = headerValue.split(separator: ";", omittingEmptySubsequences: false)
        guard let first = parts.first else {
            return nil
        }
        let type = Self.trimmed(first).lowercased()
        guard !type.isEmpty else {
            return nil
        }
        self.type = type
        self.charset = nil
        for parameter in parts.dropFirst() {
            guard let equals = parameter.firstIndex(of: "=") else {
                continue
            }
            let name = Self.trimmed(parameter[..<equals]).lowercased()
            guard name == "charset" else {
                continue
            }
            var value = Self.trimmed(parameter[parameter.index(after: equals)...])
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            if !value.isEmpty {
                charset = value.lowercased()
            }
            break
        }
    }

    private static func trimmed(_ text: Substring) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(text.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
