import Foundation
import PostgresNIO
import StoreLocation

/// What a `sslmode` comes to (libpq's meaning): whether TLS is tried or required, and what of the server's
/// certificate is checked.
struct TLSPolicy: Sendable, Hashable {
    enum Use: Sendable, Hashable { case never, ifOffered, always }
    enum Check: Sendable, Hashable {
        /// Encrypted, but any certificate is taken.
        case nothing
        /// The chain must lead to a trusted root; the host name is not compared.
        case chain
        /// The chain and the host name.
        case chainAndHost
    }

    var use: Use
    var check: Check
}

extension PostgresSettings {
    var tlsPolicy: TLSPolicy {
        switch tlsMode {
        case .disable: return TLSPolicy(use: .never, check: .nothing)
        case .prefer: return TLSPolicy(use: .ifOffered, check: .nothing)
        // libpq: `require` checks the chain only when a root certificate file is given.
        case .require: return TLSPolicy(use: .always, check: rootCertificatePath == nil ? .nothing : .chain)
        case .verifyCA: return TLSPolicy(use: .always, check: .chain)
        case .verifyFull: return TLSPolicy(use: .always, check: .chainAndHost)
        }
    }

    /// The TLS settings of `tlsPolicy` (the trusted roots from `sslrootcert` when given).
    func tlsConfiguration() throws(PostgresStoreError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let rootCertificatePath {
            guard FileManager.default.isReadableFile(atPath: rootCertificatePath) else {
                throw .badURL(url: displayURL, part: "sslrootcert", reason: "cannot read \(rootCertificatePath)")
            }
            tls.trustRoots = .file(rootCertificatePath)
        }
        switch tlsPolicy.check {
        case .nothing: tls.certificateVerification = .none
        case .chain: tls.certificateVerification = .noHostnameVerification
        case .chainAndHost: tls.certificateVerification = .fullVerification
        }
        return tls
    }

    /// The pool's configuration: TCP to `host:port`, TLS as `tlsPolicy` says.
    func clientConfiguration() throws(PostgresStoreError) -> PostgresClient.Configuration {
        let tls = try tlsConfiguration()
        let mode: PostgresClient.Configuration.TLS
        switch tlsPolicy.use {
        case .never: mode = .disable
        case .ifOffered: mode = .prefer(tls)
        case .always: mode = .require(tls)
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: mode)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// A single connection's configuration, the same as the pool's: start-up checks use one, so that a
    /// refused connection fails at once with the server's reason (the pool retries for a minute first).
    func connectionConfiguration() throws(PostgresStoreError) -> PostgresConnection.Configuration {
        let mode: PostgresConnection.Configuration.TLS
        if tlsPolicy.use == .never {
            mode = .disable
        } else {
            let context: NIOSSLContext
            do {
                context = try NIOSSLContext(configuration: try tlsConfiguration())
            } catch let error as PostgresStoreError {
                throw error
            } catch {
                throw .badURL(url: displayURL, part: "sslrootcert", reason: "\(error)")
            }
            mode = tlsPolicy.use == .always ? .require(context) : .prefer(context)
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: mode)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }
}
