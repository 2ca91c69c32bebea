import ArgumentParser
import Config
import Daemon
import FeedModel
import FeedParser
import Foundation
import Platform

struct ImportOPML: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-opml",
        abstract: "Subscribe to every feed of an OPML file: one [[feed]] table each.",
        discussion: """
            Reads an OPML subscription list (1.0 or 2.0, as other feed readers export
            it) and appends one [[feed]] table per outline with an xmlUrl that is not
            configured yet, to the configuration file or to --to FILE (a file the
            configuration includes). Each feed is named after the outline's title, as
            `feedd add` names feeds (unique: -2, -3…); the titles of the enclosing
            outlines (the reader's folders) become its `tags`; a comment line above the
            table gives the title and today's date. Outlines whose URL is already
            configured (or seen earlier in the file) are skipped; relative URLs are
            files next to the OPML file.

            Every other byte of the file stays as it was. The configuration is then
            loaded again; when it has problems the file is put back as it was. To follow
            an OPML file without copying it, name it in `opml = [...]` in the
            configuration instead.

            EXAMPLES
              feedd import-opml subscriptions.opml
              feedd import-opml --dry-run subscriptions.opml
              feedd import-opml subscriptions.opml --to /etc/feedd/feeds.d/imported.toml

            """
                + HelpText.exitStatus([
                    (0, "imported (possibly nothing: every feed was already configured)"),
                    (1, "the file could not be read or written"),
                    HelpText.usage,
                    (65, "the file is not OPML"),
                    (78, "the configuration has problems (before, or with the new tables: then the file is restored)"),
                ])
    )

    @Argument(help: ArgumentHelp("The OPML file.", valueName: "file"))
    var file: String

    @OptionGroup var configFile: ConfigFileOption
    var config: String? { configFile.path }

    @Option(
        name: .customLong("to"),
        help: ArgumentHelp(
            "Append the tables to this file instead (one the configuration includes).", valueName: "file"))
    var target: String?

    @Flag(help: ArgumentHelp("Print the tables instead of writing them."))
    var dryRun = false

    func run() throws {
        let configPath = FeedTables.configurationPath(option: config)
        let configuration = FeedTables.loadOrExit(option: config)
        guard let bytes = FeedTables.read(file) else { Diagnostics.fail("\(file): no such file", status: 1) }
        let document: OPMLDocument
        do {
            document = try OPMLReader.read(bytes)
        } catch {
            Diagnostics.fail("\(file): \(error)", status: 65)
        }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        var taken = Set(configuration.feeds.map(\.name))
        var seen: [String: String] = [:]
        for feed in configuration.feeds { seen[FeedTables.comparable(feed.url)] = feed.name }
        var tables: [String] = []
        var added: [String] = []
        var addedNames: [String] = []
        var skipped: [String] = []
        for (outline, categories) in document.subscriptions {
            let raw = (outline.xmlURL ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let title = outline.title ?? outline.text
            guard let url = Self.feedURL(raw, directory: directory) else {
                skipped.append("  - \(raw): not an http, https or file URL (or no such file)")
                continue
            }
            if let existing = seen[FeedTables.comparable(url)] {
                skipped.append("  = \(url): already configured as `\(existing)`")
                continue
            }
            let name = FeedTables.uniqueName(title: title, url: url, taken: taken)
            taken.insert(name)
            seen[FeedTables.comparable(url)] = name
            tables.append(
                FeedTables.table(
                    name: name, url: url, tags: categories,
                    comment: FeedTables.comment(title: title, verb: "imported", command: "import-opml")))
            added.append("  + \(name): \(url)")
            addedNames.append(name)
        }
        let path = target ?? configPath
        if dryRun {
            write(tables.joined(separator: "\n"))
            return
        }
        if !tables.isEmpty {
            let original = FeedTables.read(path)
            let names = addedNames
            _ = FeedTables.commit(
                FeedTables.appending(tables, to: original ?? []), original: original, to: path, configOption: config
            ) { configuration in
                names.allSatisfy { configuration.feed(named: $0) != nil }
                    ? nil : "\(path): not read by \(configPath) (add it to `include` there first)"
            }
        }
        var text = "\(file): added \(added.count) feed\(added.count == 1 ? "" : "s")"
        text += tables.isEmpty ? "" : " to \(path)"
        text += ", skipped \(skipped.count)\n"
        write(text + (added + skipped).map { "\($0)\n" }.joined())
    }

    /// An outline's URL as the configuration takes it: http, https and file URLs as they are; a relative
    /// path as a `file://` URL of a file next to the OPML file (nil when there is no such file).
    static func feedURL(_ raw: String, directory: URL) -> String? {
        guard !raw.isEmpty else { return nil }
        if let colon = raw.firstIndex(of: ":"), raw[..<colon].count > 1,
            raw[..<colon].allSatisfy({ $0.isLetter || $0 == "+" || $0 == "-" || $0 == "." })
        {
            let scheme = raw[..<colon].lowercased()
            return ["http", "https"].contains(scheme) || raw.hasPrefix("file:///") ? raw : nil
        }
        let file = URL(fileURLWithPath: raw, relativeTo: directory).standardizedFileURL
        return FileManager.default.fileExists(atPath: file.path) ? file.absoluteString : nil
    }

    private func write(_ text: String) {
        do {
            try StandardStream.output.write(text)
        } catch {
            Diagnostics.fail("standard output: \(error)", status: 1)
        }
    }
}

