/// A value that must not be shown: a header value, a password, an HMAC key.
///
/// Written in the configuration as a string (the value itself), `{ file = "path" }` (the file's
/// content without its trailing line break, read when used, so a rotated token needs no reload) or
/// `{ env = "NAME" }` (an environment variable of the feedd process). A relative file path is
/// resolved against the folder of the file that names it. `description` never shows a literal value:
/// `feedd check` prints `"********"` in its place.
public enum Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    case literal(String)
    /// An absolute path.
    case file(String)
    case env(String)

    /// `"********"`, `{ file = "/etc/feedd/token" }` or `{ env = "TOKEN" }`: the TOML form with the
    /// literal value masked.
    public var description: String {
        switch self {
        case .literal: return TOMLText.quoted(Secret.mask)
        case .file(let path): return "{ file = \(TOMLText.quoted(path)) }"
        case .env(let name): return "{ env = \(TOMLText.quoted(name)) }"
        }
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: ["source": description]) }

    /// What is printed in place of a literal secret.
    public static let mask = "********"
}
