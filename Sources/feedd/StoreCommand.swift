import ArgumentParser
import FeedModel
import Store

struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Check or compact the store.",
        discussion: """
            The store keeps feedd's state in the state directory: a journal of checksummed
            records, item bodies in segment files, and a snapshot written by compaction
            (see docs/store.md). With `store = "postgres://…"` in the configuration the
            commands work on that database instead.

            EXAMPLES
              feedd store check
              feedd store compact --state-dir /var/lib/feedd

            """
                + HelpText.exitStatus([
                    (0, "success"),
                    (1, "check: damage found (listed)"),
                    HelpText.usage,
                    HelpText.stateIO,
                    HelpText.locked,
                    HelpText.configurationUnreadable,
                ]),
        subcommands: [Check.self, Compact.self, Copy.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify every record's checksum and print a summary.",
            discussion: """
                Reads every file of the store, verifies the checksum of every record, checks
                that each kept item's body is intact, and prints what it found: one line per
                file, then the totals, then each problem. It opens the store read-only, so it
                can run beside the daemon (a record being written at that moment may show as
                an incomplete tail). With `store = "postgres://…"` in the configuration it
                checks that database instead.

                Damage costs only the damaged record: `feedd items` and the listener skip a
                damaged item body with a warning, a delivery of it becomes a dead letter, and
                item keys of a lost journal record are read back from their bodies so they are
                not announced again. `feedd store compact` rewrites the journals whole; a
                backup of the state directory brings lost records back (docs/store.md).

                EXAMPLES
                  feedd store check
                  feedd store check --state-dir /var/lib/feedd || echo damaged

                """
                    + HelpText.exitStatus([
                        (0, "every record checks out"),
                        (1, "damage found (listed)"),
                        HelpText.usage,
                        HelpText.stateUnreadable,
                        HelpText.configurationUnreadable,
                    ])
        )

        @OptionGroup var state: StateDirectoryOptions

        func run() async throws {
            let report = await state.read { store in
                await StoreFailure.run { () async throws(StoreError) in try await store.check() }
            }
            var output = LineOutput()
            for file in report.files {
                output.line("\(file.name)\t\(file.bytes) bytes\t\(file.records) records")
            }
            output.line(
                "\(report.feeds) feeds, \(report.items) items, \(report.rememberedKeys) remembered keys, "
                    + "\(report.deliveries) deliveries in the outbox")
            var problems = 0
            for file in report.files {
                for problem in file.problems {
                    output.line("problem: \(file.name): \(problem)")
                    problems += 1
                }
            }
            for problem in report.badBodies {
                output.line("problem: \(problem)")
                problems += 1
            }
            output.line(problems == 0 ? "ok" : "\(problems) problems")
            output.flush()
            if problems > 0 { throw ExitCode(1) }
        }
    }

    struct Compact: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply retention and compact the store now.",
            discussion: """
                Drops items past their feed's retention (their keys are remembered, so they
                never come back as new), writes a new snapshot, and removes the journals and
                body segments it makes obsolete. The daemon does this in the background on its
                own; this command needs the state directory to itself, so it fails with status
                75 while the daemon runs.

                EXAMPLES
                  feedd store compact --state-dir /var/lib/feedd

                """
                    + HelpText.exitStatus([
                        (0, "compacted"),
                        HelpText.usage,
                        HelpText.stateIO,
                        HelpText.locked,
                        HelpText.configurationUnreadable,
                    ])
        )

        @OptionGroup var state: StateDirectoryOptions

        func run() async {
            let report = await state.write { (store) async throws(StoreError) in
                try await store.compact(now: StateDirectoryOptions.now)
            }
            var output = LineOutput()
            output.line(
                "dropped \(report.itemsDropped) items, forgot \(report.keysForgotten) keys, snapshot "
                    + "\(report.snapshotBytes) bytes, removed \(report.filesRemoved) files")
            output.flush()
        }
    }
}
