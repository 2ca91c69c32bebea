import Foundation
import PostgresStore
import StoreLocation
import TestSupport
import Testing

extension PostgresTests {
    @Suite struct SchemaTests {
        @Test("migrating an empty database creates the tables; running it again changes nothing")
        func migrateTwice() async throws {
            try await TestDatabase.withStores(migrate: false) { database, stores in
                let first = try await stores[0].migrate()
                #expect(first.from == 0)
                #expect(first.to >= 1)
                let second = try await stores[0].migrate()
                #expect(second.from == first.to)
                #expect(second.to == first.to)
                let tables = try await database.value(
                    "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables "
                        + "WHERE table_schema = 'public'")
                #expect(tables == "deliveries,feeds,host_pauses,instances,items,schema_version")
                #expect(try await database.count("schema_version") == first.to)
            }
        }

        @Test("schemaVersion reads 0 for an empty database, writing nothing, and the version once migrated")
        func schemaVersion() async throws {
            try await TestDatabase.withStores(migrate: false) { database, stores in
                #expect(try await stores[0].schemaVersion() == 0)
                #expect(try await database.value("SELECT to_regclass('schema_version') IS NULL") == "t")
                try await stores[0].migrate()
                #expect(try await stores[0].schemaVersion() == PostgresStore.schemaVersionKnown)
            }
        }

        @Test("version 3: a key in the hash: form is a remembered key only (no body)")
        func hashKeysHaveNoBody() async throws {
            try await TestDatabase.withStores { database, _ in
                _ = try await database.value(
                    "INSERT INTO feeds (name, configured_url, created) VALUES ('f', 'u', now())")
                let key = "hash:" + String(repeating: "ab", count: 16)
                _ = try await database.value(
                    "INSERT INTO items (feed_id, key, first_seen, hash) SELECT id, '\(key)', now(), '' FROM feeds")
                await #expect(throws: (any Error).self) {
                    try await database.value(
                        "INSERT INTO items (feed_id, key, first_seen, hash, body) "
                            + "SELECT id, 'hash:00', now(), '', '{}' FROM feeds")
                }
                #expect(try await database.count("items") == 1)
            }
        }

        @Test("instances starting at once migrate once")
        func concurrentMigrations() async throws {
            try await TestDatabase.withStores(["a", "b", "c", "d"], migrate: false) { database, stores in
                let results = try await withThrowingTaskGroup(of: (from: Int, to: Int).self) { group in
                    for store in stores { group.addTask { try await store.migrate() } }
                    var results: [(from: Int, to: Int)] = []
                    for try await result in group { results.append(result) }
                    return results
                }
                #expect(results.filter { $0.from == 0 }.count == 1)
                #expect(try await database.count("schema_version") == results[0].to)
            }
        }

        @Test("a schema newer than this build is refused with both versions named")
        func newerSchema() async throws {
            try await TestDatabase.withStores { database, stores in
                _ = try await database.value(
                    "INSERT INTO schema_version (version, name) VALUES (999, 'from the future')")
                let error = try await #require(throws: PostgresStoreError.self) { try await stores[0].migrate() }
                #expect(error.description.contains("has schema version 999, newer than the"))
                #expect(error.description.contains("upgrade feedd"))
                #expect(try await database.count("schema_version WHERE version = 999") == 1)
            }
        }

        @Test("an instance is recorded with its configuration's digest; a restart keeps its first start")
        func instances() async throws {
            try await TestDatabase.withStores(["a", "b"]) { database, stores in
                try await stores[0].registerInstance(configDigest: "sha256:1", now: start)
                try await stores[1].registerInstance(configDigest: "sha256:1", now: at(1))
                try await stores[0].registerInstance(configDigest: "sha256:2", now: at(60))
                let rows = try await database.value(
                    "SELECT string_agg(name || ' ' || config_digest || ' ' || "
                        + "extract(epoch FROM last_seen - started)::int, ',' ORDER BY name) FROM instances")
                #expect(rows == "a sha256:2 60,b sha256:1 0")
            }
        }

        @Test("a wrong password is a connection error naming the user and where the password came from")
        func wrongPassword() async throws {
            try await TestDatabase.withStores { database, _ in
                let settings = try PostgresSettings(url: database.url, secret: "not-the-password")
                let store = try database.store("x", settings: settings)
                let error = try await withRunning([store]) {
                    try await #require(throws: PostgresStoreError.self) { try await store.migrate() }
                }
                guard case .connection = error else {
                    Issue.record("expected a connection error, got \(error)")
                    return
                }
                #expect(error.description.contains("password authentication failed"))
                #expect(error.description.contains("user \"postgres\", password from store_password"))
                #expect(!error.description.contains("not-the-password"))
            }
        }

        @Test("PGPASSWORD authenticates when neither the URL nor a secret gives a password")
        func passwordFromEnvironment() async throws {
            try await TestDatabase.withStores { database, _ in
                let settings = try PostgresSettings(
                    url: database.url, environment: ["PGPASSWORD": database.server.password])
                let store = try database.store("x", settings: settings)
                let versions = try await withRunning([store]) { try await store.migrate() }
                #expect(versions.from == versions.to)
            }
        }

        @Test("sslmode=require against a server without TLS fails; prefer falls back to plain")
        func tlsRequired() async throws {
            try await TestDatabase.withStores { database, _ in
                let base = database.url.replacingOccurrences(of: "?sslmode=disable", with: "")
                let required = try database.store(
                    "x", settings: PostgresSettings(url: base + "?sslmode=require", secret: database.server.password))
                let error = try await withRunning([required]) {
                    try await #require(throws: PostgresStoreError.self) { try await required.migrate() }
                }
                guard case .connection = error else {
                    Issue.record("expected a connection error, got \(error)")
                    return
                }
                let preferred = try database.store(
                    "y", settings: PostgresSettings(url: base + "?sslmode=prefer", secret: database.server.password))
                _ = try await withRunning([preferred]) { try await preferred.migrate() }
            }
        }
    }
}
