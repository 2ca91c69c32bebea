internal import Platform

/// Where a header value or signing secret comes from; read at send time, never logged.
///
/// `description` names the source (`file /etc/feedd/token`, `env SLACK_TOKEN`), never the value.
public enum SecretSource: Sendable, Hashable, CustomStringConvertible {
    /// The value as written in the configuration (fine for non-secret headers).
    case literal(String)
    /// The content of a file, without its trailing line break; read at each send, so a rotated
    /// token is picked up without a reload.
    case file(String)
    /// The value of an environment variable of the feedd process.
    case env(String)

    /// The value now.
    public func resolve() throws(SecretError) -> String {
        switch self {
        case .literal(let value):
            return value
        case .file(let path):
            do {
                var text = String(decoding: try FileSystem.read(path, limit: 64 * 1024), as: UTF8.self)
                while let last = text.last, last.isNewline { text.removeLast() }
                return text
            } catch {
                throw SecretError(source: self, reason: error.description)
            }
        case .env(let name):
            guard let value = OS.environment(name) else {
                throw SecretError(source: self, reason: "the variable is not set")
            }
            return value
        }
    }

    public var description: String {
        switch self {
        case .literal: return "literal value"
        case .file(let path): return "file \(path)"
        case .env(let name): return "env \(name)"
        }
    }
}

/// A secret that could not be read at send time.
public struct SecretError: Error, Sendable, Hashable, CustomStringConvertible {
    public var source: SecretSource
    public var reason: String

    public var description: String {
        "cannot read secret from \(source): \(reason)"
    }
}
