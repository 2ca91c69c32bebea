import PostgresNIO

/// What can go wrong in the PostgreSQL store; each message names the part, the database or the row.
public enum PostgresStoreError: Error, Sendable, CustomStringConvertible {
    /// The `postgres://` URL does not parse: `part` is the piece at fault (scheme, user, host, port...).
    case badURL(url: String, part: String, reason: String)
    /// A password in the URL and one from `store_password` at the same time.
    case passwordTwice(url: String)
    /// The database could not be reached or refused the connection (authentication, unknown database).
    case connection(url: String, reason: String)
    /// The database's schema is newer than this build knows: an instance of a newer feedd migrated it.
    case newerSchema(url: String, found: Int, known: Int)
    /// A migration step failed; the transaction was rolled back, nothing of it applied.
    case migration(url: String, version: Int, name: String, reason: String)
    /// A query failed; `operation` says what the store was doing.
    case query(operation: String, reason: String)
    /// The feed's lease is no longer this instance's (it expired and another instance took the feed):
    /// nothing was written.
    case feedLeaseLost(feed: String, owner: String)
    /// The delivery's lease is no longer this instance's: nothing was written.
    case deliveryLeaseLost(id: Int64, owner: String)
    /// No feed of that name in the database.
    case unknownFeed(String)

    public var description: String {
        switch self {
        case .badURL(let url, let part, let reason):
            return "store URL \(url): bad \(part): \(reason)"
        case .passwordTwice(let url):
            return "store URL \(url) carries a password and store_password gives another; keep one"
        case .connection(let url, let reason):
            return "cannot use the database \(url): \(reason)"
        case .newerSchema(let url, let found, let known):
            return "the database \(url) has schema version \(found), newer than the \(known) this feedd knows; "
                + "upgrade feedd (a newer instance migrated it)"
        case .migration(let url, let version, let name, let reason):
            return "the database \(url): migration \(version) (\(name)) failed and was rolled back: \(reason)"
        case .query(let operation, let reason):
            return "database: \(operation) failed: \(reason)"
        case .feedLeaseLost(let feed, let owner):
            return "feed \"\(feed)\": the lease of instance \"\(owner)\" was lost (expired and taken over); "
                + "the poll's result was not stored"
        case .deliveryLeaseLost(let id, let owner):
            return "delivery \(id): the lease of instance \"\(owner)\" was lost (expired and taken over)"
        case .unknownFeed(let name):
            return "no feed named \"\(name)\" in the database"
        }
    }

    /// One line for a person from a postgres-nio error: the server's message and SQLSTATE when it sent
    /// one, else the client's code and cause. (`PSQLError.description` hides both on purpose.)
    static func reason(_ error: any Error) -> String {
        if let error = error as? PostgresStoreError { return error.description }
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo, let message = info[.message] {
            var text = message
            if let detail = info[.detail] { text += " (\(detail))" }
            if let state = info[.sqlState] { text += " [SQLSTATE \(state)]" }
            return text
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }
}
