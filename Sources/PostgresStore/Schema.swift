/// One step of the schema: SQL statements applied in one transaction with the others due, then recorded
/// in `schema_version` (docs/store.md, "PostgreSQL schema").
struct Migration: Sendable {
    var version: Int
    var name: String
    var statements: [String]
}

/// The schema's steps in order. A step, once released, never changes: a change is a new step.
enum Schema {
    /// The `pg_advisory_xact_lock` key every instance takes while migrating (the bytes of "feedd-sc").
    static let lockKey: Int64 = 0x6665_6564_642d_7363

    static var latest: Int { migrations.last?.version ?? 0 }

    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "feeds, items, deliveries, host pauses, instances",
            statements: [
                """
                CREATE TABLE feeds (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    name text NOT NULL UNIQUE,
                    configured_url text NOT NULL,
                    url text,
                    etag text,
                    last_modified text,
                    next_due timestamptz,
                    consecutive_failures integer NOT NULL DEFAULT 0,
                    last_error text,
                    last_error_at timestamptz,
                    last_success timestamptz,
                    title text,
                    polls bigint NOT NULL DEFAULT 0,
                    lease_owner text,
                    lease_expires timestamptz,
                    removed_at timestamptz,
                    created timestamptz NOT NULL,
                    CHECK ((lease_owner IS NULL) = (lease_expires IS NULL))
                )
                """,
                "CREATE INDEX feeds_due ON feeds (next_due NULLS FIRST, id) WHERE removed_at IS NULL",
                """
                CREATE TABLE items (
                    feed_id bigint NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
                    key text NOT NULL,
                    first_seen timestamptz NOT NULL,
                    changed timestamptz,
                    body json,
                    hash bytea NOT NULL,
                    PRIMARY KEY (feed_id, key)
                )
                """,
                """
                CREATE TABLE deliveries (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    feed_id bigint NOT NULL,
                    item_key text NOT NULL,
                    hook text NOT NULL,
                    event text NOT NULL CHECK (event IN ('new', 'updated')),
                    status text NOT NULL CHECK (status IN ('pending', 'held', 'dead', 'delivered')),
                    attempts integer NOT NULL DEFAULT 0,
                    retry_at timestamptz NOT NULL,
                    last_error text,
                    lease_owner text,
                    lease_expires timestamptz,
                    created timestamptz NOT NULL,
                    delivered_at timestamptz,
                    FOREIGN KEY (feed_id, item_key) REFERENCES items (feed_id, key) ON DELETE CASCADE,
                    CHECK ((lease_owner IS NULL) = (lease_expires IS NULL))
                )
                """,
                "CREATE INDEX deliveries_lanes ON deliveries (feed_id, hook, id) WHERE status = 'pending'",
                """
                CREATE TABLE host_pauses (
                    host text PRIMARY KEY,
                    http_status integer,
                    since timestamptz NOT NULL,
                    until timestamptz NOT NULL
                )
                """,
                """
                CREATE TABLE instances (
                    name text PRIMARY KEY,
                    config_digest text NOT NULL,
                    started timestamptz NOT NULL,
                    last_seen timestamptz NOT NULL
                )
                """,
            ]),
        Migration(
            version: 2, name: "item fingerprints, remembered keys, item order",
            statements: [
                // The file store's fingerprints (`Fingerprint`): content (an update when it changes), and the
                // normalized link and title the flood guard matches by (null when absent). A remembered key
                // (null body) records the poll count and time it was last shown, for `KeyMemory`; `seq`
                // orders the items stored in one second as they were written.
                """
                ALTER TABLE items
                    ADD COLUMN content_hash bigint,
                    ADD COLUMN link_hash integer,
                    ADD COLUMN title_hash integer,
                    ADD COLUMN last_seen_poll bigint,
                    ADD COLUMN last_seen timestamptz,
                    ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY
                """,
                "CREATE INDEX items_order ON items (feed_id, first_seen, seq)",
                "CREATE INDEX deliveries_item ON deliveries (feed_id, item_key)",
                "CREATE INDEX deliveries_status ON deliveries (status, retry_at, id) WHERE status <> 'delivered'",
            ]),
        Migration(
            version: 3, name: "remembered keys known by their hash",
            statements: [
                // `feedd store copy` brings the file store's remembered keys, which it keeps as the first 16
                // bytes of the key's SHA-256 only: such a key is the row `hash:` and 32 hex digits, with no
                // body; `commit` looks each document key up in both forms. A build of schema 2 would not, and
                // would announce those items again: the step makes it refuse the database instead.
                """
                ALTER TABLE items ADD CONSTRAINT items_hash_keys_remembered
                    CHECK (key NOT LIKE 'hash:%' OR body IS NULL)
                """
            ]),
        Migration(
            version: 4, name: "indexes of the outbox's pending and leased deliveries",
            statements: [
                // `claimDeliveries` reads the first pending rows in id order, and `waitingDeliveries` the pending
                // rows leased by an instance: without these, both read every pending row at each pass of a lane
                // (docs/benchmarks.md, "PostgreSQL").
                "CREATE INDEX deliveries_pending ON deliveries (id) WHERE status = 'pending'",
                """
                CREATE INDEX deliveries_leased ON deliveries (hook, lease_expires)
                    WHERE status = 'pending' AND lease_expires IS NOT NULL
                """,
            ]),
    ]
}
