internal import Crypto
import FeedModel
public import Logging
import Platform
import PostgresStore
public import Store
import StoreLocation

extension Daemon {
    /// Opens the store the daemon works through: the one place that picks the kind of store. With a
    /// database URL (`store = "postgres://…"`) the PostgreSQL store: its schema migrated first (unless
    /// `readOnly`), its connection pool running until `close()`. Else the file store in `state_dir` (taking
    /// its lock; its recovery notes are logged). `readOnly`: for a dry run beside a running daemon (the file
    /// store then takes no lock and writes nothing).
    public static func openStore(settings: DaemonSettings, readOnly: Bool = false, logger: Logger)
        async throws(DaemonError) -> any FeedStore
    {
        var options = settings.store
        if let database = settings.database {
            return try await openDatabase(database, settings: settings, readOnly: readOnly, logger: logger)
        }
        if readOnly { options.readOnly = true }
        let files: FileStore
        do {
            files = try FileStore.open(directory: settings.stateDirectory, options: options)
        } catch {
            throw .store(error)
        }
        for note in files.recoveryNotes {
            logger.warning("store recovered", metadata: ["note": "\(note.description)"])
        }
        return LocalFeedStore(files: files, instance: settings.instance)
    }

    /// The PostgreSQL store of `database`; see `openStore`. A database that cannot be reached at start
    /// stops the start (systemd restarts the service); once running, the daemon waits outages out.
    private static func openDatabase(
        _ database: PostgresSettings, settings: DaemonSettings, readOnly: Bool, logger: Logger
    ) async throws(DaemonError) -> any FeedStore {
        // postgres-nio logs each connection at debug level: only its warnings reach the daemon's log.
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        let store: PostgresStore
        do throws(PostgresStoreError) {
            store = try PostgresStore(
                settings: database, instance: settings.instance, options: settings.store, logger: quiet)
        } catch {
            throw .store(error.storeError)
        }
        // The pool works only while run() runs; close() ends it.
        Task { await store.run() }
        guard !readOnly else { return store }
        do throws(PostgresStoreError) {
            let (from, to) = try await store.migrate()
            if from != to {
                logger.notice(
                    "database schema migrated",
                    metadata: ["store": "\(database.displayURL)", "schema.from": "\(from)", "schema.to": "\(to)"])
            }
        } catch {
            try? await store.close()
            throw .store(error.storeError)
        }
        return store
    }

    /// SHA-256 of `bytes` (a configuration file's text as loaded), lower-case hex: instances on one store
    /// whose digests differ run different configurations.
    public static func configurationDigest(of bytes: some Sequence<UInt8>) -> String {
        SHA256.hash(data: Array(bytes)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The digest of settings that come from no file: the feeds (name and URL) and the hooks' names, in
    /// a stable order, rendered one per line.
    static func configurationDigest(of settings: DaemonSettings) -> String {
        let feeds = settings.feeds.map { "feed \($0.name) \($0.url)" }.sorted()
        let hooks = settings.hooks.map { "hook \($0.name)" }.sorted()
        return configurationDigest(of: (feeds + hooks).joined(separator: "\n").utf8)
    }

    /// Other instances seen this recently count when comparing configurations.
    static let instanceFreshness: Int64 = 600

    /// Makes the store's feeds the configured ones and records this instance (`FeedStore.adopt`), then
    /// warns about each other instance seen in the last ten minutes whose configuration differs. A failure
    /// is logged: the daemon goes on with what the store has (a database that is away is waited out).
    func adopt(_ settings: DaemonSettings, configDigest: String) async {
        let now = runtime.clock.now()
        let instance = InstanceRecord(
            name: runtime.instanceName, configDigest: configDigest, started: startedAt, lastSeen: now)
        let feeds = settings.feeds.map { ConfiguredFeed(name: $0.name, url: $0.url) }
        let instances: [InstanceRecord]
        do throws(StoreError) {
            instances = try await runtime.store.adopt(feeds: feeds, instance: instance, now: now)
        } catch {
            if !runtime.availability.note(error) {
                runtime.logger.error(
                    "store: could not record the configured feeds", metadata: ["error": "\(error.description)"])
            }
            return
        }
        for other in Self.differingInstances(instances, from: instance, now: now) {
            runtime.logger.warning(
                "another instance on this store runs a different configuration",
                metadata: [
                    "instance": "\(other.name)", "instance.last_seen": "\(other.lastSeen.rfc3339)",
                    "config.digest": "\(other.configDigest)", "config.digest.ours": "\(configDigest)",
                ])
        }
    }

    /// The instances other than `ours`, seen within `instanceFreshness` of `now`, whose digest differs.
    static func differingInstances(_ instances: [InstanceRecord], from ours: InstanceRecord, now: Timestamp)
        -> [InstanceRecord]
    {
        instances.filter { other in
            other.name != ours.name && other.configDigest != ours.configDigest
                && now.secondsSince1970 - other.lastSeen.secondsSince1970 <= instanceFreshness
        }.sorted { $0.name < $1.name }
    }
}
