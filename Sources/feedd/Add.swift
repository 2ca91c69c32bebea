import ArgumentParser
import Config
import FeedModel
import FeedParser
import Platform

struct Add: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Subscribe to a feed: find it, name it, and append a [[feed]] table to the configuration.",
        discussion: """
            Fetches URL (http, https or file; a path is read as a file). When it is a
            feed (RSS, Atom or JSON Feed), that is the feed. When it is a web page, its
            head is searched for <link rel="alternate"> elements of the types
            application/rss+xml, application/atom+xml, application/feed+json and
            application/json (relative links resolved against the page's <base href> or
            its final URL); every one found is listed, and the first that fetches and
            parses as a feed is the feed.

            The feed is named --name, else after its title: lowercase ASCII letters,
            digits and dashes ("Café Society" becomes "cafe-society"), with -2, -3…
            added when the name is taken. A feed whose URL is already configured is
            refused.

            A [[feed]] table with `name`, `url` and a comment line (the feed's title and
            today's date) is appended to the configuration file, or to --to FILE (a file
            the configuration includes, such as feeds.d/news.toml); every other byte of
            the file stays as it was. The configuration is then loaded again; when it
            has problems the file is put back as it was. The daemon picks the feed up on
            its next reload (systemctl reload feedd, or SIGHUP).

            EXAMPLES
              feedd add https://lwn.net/headlines/rss
              feedd add https://blog.example.org/ --name example-blog
              feedd add https://www.debian.org/News/news --to feeds.d/debian.toml
              feedd add --dry-run https://example.org/

            """
                + HelpText.exitStatus([
                    (0, "added (or, with --dry-run, printed)"),
                    (1, "the URL could not be fetched, or its feed is already configured, or the name is taken"),
                    HelpText.usage,
                    (65, "neither a feed nor a page naming a feed that parses (what was found is listed)"),
                    (78, "the configuration has problems (before, or with the new table: then the file is restored)"),
                ])
    )

    @Argument(help: ArgumentHelp("The feed or a web page naming it: an http, https or file URL, or a path."))
    var url: String

    @Option(help: ArgumentHelp("The feed's name (default: from its title).", valueName: "name"))
    var name: String?

    @OptionGroup var configFile: ConfigFileOption
    var config: String? { configFile.path }

    @Option(
        name: .customLong("to"),
        help: ArgumentHelp(
            "Append the table to this file instead (one the configuration includes).", valueName: "file"))
    var target: String?

    @Flag(help: ArgumentHelp("Print the table instead of writing it."))
    var dryRun = false

    @Option(help: ArgumentHelp("Seconds to wait for each fetch before giving up.", valueName: "seconds"))
    var timeout = 60

    func validate() throws {
        if let name, !ConfigEditing.isValidName(name) {
            throw ValidationError("--name \(name): not a valid name (\(NameRule.summary))")
        }
    }

    func run() async throws {
        let configPath = FeedTables.configurationPath(option: config)
        let configuration = FeedTables.loadOrExit(option: config)
        let inputURL = FeedTables.url(fromArgument: url)
        if let existing = FeedTables.feed(withURL: inputURL, in: configuration) {
            Diagnostics.fail("\(inputURL): already configured as `\(existing.name)` (\(existing.origin))", status: 1)
        }
        let (feedURL, document) = await findFeed()
        if let existing = FeedTables.feed(withURL: feedURL, in: configuration) {
            Diagnostics.fail("\(feedURL): already configured as `\(existing.name)` (\(existing.origin))", status: 1)
        }
        let taken = Set(configuration.feeds.map(\.name))
        if let name, let existing = configuration.feed(named: name) {
            Diagnostics.fail(
                "a feed named `\(name)` is already configured (\(existing.origin)); choose another --name", status: 1)
        }
        let feedName = name ?? FeedTables.uniqueName(title: document.title, url: feedURL, taken: taken)
        let table = FeedTables.table(
            name: feedName, url: feedURL,
            comment: FeedTables.comment(title: document.title, verb: "added", command: "add"))
        let path = target ?? configPath
        if dryRun {
            write(table)
            return
        }
        let original = FeedTables.read(path)
        let changed = FeedTables.appending([table], to: original ?? [])
        _ = FeedTables.commit(changed, original: original, to: path, configOption: config) { configuration in
            configuration.feed(named: feedName) == nil
                ? "\(path): not read by \(configPath) (add it to `include` there first)" : nil
        }
        write("added feed `\(feedName)` (\(URLCredentials.masked(feedURL))) to \(path)\n")
    }

    /// The feed's final URL and document: URL itself, or the first feed its page names that parses.
    private func findFeed() async -> (String, FeedDocument) {
        let source = await fetch(url)
        let pageURL = source.url ?? FeedTables.url(fromArgument: url)
        let parseError: ParseError
        do {
            return (
                pageURL, try FeedParser(options: .init(baseURL: pageURL, charset: source.charset)).parse(source.bytes)
            )
        } catch {
            parseError = error
        }
        let candidates = FeedDiscovery.candidates(inPage: source.bytes, pageURL: pageURL)
        guard !candidates.isEmpty else {
            Diagnostics.fail(
                "\(url): \(parseError), and no feed is named in its head (no <link rel=\"alternate\"> of type "
                    + "application/rss+xml, application/atom+xml, application/feed+json or application/json)",
                status: 65)
        }
        write(
            URLCredentials.masking(
                in: "\(pageURL): a page naming \(candidates.count) feed\(candidates.count == 1 ? "" : "s"):\n"
                    + candidates.map { "  \($0.shown)\n" }.joined()))
        var failures: [String] = []
        for candidate in candidates {
            let feedSource: InputSource
            do {
                feedSource = try await InputSource.read(candidate.url, maxSize: 32 << 20, timeout: timeout)
            } catch {
                failures.append("\(candidate.url): \(error)")
                continue
            }
            let finalURL = feedSource.url ?? candidate.url
            do {
                let parser = FeedParser(options: .init(baseURL: finalURL, charset: feedSource.charset))
                return (finalURL, try parser.parse(feedSource.bytes))
            } catch {
                failures.append("\(candidate.url): \(error)")
            }
        }
        try? StandardStream.error.write(failures.map { "feedd: \(URLCredentials.masking(in: $0))\n" }.joined())
        Diagnostics.fail("\(url): none of the \(candidates.count) feeds the page names could be read", status: 65)
    }

    private func fetch(_ input: String) async -> InputSource {
        do {
            return try await InputSource.read(input, maxSize: 32 << 20, timeout: timeout)
        } catch {
            Diagnostics.fail("\(input): \(error)", status: 1)
        }
    }

    private func write(_ text: String) {
        do {
            try StandardStream.output.write(text)
        } catch {
            Diagnostics.fail("standard output: \(error)", status: 1)
        }
    }
}
