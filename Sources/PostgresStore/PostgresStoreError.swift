import PostgresNIO
public import Store

/// What can go wrong in the PostgreSQL store; each message names the part, the database or the row.
public enum PostgresStoreError: Error, Sendable, CustomStringConvertible {
    /// The `postgres://` URL does not parse: `part` is the piece at fault (scheme, user, host, port...).
    case badURL(url: String, part: String, reason: String)
    /// The database could not be reached or refused the connection (authentication, unknown database).
    case connection(url: String, reason: String)
    /// The database's schema is newer than this build knows: an instance of a newer feedd migrated it.
    case newerSchema(url: String, found: Int, known: Int)
    /// A migration step failed; the transaction was rolled back, nothing of it applied.
    case migration(url: String, version: Int, name: String, reason: String)
    /// A query failed; `operation` says what the store was doing.
    case query(operation: String, reason: String)
    /// The feed's lease is no longer this instance's (it expired and another instance took the feed):
    /// nothing was written. `holder` is the instance holding it now (nil: nobody).
    case feedLeaseLost(feed: String, owner: String, holder: String? = nil)
    /// The delivery's lease is no longer this instance's: nothing was written.
    case deliveryLeaseLost(id: Int64, owner: String, holder: String? = nil)
    /// No feed of that name in the database.
    case unknownFeed(String)
    /// No delivery with that id waits in the database.
    case unknownDelivery(Int64)
    /// The store was closed (`close()`).
    case closed(url: String)

    public var description: String {
        switch self {
        case .badURL(let url, let part, let reason):
            return "store URL \(url): bad \(part): \(reason)"
        case .connection(let url, let reason):
            return "cannot use the database \(url): \(reason)"
        case .newerSchema(let url, let found, let known):
            return "the database \(url) has schema version \(found), newer than the \(known) this feedd knows; "
                + "upgrade feedd (a newer instance migrated it)"
        case .migration(let url, let version, let name, let reason):
            return "the database \(url): migration \(version) (\(name)) failed and was rolled back: \(reason)"
        case .query(let operation, let reason):
            return "database: \(operation) failed: \(reason)"
        case .feedLeaseLost(let feed, let owner, _):
            return "feed \"\(feed)\": the lease of instance \"\(owner)\" was lost (expired and taken over); "
                + "the poll's result was not stored"
        case .deliveryLeaseLost(let id, let owner, _):
            return "delivery \(id): the lease of instance \"\(owner)\" was lost (expired and taken over)"
        case .unknownFeed(let name):
            return "no feed named \"\(name)\" in the database"
        case .unknownDelivery(let id):
            return "no delivery \(id) in the database's outbox"
        case .closed(let url):
            return "the store in the database \(url) is closed"
        }
    }

    /// The error as the `FeedStore` protocol reports it: a database that cannot be reached is `unavailable`
    /// (the daemon waits it out), a lost lease `leaseLost`, unknown feeds and deliveries as in the file
    /// store; the start-up errors (URL, migration, schema) and failed queries are `database`.
    public var storeError: StoreError {
        switch self {
        case .connection(let url, let reason):
            return .unavailable(location: url, reason: reason)
        case .query(let operation, let reason):
            return .database(operation: operation, reason: reason)
        case .feedLeaseLost(let feed, _, let holder):
            return .leaseLost(what: "feed \"\(feed)\"", owner: holder ?? "(none)")
        case .deliveryLeaseLost(let id, _, let holder):
            return .leaseLost(what: "delivery \(id)", owner: holder ?? "(none)")
        case .unknownFeed(let name):
            return .unknownFeed(name)
        case .unknownDelivery(let id):
            return .unknownDelivery(UInt64(id))
        case .closed(let url):
            return .closed(directory: url)
        case .badURL, .newerSchema, .migration:
            return .database(operation: "opening the store", reason: description)
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
