internal import FoundationEssentials

/// Atom 0.3 `mode="base64"` content.
enum Base64 {
    /// The decoded text, or nil when the content is not base64 of UTF-8 text.
    static func decode(_ text: String) -> String? {
        guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else { return nil }
        return String(validating: Array(data), as: UTF8.self)
    }
}
