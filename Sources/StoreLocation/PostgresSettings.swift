import FeedModel
internal import Foundation

/// Where the PostgreSQL store connects, parsed from `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=…]`,
/// and which password it sends (docs/store.md, "PostgreSQL"). A pure value: the configuration checks a
/// `store` URL with it, and the PostgreSQL store turns it into postgres-nio's configuration
/// (`PostgresSettings+Client.swift` in PostgresStore).
///
/// The password comes from exactly one place: the URL, or a secret the caller read (the configuration's
/// `store_password`); giving both is an error, so it is never unclear which one counts. Without either,
/// `PGPASSWORD` from the environment is used, as libpq does; without any, none is sent (trust or peer
/// authentication). The URL is only ever shown masked (`displayURL`).
public struct PostgresSettings: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// How the connection uses TLS: libpq's `sslmode` values and meaning.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, else plain; the certificate is not checked (libpq's default).
        case prefer
        /// TLS or no connection; the certificate is not checked unless `sslrootcert` is given, which then
        /// checks its chain (not the host name), as libpq does.
        case require
        /// TLS; the certificate chain must lead to a trusted root (system roots or `sslrootcert`).
        case verifyCA = "verify-ca"
        /// TLS; the chain must be trusted and the certificate must name the host. The only mode that stops
        /// a man in the middle.
        case verifyFull = "verify-full"
    }

    /// Where the password came from (named in authentication errors, never the password itself).
    public enum PasswordSource: String, Sendable, Hashable {
        case url = "the URL"
        case secret = "store_password"
        case environment = "PGPASSWORD"
    }

    public var user: String
    public var password: String?
    public var passwordSource: PasswordSource?
    public var host: String
    public var port: Int
    public var database: String
    public var tlsMode: TLSMode
    /// A PEM file of the certificate authorities to trust (`sslrootcert`), instead of the system's.
    public var rootCertificatePath: String?
    /// The URL as given, with its password masked (`URLCredentials`): what logs and messages show.
    public var displayURL: String

    /// `displayURL`: interpolating the settings never shows the password.
    public var description: String { displayURL }
    public var debugDescription: String { displayURL }

    /// Parses `url` and picks the password (see the type's summary).
    ///
    /// - Parameters:
    ///   - secret: the password the caller read from its own source (`store_password = { file | env }`).
    ///   - secretSource: that source's name, for the error when the URL carries a password too.
    ///   - environment: the process environment, for `PGPASSWORD`.
    public init(
        url: String, secret: String? = nil, secretSource: String = "store_password",
        environment: [String: String] = [:]
    ) throws(StoreURLError) {
        let display = URLCredentials.masked(url)
        func bad(_ part: String, _ reason: String) -> StoreURLError {
            .badURL(url: display, part: part, reason: reason)
        }
        var rest = Substring(url)
        guard let schemeEnd = rest.range(of: "://") else {
            throw bad("scheme", "expected postgres://USER@HOST:PORT/DB")
        }
        let scheme = rest[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw bad("scheme", "\"\(scheme)\" is not postgres or postgresql")
        }
        rest = rest[schemeEnd.upperBound...]
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        if rest.contains("#") { throw bad("fragment", "a database URL has no #fragment") }
        guard let slash = rest.firstIndex(of: "/") else {
            throw bad("database", "no database name (postgres://USER@HOST:PORT/DB)")
        }
        let authority = rest[..<slash]
        let path = rest[rest.index(after: slash)...]
        guard let at = authority.lastIndex(of: "@") else {
            throw bad("user", "no user name (postgres://USER@HOST:PORT/DB)")
        }
        let userInfo = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]

        var urlPassword: String?
        let userPart: Substring
        if let colon = userInfo.firstIndex(of: ":") {
            userPart = userInfo[..<colon]
            guard let decoded = String(userInfo[userInfo.index(after: colon)...]).removingPercentEncoding else {
                throw bad("password", "bad percent-encoding")
            }
            urlPassword = decoded
        } else {
            userPart = userInfo
        }
        guard let user = String(userPart).removingPercentEncoding else { throw bad("user", "bad percent-encoding") }
        guard !user.isEmpty else { throw bad("user", "the user name is empty") }

        var host: Substring
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw bad("host", "unclosed [ of an IPv6 address") }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw bad("host", "unexpected \"\(after)\" after the address") }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort
        }
        guard !host.isEmpty else { throw bad("host", "the host is empty") }
        if host.contains(where: { $0 == "," || $0 == " " }) {
            throw bad("host", "\"\(host)\" is not one host name (several hosts are not supported)")
        }
        var port = 5432
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw bad("port", "\"\(portText)\" is not a port number (1-65535)")
            }
            port = value
        }
        guard let database = String(path).removingPercentEncoding, !database.isEmpty else {
            throw bad("database", "no database name (postgres://USER@HOST:PORT/DB)")
        }
        if database.contains("/") { throw bad("database", "\"\(database)\" contains a /") }

        var tlsMode = TLSMode.prefer
        var rootCertificatePath: String?
        for parameter in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0])
            let value = pair.count > 1 ? (String(pair[1]).removingPercentEncoding ?? String(pair[1])) : ""
            switch name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    let known = TLSMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw bad("sslmode", "\"\(value)\" is not one of \(known)")
                }
                tlsMode = mode
            case "sslrootcert":
                guard !value.isEmpty else { throw bad("sslrootcert", "the file name is empty") }
                rootCertificatePath = value
            default:
                throw bad("query", "unknown parameter \"\(name)\" (known: sslmode, sslrootcert)")
            }
        }

        if urlPassword != nil && secret != nil {
            throw .passwordTwice(url: display, secretSource: secretSource)
        }
        if let urlPassword {
            password = urlPassword
            passwordSource = .url
        } else if let secret {
            password = secret
            passwordSource = .secret
        } else if let value = environment["PGPASSWORD"] {
            password = value
            passwordSource = .environment
        }
        self.user = user
        self.host = String(host)
        self.port = port
        self.database = database
        self.tlsMode = tlsMode
        self.rootCertificatePath = rootCertificatePath
        self.displayURL = display
    }
}
