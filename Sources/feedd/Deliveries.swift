import ArgumentParser
import FeedModel
import Platform
import Store

struct Deliveries: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, retry and replay hook deliveries (the outbox).",
        discussion: """
            Without a subcommand, `list`: the deliveries waiting for their hook. Every
            subcommand works on the configured store: the file store in the state
            directory, or the PostgreSQL database of the configuration's `store`.

            EXAMPLES
              feedd deliveries
              feedd deliveries --dead --hook chat
              feedd deliveries retry --hook chat
              feedd deliveries replay --hook archive --since 2d

            """
                + HelpText.exitStatus([
                    (0, "success"),
                    HelpText.unknownName,
                    HelpText.usage,
                    (74, "the state directory is missing or cannot be read or written"),
                    (75, "(retry, replay) another feedd process holds the state directory"),
                    HelpText.configurationUnreadable,
                ]),
        subcommands: [List.self, Retry.self, Replay.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the outbox: deliveries waiting for their hook, or given up (dead letters).",
            discussion: """
                Each line is one delivery: id, hook, feed, event (new or updated), attempts
                so far, next attempt (pending) or status, and the last error; in aligned
                columns under a header on a terminal (dead ones in red, unless NO_COLOR is
                set), tab-separated when piped, JSON Lines with --json. A hook name that
                neither the store nor the configuration knows is an error (1). Pending deliveries are sent by the daemon when due; dead ones wait for
                `feedd deliveries retry`. It reads the configured store: the file store in the
                state directory, or the PostgreSQL database of the configuration's `store`. The
                file store is opened read-only, so this works while the daemon runs.

                EXAMPLES
                  feedd deliveries
                  feedd deliveries --dead --hook chat
                  feedd deliveries retry --hook chat
                  feedd deliveries replay --hook archive --since 2d

                """
                    + HelpText.exitStatus([
                        (0, "listed (possibly nothing)"),
                        (1, "no hook has that name (a close one is suggested)"),
                        HelpText.usage,
                        HelpText.stateUnreadable,
                        HelpText.configurationUnreadable,
                    ])
        )

        @OptionGroup var state: StateDirectoryOptions

        @Option(help: ArgumentHelp("Only the deliveries of this hook.", valueName: "name"))
        var hook: String?

        @Flag(help: "List the dead letters instead of the pending deliveries.")
        var dead = false

        @Flag(help: "Print JSON Lines: one delivery object per line.")
        var json = false

        func run() async {
            await state.read(list)
        }

        /// Prints the pending or dead deliveries of `store`.
        private func list(_ store: any FeedStore) async {
            await KnownNames.requireHook(hook, store: store, options: state)
            let deliveries = await StoreFailure.run { () async throws(StoreError) in
                try await dead ? store.deadDeliveries(limit: .max) : store.pendingDeliveries(dueBy: nil, limit: .max)
            }.filter { hook == nil || $0.hook == hook }
            var output = LineOutput()
            if json {
                for delivery in deliveries { output.bytes(Deliveries.jsonLine(delivery)) }
                output.flush()
                return
            }
            if deliveries.isEmpty { output.line(dead ? "no dead deliveries" : "no pending deliveries") }
            var table = Table(
                header: ["ID", "HOOK", "FEED", "EVENT", "ATTEMPTS", dead ? "STATUS" : "NEXT ATTEMPT", "LAST ERROR"])
            for delivery in deliveries {
                let when = dead ? "dead" : delivery.nextAttempt.rfc3339
                let error = delivery.lastError.map { URLCredentials.masking(in: $0).replacingTabsAndNewlines() } ?? "-"
                table.add([
                    "\(delivery.id)", Cell(delivery.hook), Cell(delivery.feed), Cell(delivery.event.name),
                    "\(delivery.attempt)", Cell(when, dead ? .red : .plain),
                    Cell(error, delivery.lastError == nil ? .plain : .red),
                ])
            }
            if !deliveries.isEmpty { table.write(to: &output) }
            output.flush()
        }
    }

    /// One delivery as a line of JSON, snake_case fields, credentials in the error masked.
    static func jsonLine(_ delivery: Delivery) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("id")
        writer.integer(Int64(delivery.id))
        writer.key("hook")
        writer.string(delivery.hook)
        writer.key("feed")
        writer.string(delivery.feed)
        writer.key("item_key")
        writer.string(delivery.itemKey)
        writer.key("event")
        writer.string(delivery.event.name)
        writer.key("status")
        writer.string(delivery.status == .dead ? "dead" : delivery.status == .held ? "held" : "pending")
        writer.key("attempts")
        writer.integer(Int64(delivery.attempt))
        writer.key("next_attempt")
        writer.string(delivery.status == .dead ? nil : delivery.nextAttempt.rfc3339)
        writer.key("created")
        writer.string(delivery.created.rfc3339)
        writer.key("last_error")
        writer.string(delivery.lastError.map { URLCredentials.masking(in: $0) })
        writer.endObject()
        return writer.takeBytes() + [0x0A]
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue dead deliveries again, with their attempts reset.",
            discussion: """
                EXAMPLES
                  feedd deliveries retry
                  feedd deliveries retry --hook chat

                """
                    + HelpText.exitStatus([
                        (0, "queued (possibly none)"),
                        (1, "no hook has that name (a close one is suggested)"),
                        HelpText.usage,
                        HelpText.stateIO,
                        HelpText.locked,
                        HelpText.configurationUnreadable,
                    ]))

        @OptionGroup var state: StateDirectoryOptions

        @Option(help: ArgumentHelp("Only the dead deliveries of this hook.", valueName: "name"))
        var hook: String?

        func run() async {
            let count = await state.write { (store) async throws(StoreError) in
                await KnownNames.requireHook(hook, store: store, options: state)
                return try await store.retryDead(hook: hook, now: StateDirectoryOptions.now)
            }
            var output = LineOutput()
            output.line("queued \(count) dead deliveries again")
            output.flush()
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver stored items to a hook again (for a new or repaired receiver).",
            discussion: """
                Queues one delivery to the hook for every kept item first seen (or updated) in
                the period, oldest first, unless the hook already has one pending for it. The
                daemon (or the next `feedd poll --once`) sends them. Filters are not applied:
                what is stored is what is sent.

                EXAMPLES
                  feedd deliveries replay --hook archive --since 2d
                  feedd deliveries replay --hook chat --since 2026-11-28 --feed lwn

                """
                    + HelpText.exitStatus([
                        (0, "queued (possibly none)"),
                        (
                            1,
                            "no feed or hook has that name (a close one is suggested); a new hook is accepted unless the configuration was read"
                        ),
                        HelpText.usage,
                        HelpText.stateIO,
                        HelpText.locked,
                        HelpText.configurationUnreadable,
                    ]))

        @OptionGroup var state: StateDirectoryOptions

        @Option(help: ArgumentHelp("The hook's configured name.", valueName: "name"))
        var hook: String

        @Option(
            help: ArgumentHelp(
                "Items first seen since then.",
                discussion: "A duration back from now (90s, 15m, 2h, 7d, 1w) or a date (2026-11-28, or RFC 3339).",
                valueName: "duration|date"))
        var since: String

        @Option(help: ArgumentHelp("Only the items of this feed.", valueName: "name"))
        var feed: String?

        func validate() throws {
            if SinceParser.parse(since, now: StateDirectoryOptions.now) == nil {
                throw ValidationError("--since: \"\(since)\" is neither a duration (2h, 7d) nor a date (2026-11-28)")
            }
        }

        func run() async {
            let now = StateDirectoryOptions.now
            let cutoff = SinceParser.parse(since, now: now) ?? now
            let result = await state.write { (store) async throws(StoreError) in
                await KnownNames.requireHook(hook, store: store, options: state, newAllowed: true)
                await KnownNames.requireFeed(feed, store: store, options: state)
                return try await store.replay(hook: hook, feed: feed, since: cutoff, now: now)
            }
            for damaged in result.damaged { try? StandardStream.error.write("feedd: warning: \(damaged)\n") }
            var output = LineOutput()
            output.line("queued \(result.queued) deliveries to \(hook)")
            output.flush()
        }
    }
}

extension String {
    /// Tabs and line breaks as spaces, for one tab-separated line.
    func replacingTabsAndNewlines() -> String {
        String(map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}
