import FeedModel
import Foundation
import Store
import TestSupport
import Testing

@testable import PostgresStore

extension PostgresTests {
    @Suite struct SchemaUpgradeTests {
        @Test("a database at version 1 with data is brought to version 2, its rows kept and usable")
        func upgradeFromVersionOne() async throws {
            try await TestDatabase.withStores(migrate: false) { database, stores in
                let store = stores[0]
                let first = try #require(Schema.migrations.first { $0.version == 1 })
                _ = try await database.value(
                    "CREATE TABLE schema_version (version integer PRIMARY KEY, name text NOT NULL, "
                        + "applied timestamptz NOT NULL DEFAULT now())")
                for statement in first.statements { _ = try await database.value(statement) }
                _ = try await database.value("INSERT INTO schema_version (version, name) VALUES (1, 'v1')")
                _ = try await database.value(
                    "INSERT INTO feeds (name, configured_url, created, polls) VALUES ('f', 'https://e.org/f', now(), 1)"
                )
                _ = try await database.value(
                    "INSERT INTO items (feed_id, key, first_seen, body, hash) SELECT id, 'old', now(), "
                        + "'{\"key\":\"old\"}', sha256('x') FROM feeds")

                let versions = try await store.migrate()
                #expect(versions.from == 1)
                #expect(versions.to == Schema.latest)
                #expect(try await database.count("items WHERE content_hash IS NULL AND seq IS NOT NULL") == 1)
                // The old row is known: shown again it is an update (no fingerprint yet), never new.
                let claim = try await store.beginPoll(feed: "f", now: at(0), leaseUntil: at(60), force: true)
                guard case .granted = claim else {
                    Issue.record("not granted: \(claim)")
                    return
                }
                let result = try await store.commit(
                    feed: "f", items: [item("old"), item("new")], fetchState: FeedFetchState(), now: at(1),
                    deliveries: { _, _ in [] })
                #expect(result.new.map(\.key) == ["new"])
                #expect(result.updated.map(\.key) == ["old"])
                #expect(try await store.migrate().from == Schema.latest)
            }
        }
    }
}
