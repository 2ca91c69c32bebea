import ArgumentParser
import FeedModel
import Platform
import Store

struct Items: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List stored items, newest first.",
        discussion: """
            Lists the items the store keeps, newest first by the time feedd first saw
            them. Without --json each item is one line: first-seen time (RFC 3339, UTC),
            feed, title and link, in aligned columns under a header on a terminal, as
            tab-separated fields when piped. A feed name no feed has is an error (1). With --json each item is one line
            of JSON (JSON Lines): the item object of feedd's spec with `feed`,
            `first_seen` and `changed` (when its content last changed under the same key,
            or null) in front.

            An item whose stored body is damaged (see `feedd store check`) is skipped with a
            warning on standard error naming its feed, key, file and offset; the others are
            listed and the exit status stays 0.

            It reads the configured store: the file store in the state directory, or the
            PostgreSQL database of the configuration's `store`. The file store is opened
            read-only, so this works while the daemon runs. Items past
            their feed's retention (500 items and 90 days by default) are gone after the
            next compaction.

            EXAMPLES
              feedd items --limit 20
              feedd items --feed lwn --since 2d
              feedd items --since 2026-11-01 --json | jq -r '.title'

            """
                + HelpText.exitStatus([
                    (0, "listed (possibly nothing)"),
                    (1, "no feed has that name (a close one is suggested)"),
                    HelpText.usage,
                    HelpText.stateUnreadable,
                    HelpText.configurationUnreadable,
                ])
    )

    @OptionGroup var state: StateDirectoryOptions

    @Option(help: ArgumentHelp("Only the items of this feed (its configured name).", valueName: "name"))
    var feed: String?

    @Option(
        help: ArgumentHelp(
            "Only items first seen (or updated) since then.",
            discussion: "A duration back from now (90s, 15m, 2h, 7d, 1w) or a date (2026-11-28, or RFC 3339 "
                + "such as 2026-11-28T09:15:00Z).",
            valueName: "duration|date"))
    var since: String?

    @Option(help: ArgumentHelp("At most this many items.", valueName: "n"))
    var limit: Int?

    @Flag(help: "Print JSON Lines: one item object per line.")
    var json = false

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
        if let since, SinceParser.parse(since, now: StateDirectoryOptions.now) == nil {
            throw ValidationError("--since: \"\(since)\" is neither a duration (2h, 7d) nor a date (2026-11-28)")
        }
    }

    func run() async {
        await state.read(list)
    }

    /// Prints the items of `store` that the options select.
    private func list(_ store: any FeedStore) async {
        await KnownNames.requireFeed(feed, store: store, options: state)
        let cutoff = since.flatMap { SinceParser.parse($0, now: StateDirectoryOptions.now) }
        let list = await StoreFailure.run { () async throws(StoreError) in
            try await store.listItems(feed: feed, since: cutoff, limit: limit)
        }
        for damaged in list.damaged { try? StandardStream.error.write("feedd: warning: \(damaged)\n") }
        var output = LineOutput()
        if json {
            for listing in list.items { output.bytes(listing.annotatedJSON + [0x0A]) }
            output.flush()
            return
        }
        var table = Table(header: ["FIRST SEEN", "FEED", "TITLE", "LINK"])
        for listing in list.items {
            let item = listing.item
            let title = (item?.title ?? "(untitled)").replacing("\t", with: " ")
            table.add([
                Cell(listing.firstSeen.rfc3339, .dim), Cell(listing.feed), Cell(title, item == nil ? .yellow : .plain),
                Cell(item?.link ?? "-"),
            ])
        }
        table.write(to: &output)
        output.flush()
    }
}

/// `--since`: a duration back from now, or a date.
enum SinceParser {
    static func parse(_ text: String, now: Timestamp) -> Timestamp? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400]
        if let unit = text.last, let seconds = units[unit], let count = Int64(text.dropLast()), count >= 0 {
            return Timestamp(secondsSince1970: now.secondsSince1970 - count * seconds)
        }
        let parts = text.split(separator: "-")
        if text.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]),
            let day = Int(parts[2])
        {
            return Timestamp(year: year, month: month, day: day)
        }
        return Timestamp(rfc3339: text)
    }
}
