public import Platform

/// What can go wrong in the store; each message says what failed and where (file, offset).
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// Another process holds the state directory's lock.
    case locked(directory: String, owner: Int32?)
    /// A system call failed on a file of the store (disk full, read-only file system, I/O error...).
    case io(path: String, offset: Int?, cause: SystemError)
    /// A file of the store is not one (wrong magic) or has a format version this build does not read.
    case badFile(path: String, reason: String)
    /// A record failed its checksum or could not be decoded where it had to be read.
    case corrupt(path: String, offset: Int, reason: String)
    /// A write was asked of a store opened read-only.
    case readOnly(directory: String)
    /// The store was closed.
    case closed(directory: String)
    /// No feed of that name in the store.
    case unknownFeed(String)
    /// No delivery with that id in the outbox.
    case unknownDelivery(UInt64)
    /// The database cannot be reached (down, restarting, network cut) or refused the connection; `location`
    /// is its URL without the password. The daemon stops polling and delivering until it is back.
    case unavailable(location: String, reason: String)
    /// A database operation failed (`operation` says which) while the database was reachable.
    case database(operation: String, reason: String)
    /// The lease of a feed or delivery (`what`) is no longer this instance's: it expired and instance
    /// `owner` took the work over. Nothing was written.
    case leaseLost(what: String, owner: String)
    /// `feedd store copy` writes only into an empty store; `location` holds `what` already.
    case notEmpty(location: String, what: String)

    /// True when the failure is the lock held by another process (`feedd` exits with 75, EX_TEMPFAIL).
    public var isLocked: Bool {
        if case .locked = self { return true }
        return false
    }

    /// True when the database cannot be reached: waiting for it is the remedy.
    public var isUnavailable: Bool {
        if case .unavailable = self { return true }
        return false
    }

    /// True for failures of the disk or file system (`feedd` exits with 74, EX_IOERR).
    public var isIOError: Bool {
        switch self {
        case .io, .badFile, .corrupt: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .locked(let directory, let owner):
            let who = owner.map { " (process \($0))" } ?? ""
            return "state directory \(directory) is in use by another feedd process\(who); stop it first"
        case .io(let path, let offset, let cause):
            let at = offset.map { " at offset \($0)" } ?? ""
            return "\(path)\(at): \(cause.operation) failed: \(cause.reason)"
        case .badFile(let path, let reason):
            return "\(path): \(reason)"
        case .corrupt(let path, let offset, let reason):
            return "\(path) at offset \(offset): \(reason)"
        case .readOnly(let directory):
            return "state directory \(directory) was opened read-only"
        case .closed(let directory):
            return "the store in \(directory) is closed"
        case .unknownFeed(let name):
            return "no feed named \"\(name)\" in the store"
        case .unknownDelivery(let id):
            return "no delivery \(id) in the outbox"
        case .unavailable(let location, let reason):
            return "cannot use the database \(location): \(reason)"
        case .database(let operation, let reason):
            return "database: \(operation) failed: \(reason)"
        case .leaseLost(let what, let owner):
            return "\(what): this instance's lease was lost (it expired and instance \"\(owner)\" took it over); "
                + "nothing was written"
        case .notEmpty(let location, let what):
            return "\(location) is not empty: it holds \(what); copy only into an empty store"
        }
    }
}
