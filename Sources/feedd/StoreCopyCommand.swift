import ArgumentParser
import Config
import Foundation
import Platform
import PostgresStore
import Store
import StoreLocation

extension StoreCommand {
    /// `feedd store copy`: moves an installation between the file store and PostgreSQL (docs/store.md,
    /// "Moving a store").
    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the file store into an empty PostgreSQL database, or back.",
            discussion: """
                Copies everything the store holds: each feed's fetch state and poll count,
                the kept items with their first-seen and updated times and bodies, the
                remembered keys of items retention dropped, and the outbox (pending, held and
                dead deliveries with their ids, order, attempts, next attempt and last error).
                Nothing is announced again after the move: the daemon on the new store knows
                every item the old one knew, and sends the deliveries still due.

                With --to postgres://… it copies the configured file store (the state
                directory of --config, or --state-dir) into that database, creating the
                schema; the database must hold no feeds and no items. Each feed's configured
                URL is taken from the configuration when it was read (not with --state-dir or
                $FEEDD_STATE_DIR), else from the fetch state, so the daemon's first start on
                the database changes nothing. It takes the state
                directory's lock, so stop the daemon first. With --from postgres://… --to DIR
                it copies the database into DIR, which must be empty or not exist.

                After the copy it counts what the target holds (feeds, items, remembered keys,
                deliveries by status), prints both sides and fails when they differ. The source
                is never changed. The password of the database on the command line comes from
                its URL, from --password-file, or from $PGPASSWORD; it is never shown.

                EXAMPLES
                  systemctl stop feedd
                  PGPASSWORD=… feedd store copy --to postgres://feedd@db.example.org/feedd
                  feedd store copy --to postgres://feedd@db/feedd --password-file db-password
                  feedd store copy --from postgres://feedd@db/feedd --to /var/lib/feedd

                """
                    + HelpText.exitStatus([
                        (0, "copied, and the counts match"),
                        (
                            1,
                            "the target is not empty, the counts differ, or the copy failed (nothing is left half-written in a database)"
                        ),
                        HelpText.usage,
                        HelpText.stateIO,
                        (
                            75,
                            "the state directory is in use by another feedd process, or the database cannot be reached"
                        ),
                        HelpText.configurationUnreadable,
                    ])
        )

        @Option(
            help: ArgumentHelp(
                "Where to copy to: a postgres:// URL, or (with --from) a directory.", valueName: "url-or-dir"))
        var to: String

        @Option(
            help: ArgumentHelp(
                "Copy from this PostgreSQL database (postgres://USER@HOST:PORT/DB) instead of the file store.",
                valueName: "url"))
        var from: String?

        @Option(
            name: .customLong("password-file"),
            help: ArgumentHelp(
                "A file holding the password of the database on the command line (its first line).",
                discussion: "Else the URL's own password, else $PGPASSWORD.", valueName: "file"))
        var passwordFile: String?

        @OptionGroup var state: StateDirectoryOptions

        func validate() throws {
            if from != nil && Self.isDatabase(to) {
                throw ValidationError("--from copies a database into a directory: --to must be a directory")
            }
            if from == nil && !Self.isDatabase(to) {
                throw ValidationError(
                    "--to must be a postgres:// URL (or give --from postgres://… to copy into a directory)")
            }
            if let from, !Self.isDatabase(from) {
                throw ValidationError("--from must be a postgres:// URL")
            }
        }

        static func isDatabase(_ text: String) -> Bool {
            let lower = text.lowercased()
            return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
        }

        func run() async throws {
            let source: String
            let target: String
            let copied: StoreCounts
            let found: StoreCounts
            if let from {
                let database = StoreOpener.createDatabaseStore(settings(from), instance: "feedd-store-copy")
                let copy = await StoreOpener.running(database) {
                    await StoreOpener.prepare(database, readOnly: true)
                    return await StoreOpener.database { () async throws(PostgresStoreError) in
                        try await database.exportCopy()
                    }
                }
                source = database.settings.displayURL
                target = to
                copied = copy.counts
                Self.requireStoreDirectory(to)
                found = await StoreFailure.run { () async throws(StoreError) in
                    let files = try FileStore.open(directory: to)
                    try files.importCopy(copy)
                    let counts = try files.counts()
                    try files.close()
                    return counts
                }
            } else {
                let location = state.location
                if let database = location.database {
                    Diagnostics.fail(
                        "the configured store is already a database (\(database)); give --from URL --to DIR to copy "
                            + "a database into a directory", status: 64)
                }
                let targetSettings = settings(to)
                let local = StoreOpener.openFiles(location)
                // The feeds' configured URLs, so that the daemon's first start finds them as they are.
                var configuredURLs: [String: String] = [:]
                for feed in KnownNames.configuration(state)?.feeds ?? [] { configuredURLs[feed.name] = feed.url }
                let copy = await StoreFailure.run { () async throws(StoreError) in try local.files.exportCopy() }
                let database = StoreOpener.createDatabaseStore(targetSettings, instance: "feedd-store-copy")
                found = await StoreOpener.running(database) {
                    await StoreOpener.database { () async throws(PostgresStoreError) in
                        _ = try await database.migrate()
                        try await database.importCopy(copy, configuredURLs: configuredURLs)
                        return try await database.counts()
                    }
                }
                await StoreFailure.run { () async throws(StoreError) in try await local.close() }
                source = local.files.directory
                target = database.settings.displayURL
                copied = copy.counts
            }
            var output = LineOutput()
            output.line("copied \(source) to \(target)")
            output.line("\tsource\ttarget")
            for (name, a, b) in [
                ("feeds", copied.feeds, found.feeds), ("items", copied.items, found.items),
                ("remembered keys", copied.rememberedKeys, found.rememberedKeys),
                ("pending deliveries", copied.pending, found.pending), ("held deliveries", copied.held, found.held),
                ("dead deliveries", copied.dead, found.dead),
            ] {
                output.line("\(name)\t\(a)\t\(b)")
            }
            output.line(copied == found ? "ok: the counts match" : "the counts differ")
            output.flush()
            if copied != found { throw ExitCode(1) }
        }

        /// Ends the process (1) when `path` is a directory holding anything but a store's files, so that a
        /// copy never writes a store into a folder that holds something else (`importCopy` refuses a store
        /// that is not empty).
        static func requireStoreDirectory(_ path: String) {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
            let other = names.filter { name in
                name != "lock" && !["journal-", "segment-", "snapshot-"].contains(where: { name.hasPrefix($0) })
            }
            if let first = other.sorted().first {
                Diagnostics.fail(
                    "\(path) is not empty: it holds \(first), which is not part of a feedd store; copy into an empty "
                        + "or new directory", status: 1)
            }
        }

        /// The command line's database: its URL parsed, the password from the URL, --password-file or
        /// $PGPASSWORD.
        private func settings(_ url: String) -> PostgresSettings {
            var secret: String?
            if let passwordFile {
                guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                    Diagnostics.fail("--password-file \(passwordFile): cannot be read", status: 64)
                }
                secret = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
            }
            do throws(StoreURLError) {
                return try PostgresSettings(
                    url: url, secret: secret, secretSource: "--password-file", environment: Environment.all())
            } catch {
                Diagnostics.fail(error.description, status: 64)
            }
        }
    }
}
