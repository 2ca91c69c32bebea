import StoreLocation
import Testing

@testable import PostgresStore

/// The postgres-nio side of the settings (parsing is tested in StoreLocationTests).
@Suite struct PostgresSettingsClientTests {
    @Test(
        "sslmode maps to libpq's meaning",
        arguments: [
            ("disable", TLSPolicy(use: .never, check: .nothing)),
            ("prefer", TLSPolicy(use: .ifOffered, check: .nothing)),
            ("require", TLSPolicy(use: .always, check: .nothing)),
            ("verify-ca", TLSPolicy(use: .always, check: .chain)),
            ("verify-full", TLSPolicy(use: .always, check: .chainAndHost)),
        ])
    func tlsModes(mode: String, policy: TLSPolicy) throws {
        let settings = try PostgresSettings(url: "postgres://u@db/d?sslmode=\(mode)")
        #expect(settings.tlsPolicy == policy)
    }

    @Test("require with sslrootcert checks the chain, as libpq does; an unreadable file is named")
    func requireWithRootCertificate() throws {
        let settings = try PostgresSettings(url: "postgres://u@db/d?sslmode=require&sslrootcert=/nonexistent/ca.pem")
        #expect(settings.tlsPolicy == TLSPolicy(use: .always, check: .chain))
        let error = try #require(throws: PostgresStoreError.self) { try settings.clientConfiguration() }
        #expect(error.description.contains("bad sslrootcert: cannot read /nonexistent/ca.pem"))
    }
}
