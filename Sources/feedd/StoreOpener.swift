import Config
import Platform
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
        /// The PostgreSQL store, its password read.
        case postgres(PostgresSettings)
    }

    /// Opens the store `location` names, or ends the process: 78 when the database's password cannot be
    /// read, 75 when another process holds the state directory, 74 for I/O errors or a state directory that
    /// does not exist (with where feedd looked). `readOnly`: the file store takes no lock, so the daemon
    /// may run; nothing is written.
    static func open(_ location: StateLocation, readOnly: Bool) async -> any FeedStore {
        await open(kind(of: location), readOnly: readOnly)
    }

    /// What `location` names, the database's password read (`store_password`, else the URL's, else
    /// `PGPASSWORD`).
    static func kind(of location: StateLocation, environment: [String: String] = Environment.all()) -> Kind {
        guard let database = location.database else { return .files(location) }
        do throws(DatabaseSettingError) {
            return .postgres(try database.settings(environment: environment))
        } catch {
            Diagnostics.fail("\(error)", status: 78)
        }
    }

    static func open(_ kind: Kind, readOnly: Bool) async -> any FeedStore {
        switch kind {
        case .files(let location):
            return openFiles(location, readOnly: readOnly)
        case .postgres(let settings):
            // The PostgreSQL store is plugged in here when it serves `FeedStore` (issue 16).
            notAvailable(settings)
        }
    }

    /// Whether this build opens a PostgreSQL store. Until it does, `run` and `poll` refuse a configuration
    /// that names one (`DaemonOptions.start`) rather than quietly use the file store.
    static let servesPostgres = false

    /// Ends the process: a configured database this build cannot open yet.
    static func notAvailable(_ settings: PostgresSettings) -> Never {
        Diagnostics.fail("PostgreSQL store \(settings.displayURL): not available in this build yet", status: 1)
    }

    /// The file store; recovery notes (a torn tail cut, a damaged record skipped) go to standard error.
    private static func openFiles(_ location: StateLocation, readOnly: Bool) -> any FeedStore {
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
