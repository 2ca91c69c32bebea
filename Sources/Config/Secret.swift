internal import Foundation

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

    /// The value now: the literal, the file's content without its trailing line breaks (at most
    /// 64 KiB), or the variable of `environment`. Read at each use, so a rotated token needs no reload.
    /// The error names the source, never a value.
    public func resolve(environment: [String: String]) throws(SecretReadError) -> String {
        switch self {
        case .literal(let value):
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SecretReadError(source: self, reason: "cannot read the file")
            }
            guard data.count <= 64 * 1024 else {
                throw SecretReadError(source: self, reason: "the file is over 64 KiB")
            }
            var text = String(decoding: data, as: UTF8.self)
            while let last = text.last, last.isNewline { text.removeLast() }
            return text
        case .env(let name):
            guard let value = environment[name] else {
                throw SecretReadError(source: self, reason: "the variable is not set")
            }
            return value
        }
    }

    /// What is printed in place of a literal secret.
    public static let mask = "********"
}

/// A secret that could not be read.
public struct SecretReadError: Error, Sendable, Hashable, CustomStringConvertible {
    public var source: Secret
    public var reason: String

    public var description: String { "cannot read secret \(source): \(reason)" }
}
