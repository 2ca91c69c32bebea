/// Credentials in URLs (`https://user:secret@host/feed.xml`), masked wherever feedd shows a URL: the
/// HTTP listener, CLI messages, `feedd check`, logs, stored errors and hook payloads. Only the fetcher
/// sees the real URL.
///
/// The password becomes `***` and the user name stays (`https://user:***@host/feed.xml`), so a person
/// can still tell which account a feed uses. A user name without a password is masked whole
/// (`https://***@host/`): that form usually carries a token. Masking is idempotent.
public enum URLCredentials {
    /// What a password (or a lone user name) is replaced with.
    public static let mask = "***"

    /// `url` with its password masked; `url` unchanged when it has no credentials.
    public static func masked(_ url: String) -> String {
        masking(in: url)
    }

    /// `text` with the credentials of every URL in it masked: error messages and log lines that quote
    /// a URL. A URL is found by its `://`; its authority ends at `/`, `?`, `#`, white space, a quote or
    /// an angle bracket.
    public static func masking(in text: String) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var copied = 0
        var index = 0
        var changed = false
        while index + 2 < bytes.count {
            guard bytes[index] == UInt8(ascii: ":"), bytes[index + 1] == UInt8(ascii: "/"),
                bytes[index + 2] == UInt8(ascii: "/")
            else {
                index += 1
                continue
            }
            let start = index + 3
            var end = start
            var at: Int?
            while end < bytes.count, !isAuthorityEnd(bytes[end]) {
                if bytes[end] == UInt8(ascii: "@") { at = end }
                end += 1
            }
            if let at, at > start {
                let userInfo = bytes[start..<at]
                let replacement: [UInt8]
                if let colon = userInfo.firstIndex(of: UInt8(ascii: ":")) {
                    replacement = Array(bytes[start...colon]) + Array(mask.utf8)
                } else {
                    replacement = Array(mask.utf8)
                }
                if !userInfo.elementsEqual(replacement) {
                    output += bytes[copied..<start]
                    output += replacement
                    copied = at
                    changed = true
                }
            }
            index = end
        }
        guard changed else { return text }
        output += bytes[copied...]
        return String(decoding: output, as: UTF8.self)
    }

    private static func isAuthorityEnd(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: " "), UInt8(ascii: "\t"),
            UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "<"),
            UInt8(ascii: ">"), UInt8(ascii: "`"):
            return true
        default:
            return false
        }
    }
}
