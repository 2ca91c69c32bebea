import ArgumentParser
import FeedModel
import Store

struct Held: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, release or drop deliveries held by the flood guard.",
        discussion: """
            When a feed with history suddenly shows many new items (more than 10, and more
            than half of its document), feedd first matches them to stored items by link
            and title; what still looks like a flood is stored but its deliveries are
            held. Without a subcommand this lists, per feed, how many deliveries are held
            and the titles of the first few items: a table on a terminal, a line per feed
            and an indented line per title when piped, JSON Lines with --json. It reads the
            configured store: the file store in the state directory, or the PostgreSQL
            database of the configuration's `store`.

            EXAMPLES
              feedd held
              feedd held release lwn      # let the hooks have them
              feedd held drop lwn         # keep the items, tell nobody

            """
                + HelpText.exitStatus([
                    (0, "success"),
                    (1, "(release, drop) no feed has that name (a close one is suggested)"),
                    HelpText.usage,
                    HelpText.stateIO,
                    (75, "(release, drop) the state directory is in use by another feedd process"),
                    HelpText.configurationUnreadable,
                ]),
        subcommands: [Release.self, Drop.self]
    )

    @OptionGroup var state: StateDirectoryOptions

    @Flag(help: "Print JSON Lines: one object per feed with held deliveries.")
    var json = false

    func run() async {
        await state.read(list)
    }

    /// Prints what the flood guard holds in `store`.
    private func list(_ store: any FeedStore) async {
        let held = await StoreFailure.run { () async throws(StoreError) in try await store.held() }
        var output = LineOutput()
        let style = TableStyle.current
        if held.isEmpty && !json { output.line("nothing held") }
        var table = Table(header: ["FEED", "DELIVERIES", "ITEMS", "FIRST TITLES"])
        for feed in held {
            let items = Set(feed.deliveries.map(\.itemKey)).count
            var titles: [String] = []
            var shown = Set<String>()
            for delivery in feed.deliveries where shown.count < 5 && shown.insert(delivery.itemKey).inserted {
                let stored = try? await store.item(feed: feed.feed, key: delivery.itemKey)
                titles.append(stored?.item.title ?? delivery.itemKey)
            }
            if json {
                var writer = JSONWriter()
                writer.beginObject()
                writer.key("feed")
                writer.string(feed.feed)
                writer.key("deliveries")
                writer.integer(Int64(feed.deliveries.count))
                writer.key("items")
                writer.integer(Int64(items))
                writer.key("first_titles")
                writer.stringArray(titles)
                writer.endObject()
                output.bytes(writer.takeBytes() + [0x0A])
            } else if style.terminal {
                table.add([
                    Cell(feed.feed, .yellow), "\(feed.deliveries.count)", "\(items)",
                    Cell(titles.joined(separator: "; ")),
                ])
            } else {
                output.line("\(feed.feed)\t\(feed.deliveries.count) deliveries of \(items) items")
                for title in titles { output.line("  \(title)") }
            }
        }
        if style.terminal && !json && !held.isEmpty { table.write(style: style, to: &output) }
        output.flush()
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a feed's held deliveries for their hooks.",
            discussion: """
                EXAMPLES
                  feedd held release lwn

                """
                    + HelpText.exitStatus([
                        (0, "released (possibly none)"),
                        (1, "no feed has that name (a close one is suggested)"),
                        HelpText.usage,
                        HelpText.stateIO,
                        HelpText.locked,
                        HelpText.configurationUnreadable,
                    ]))

        @OptionGroup var state: StateDirectoryOptions
        @Argument(help: "The feed's configured name.") var feed: String

        func run() async {
            let count = await state.write { (store) async throws(StoreError) in
                await KnownNames.requireFeed(feed, store: store, options: state)
                return try await store.release(feed: feed, now: StateDirectoryOptions.now)
            }
            var output = LineOutput()
            output.line("released \(count) deliveries of \(feed)")
            output.flush()
        }
    }

    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop a feed's held deliveries; the items stay stored and known.",
            discussion: """
                EXAMPLES
                  feedd held drop lwn

                """
                    + HelpText.exitStatus([
                        (0, "dropped (possibly none)"),
                        (1, "no feed has that name (a close one is suggested)"),
                        HelpText.usage,
                        HelpText.stateIO,
                        HelpText.locked,
                        HelpText.configurationUnreadable,
                    ]))

        @OptionGroup var state: StateDirectoryOptions
        @Argument(help: "The feed's configured name.") var feed: String

        func run() async {
            let count = await state.write { (store) async throws(StoreError) in
                await KnownNames.requireFeed(feed, store: store, options: state)
                return try await store.drop(feed: feed)
            }
            var output = LineOutput()
            output.line("dropped \(count) deliveries of \(feed)")
            output.flush()
        }
    }
}