struct ExportOPML: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-opml",
        abstract: "Print every configured feed as an OPML 2.0 subscription list.",
        discussion: """
            Writes an OPML 2.0 document of every configured feed (from [[feed]] tables,
            included files and OPML files alike) on standard output, or to --output
            FILE: one outline per feed, with the feed's name as its text and title and
            its URL as xmlUrl, nested in outlines named after its tags (the folders of
            other readers). Other readers import it, and `feedd import-opml` of it on an
            empty configuration gives the same feeds. URLs are written as configured,
            credentials included (user:password@): the document is your subscriptions,
            exported on purpose, while every other output of feedd masks them.

            EXAMPLES
              feedd export-opml > subscriptions.opml
              feedd export-opml --config /etc/feedd/feedd.toml --output /srv/www/feeds.opml

            """
                + HelpText.exitStatus([
                    (0, "written"),
                    (1, "the output could not be written"),
                    HelpText.usage,
                    (78, "the configuration has problems"),
                ])
    )

    @OptionGroup var configFile: ConfigFileOption
    var config: String? { configFile.path }

    @Option(help: ArgumentHelp("Write the document to this file instead of standard output.", valueName: "file"))
    var output: String?

    func run() throws {
        let configuration: FeeddConfiguration
        do throws(ConfigurationFile.LoadFailure) {
            configuration = try ConfigurationFile.load(option: config, stateDirectory: nil).configuration
        } catch {
            try? StandardStream.error.write(error.problems.map { "\($0)\n" }.joined())
            Diagnostics.fail(
                "\(error.path): \(error.problems.count) problem\(error.problems.count == 1 ? "" : "s")", status: 78)
        }
        let text = OPMLWriter.write(
            OPMLDocument(title: "feedd subscriptions", outlines: Self.outlines(configuration.feeds, depth: 0)))
        do {
            if let output {
                try FeedTables.write(Array(text.utf8), to: output)
            } else {
                try StandardStream.output.write(text)
            }
        } catch {
            Diagnostics.fail("\(output ?? "standard output"): \(error)", status: 1)
        }
    }

    /// The feeds as outlines, in configuration order, nested under one outline per tag (a feed's tags
    /// are the path of folders it sits in); a folder sits where its first feed does.
    static func outlines(_ feeds: [FeedConfiguration], depth: Int) -> [OPMLOutline] {
        enum Entry {
            case feed(FeedConfiguration)
            case folder(String)
        }
        var entries: [Entry] = []
        var folders: [String: [FeedConfiguration]] = [:]
        for feed in feeds {
            guard feed.tags.count > depth else {
                entries.append(.feed(feed))
                continue
            }
            let tag = feed.tags[depth]
            if folders[tag] == nil { entries.append(.folder(tag)) }
            folders[tag, default: []].append(feed)
        }
        return entries.map { entry in
            switch entry {
            case .feed(let feed):
                return OPMLOutline(text: feed.name, title: feed.name, type: "rss", xmlURL: feed.url)
            case .folder(let tag):
                return OPMLOutline(text: tag, title: tag, children: outlines(folders[tag] ?? [], depth: depth + 1))
            }
        }
    }
}
