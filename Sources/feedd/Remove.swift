import ArgumentParser
import Config
import FeedModel
import Platform

struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Unsubscribe from a feed: remove its [[feed]] table from the file that defines it.",
        discussion: """
            Finds the feed named NAME in the configuration and removes its [[feed]]
            table from the file that defines it (the configuration file or a file it
            includes): from the table's header to the next table's header or the end of
            the file, with the comment line `feedd add` or `feedd import-opml` wrote
            above it and the blank line before that. Every other byte stays as it was,
            so `feedd add` followed by `feedd remove` gives back the file as it was.
            What was removed is printed. The configuration is then loaded again; when it
            has problems the file is put back as it was.

            A feed that comes from an OPML file (`opml = [...]`) is not removed: edit
            that OPML file.

            The feed's stored state (items seen, fetch state) stays in the state
            directory, and `feedd store compact` keeps it: adding the feed again later
            announces none of the items already seen. The daemon stops polling the feed
            on its next reload (SIGHUP).

            EXAMPLES
              feedd remove lwn
              feedd remove example-blog && systemctl reload feedd

            """
                + HelpText.exitStatus([
                    (0, "removed"),
                    (
                        1,
                        "no feed has that name (a close one is suggested), the feed comes from an OPML file, or its file could not be read or written"
                    ),
                    HelpText.usage,
                    (78, "the configuration has problems (before, or without the table: then the file is restored)"),
                ])
    )

    @Argument(help: ArgumentHelp("The name of the feed to remove."))
    var name: String

    @OptionGroup var configFile: ConfigFileOption
    var config: String? { configFile.path }

    func run() throws {
        let configuration = FeedTables.loadOrExit(option: config)
        guard let feed = configuration.feed(named: name) else {
            let names = configuration.feeds.map(\.name)
            let hint = ConfigEditing.closest(to: name, in: names).map { "; did you mean `\($0)`?" } ?? ""
            Diagnostics.fail("no feed named `\(name)`\(hint)", status: 1)
        }
        guard let colon = feed.origin.lastIndex(of: ":"),
            let line = Int(feed.origin[feed.origin.index(after: colon)...])
        else {
            Diagnostics.fail(
                "feed `\(name)` comes from the OPML file \(feed.origin): remove its outline there "
                    + "(feedd does not edit OPML files)", status: 1)
        }
        let path = String(feed.origin[..<colon])
        guard let original = FeedTables.read(path) else { Diagnostics.fail("\(path): no such file", status: 1) }
        guard let range = TableRange.feedTable(at: line, in: original) else {
            Diagnostics.fail(
                "\(path):\(line): no [[feed]] header there (did the file change?); nothing removed", status: 1)
        }
        let changed = Array(original[..<range.lowerBound]) + Array(original[range.upperBound...])
        _ = FeedTables.commit(changed, original: original, to: path, configOption: config) { configuration in
            configuration.feed(named: name) == nil ? nil : "\(path): feed `\(name)` is still defined"
        }
        let removed = String(decoding: original[range], as: UTF8.self)
        let body = removed.split(separator: "\n", omittingEmptySubsequences: false).drop { $0.isEmpty }
        var text = "removed feed `\(name)` (\(feed.url)) from \(feed.origin):\n"
        text += body.reversed().drop { $0.isEmpty }.reversed().map { "  \($0)\n" }.joined()
        text += "its stored items and fetch state stay in the state directory (`feedd store compact` keeps them), "
        text += "so adding it again announces none of the items already seen\n"
        do {
            try StandardStream.output.write(URLCredentials.masking(in: text))
        } catch {
            Diagnostics.fail("standard output: \(error)", status: 1)
        }
    }
}

/// Where a `[[feed]]` table sits in a TOML file, found by lines (the file is never re-serialized).
enum TableRange {
    /// The bytes of the table whose header is on line `line` (1-based): from the header (with the comment
    /// lines `feedd add` wrote directly above it and one blank line before them) to just before the next
    /// table header (keeping the comment lines directly above that header, and the blank lines before
    /// them) or the end of the file. Nil when line `line` is not a `[[feed]]` header.
    static func feedTable(at line: Int, in bytes: [UInt8]) -> Range<Int>? {
        // Each line's start offset, and its text without the line break.
        var starts: [Int] = []
        var offset = 0
        while offset < bytes.count {
            starts.append(offset)
            offset = (bytes[offset...].firstIndex(of: 0x0A) ?? bytes.count - 1) + 1
        }
        let lines = starts.indices.map { index -> Substring in
            let end = index + 1 < starts.count ? starts[index + 1] : bytes.count
            var text = String(decoding: bytes[starts[index]..<end], as: UTF8.self)
            while text.last == "\n" || text.last == "\r" { text.removeLast() }
            return Substring(text)
        }
        let header = line - 1
        guard lines.indices.contains(header), isFeedHeader(lines[header]) else { return nil }

        var end = header + 1
        while end < lines.count && !(isTableHeader(lines[end]) && !isSubtableOfFeed(lines[end])) { end += 1 }
        if end < lines.count {
            // The next table's comment lines and the blank lines that separate it belong to it.
            while end - 1 > header && isComment(lines[end - 1]) { end -= 1 }
            while end - 1 > header && isBlank(lines[end - 1]) { end -= 1 }
        }
        var start = header
        while start > 0 && FeedTables.isGeneratedComment(lines[start - 1]) { start -= 1 }
        if start > 0 && isBlank(lines[start - 1]) { start -= 1 }
        let lower = starts[start]
        let upper = end < starts.count ? starts[end] : bytes.count
        return lower..<upper
    }

    private static func trimmed(_ line: Substring) -> Substring {
        line.drop { $0 == " " || $0 == "\t" }
    }

    static func isBlank(_ line: Substring) -> Bool {
        trimmed(line).allSatisfy { $0 == " " || $0 == "\t" }
    }

    static func isComment(_ line: Substring) -> Bool {
        trimmed(line).hasPrefix("#")
    }

    /// `[[feed]]`, with optional spaces and a trailing comment.
    static func isFeedHeader(_ line: Substring) -> Bool {
        let text = trimmed(line)
        guard text.hasPrefix("[[") else { return false }
        let inner = text.dropFirst(2).drop { $0 == " " || $0 == "\t" }
        guard inner.hasPrefix("feed") else { return false }
        return inner.dropFirst(4).drop { $0 == " " || $0 == "\t" }.hasPrefix("]]")
    }

    /// A line that opens a table: `[name]`, `[[name]]`, `["quoted"]`. A line of a multi-line array starts
    /// with a value (`"`, a digit, `[1` …), never with `[` followed by a bare key.
    static func isTableHeader(_ line: Substring) -> Bool {
        var text = trimmed(line)
        guard text.hasPrefix("[") else { return false }
        text = text.dropFirst()
        if text.hasPrefix("[") { text = text.dropFirst() }
        text = text.drop { $0 == " " || $0 == "\t" }
        guard let first = text.unicodeScalars.first else { return false }
        return first.isASCII && (first.properties.isAlphabetic || first == "_")
    }

    /// `[feed.filter]` or `[[feed.headers]]`: part of the `[[feed]]` table above it.
    static func isSubtableOfFeed(_ line: Substring) -> Bool {
        let text = trimmed(line).drop { $0 == "[" }.drop { $0 == " " || $0 == "\t" }
        return text.hasPrefix("feed.") || text.hasPrefix("feed .")
    }
}
