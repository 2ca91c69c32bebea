/// A `store = "postgres://…"` URL that cannot be used, naming the part at fault; the URL is shown with its
/// password masked.
public enum StoreURLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL does not parse: `part` is the piece at fault (scheme, user, password, host, port, database,
    /// sslmode, sslrootcert, query, fragment).
    case badURL(url: String, part: String, reason: String)
    /// A password in the URL and one from another source at the same time: `secretSource` names it
    /// (`store_password`, `--password-file`).
    case passwordTwice(url: String, secretSource: String)

    /// The part at fault (`password` for a password given twice).
    public var part: String {
        switch self {
        case .badURL(_, let part, _): return part
        case .passwordTwice: return "password"
        }
    }

    /// Why, without the URL: what the configuration reports at the `store` key.
    public var reason: String {
        switch self {
        case .badURL(_, let part, let reason): return "bad \(part): \(reason)"
        case .passwordTwice(_, let source): return "the URL carries a password and \(source) gives another; keep one"
        }
    }

    public var description: String {
        switch self {
        case .badURL(let url, let part, let reason):
            return "store URL \(url): bad \(part): \(reason)"
        case .passwordTwice(let url, let source):
            return "store URL \(url) carries a password and \(source) gives another; keep one"
        }
    }
}
