import Config
import Daemon
import Logging
import Platform
import PostgresStore
import Store
import StoreLocation

/// The one way the commands open the store (`items`, `feeds`, `held`, `deliveries`, `store`): the file
/// store in a state directory, or the PostgreSQL database the configuration's `store` names. Every command
/// then works through `any FeedStore`, so each works the same on both.
enum StoreOpener {
    /// The stores a command can open.
    enum Kind {
        /// The file store in this state directory.
        case files(StateLocation)
        /// The PostgreSQL store, its password read, and the configuration's `instance`.
        case postgres(PostgresSettings, instance: String?)
    }

    /// Opens the store `location` names and runs `body` on it, or ends the process: 78 when the database's
    /// password cannot be read, 75 when another process holds the state directory, 74 for I/O errors or a
    /// state directory that does not exist (with where feedd looked). `readOnly`: the file store takes no
    /// lock, so the daemon may run; nothing is written. A PostgreSQL store's connection pool runs beside
    /// `body` in the same task group and is shut down when `body` returns, its connections closed, so the
    /// command ends with nothing left running (`running`). `body` closes a store it wrote to.
    static func withStore<Result>(
        _ location: StateLocation, readOnly: Bool, _ body: (any FeedStore) async -> Result
    ) async -> Result {
        switch kind(of: location) {
        case .files(let location):
            return await body(openFiles(location, readOnly: readOnly))
        case .postgres(let settings, let instance):
            let store = createDatabaseStore(settings, instance: instance)
            return await running(store) {
                await prepare(store, readOnly: readOnly)
                return await body(store)
            }
        }
    }

    /// Runs `body` while `store`'s connection pool runs (`run()`) in a child task, then shuts the pool down
    /// and waits until it has closed its connections: structured, so no pool outlives the command's work.
    static func running<Result>(_ store: PostgresStore, _ body: () async -> Result) async -> Result {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            defer { store.shutDown() }
            return await body()
        }
    }

    /// The file store in `location`, opened for writing (`feedd store copy`), or ends the process as
    /// `withStore` does; the caller closes it.
    static func openFiles(_ location: StateLocation) -> LocalFeedStore {
        openFiles(location, readOnly: false)
    }

    /// What `location` names, the database's password read (`store_password`, else the URL's, else
    /// `PGPASSWORD`).
    static func kind(of location: StateLocation, environment: [String: String] = Environment.all()) -> Kind {
        guard let database = location.database else { return .files(location) }
        do throws(DatabaseSettingError) {
            return .postgres(try database.settings(environment: environment), instance: database.instance)
        } catch {
            Diagnostics.fail("\(error)", status: 78)
        }
    }

    /// Checks the schema of `store`'s database (and migrates an older one when not `readOnly`), or ends the
    /// process saying why. A database without feedd's schema is refused, never
    /// created (the daemon and `feedd store copy` create it), so a mistyped database name is not silently
    /// filled. Read-only commands write nothing, so a schema of another version is refused with what to do;
    /// writing commands migrate an older schema first. Unreachable: status 75.
    static func prepare(_ store: PostgresStore, readOnly: Bool) async {
        let settings = store.settings
        let version = await database { () async throws(PostgresStoreError) in try await store.schemaVersion() }
        let known = PostgresStore.schemaVersionKnown
        if version == 0 {
            Diagnostics.fail(
                "the database \(settings.displayURL) holds no feedd schema (is it the right database? the daemon "
                    + "creates the schema on its first start, and feedd store copy --to fills an empty database)",
                status: 1)
        }
        if version != known && (readOnly || version > known) {
            let what =
                version > known
                ? "newer than the \(known) this feedd knows; upgrade feedd"
                : "older than the \(known) this feedd reads; start the daemon (or a command that changes the store) "
                    + "to migrate it"
            Diagnostics.fail("the database \(settings.displayURL) has schema version \(version), \(what)", status: 1)
        }
        if !readOnly {
            await database { () async throws(PostgresStoreError) in _ = try await store.migrate() }
        }
    }

    /// A PostgreSQL store named `instance` (else the default: host name and process id); its pool is not
    /// running yet.
    static func createDatabaseStore(_ settings: PostgresSettings, instance: String?) -> PostgresStore {
        do throws(PostgresStoreError) {
            return try PostgresStore(
                settings: settings, instance: instance ?? DaemonSettings.defaultInstance,
                logger: Logger(label: "feedd.store") { _ in SwiftLogNoOpLogHandler() })
        } catch {
            Diagnostics.fail(error.description, status: 78)
        }
    }

    /// Runs `body`, ending the process on its error as the store errors do (75 when the database cannot
    /// be reached).
    static func database<Result>(_ body: () async throws(PostgresStoreError) -> Result) async -> Result {
        do {
            return try await body()
        } catch {
            StoreFailure.exit(error.storeError)
        }
    }

    /// The file store; recovery notes (a torn tail cut, a damaged record skipped) go to standard error.
    private static func openFiles(_ location: StateLocation, readOnly: Bool) -> LocalFeedStore {
        guard Directory.exists(location.path) else {
            Diagnostics.fail(location.notFoundMessage, status: 74)
        }
        let files: FileStore
        do throws(StoreError) {
            files = try FileStore.open(directory: location.path, options: StoreOptions(readOnly: readOnly))
        } catch {
            StoreFailure.exit(error)
        }
        for note in files.recoveryNotes { try? StandardStream.error.write("feedd: warning: \(note)\n") }
        return LocalFeedStore(files: files)
    }
}
