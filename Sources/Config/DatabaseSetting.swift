internal import FeedModel
public import StoreLocation

/// The PostgreSQL store a configuration names: `store` (the URL as written) and `store_password`.
///
/// The password is one of: the URL's own, `store_password` (a file or an environment variable), or
/// `PGPASSWORD` from the environment, as libpq (in that order; the URL's and `store_password` together
/// are refused). `settings(environment:)` reads it and gives what the store connects with.
public struct DatabaseSetting: Sendable, Hashable, CustomStringConvertible {
    /// The URL as written (its password, if any, in it: never show it, show `description`).
    public var url: String
    public var password: Secret?
    /// The configuration's `instance`, when it sets one (the name this process's leases carry).
    public var instance: String?

    public init(url: String, password: Secret? = nil, instance: String? = nil) {
        self.url = url
        self.password = password
        self.instance = instance
    }

    /// The URL with its password masked.
    public var description: String { URLCredentials.masked(url) }

    /// The connection settings: the URL parsed, the password read (`store_password` now, else the URL's,
    /// else `PGPASSWORD` of `environment`). The error names the part of the URL, or the secret, at fault.
    public func settings(environment: [String: String]) throws(DatabaseSettingError) -> PostgresSettings {
        var secret: String?
        if let password {
            do throws(SecretReadError) {
                secret = try password.resolve(environment: environment)
            } catch {
                throw DatabaseSettingError(message: "store_password: \(error)")
            }
        }
        do throws(StoreURLError) {
            return try PostgresSettings(url: url, secret: secret, environment: environment)
        } catch {
            throw DatabaseSettingError(message: error.description)
        }
    }
}

/// Why a configured database cannot be used: a password that cannot be read, a URL that does not parse.
public struct DatabaseSettingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public var description: String { message }
}

extension FeeddConfiguration {
    /// The PostgreSQL store `store` names, or nil: the file store in `stateDirectory`.
    public var database: DatabaseSetting? {
        store.map { DatabaseSetting(url: $0, password: storePassword, instance: instance) }
    }
}

extension ValueCodec where Value == String {
    /// A `postgres://` URL of the store, parsed as it will be used (`PostgresSettings`), so a problem names
    /// the part at fault; written back with its password masked.
    static let storeURL = ValueCodec(
        typeName: "URL",
        decode: { node, _ throws(CodecFailure) in
            guard case .string(let value) = node else {
                throw mismatch("a URL string like \"postgres://feedd@db.example.org:5432/feedd\"", node)
            }
            do throws(StoreURLError) {
                _ = try PostgresSettings(url: value)
            } catch {
                throw CodecFailure(message: "\(error.reason), in \(TOMLText.quoted(URLCredentials.masked(value)))")
            }
            return value
        },
        render: { TOMLText.quoted(URLCredentials.masked($0)) })
}
