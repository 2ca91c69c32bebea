import Config
import Daemon
import FeedModel
import FeedParser
import Foundation
import Platform

/// Edits of the configuration files for `add`, `remove` and `import-opml`: every byte not added or
/// removed stays as it was, and a change that leaves the configuration with problems is undone.
enum FeedTables {
    /// Largest configuration file these commands edit.
    static let maxFileSize = 64 << 20

    /// The comment `feedd add` and `feedd import-opml` write above a table, which `feedd remove` removes
    /// with it: `# Example News (added 2026-11-29 by feedd add)`.
    static func comment(title: String?, verb: String, command: String) -> String {
        let shown = (title ?? "").split(whereSeparator: { $0.isNewline || $0 == "\t" }).joined(separator: " ")
        let prefix = shown.trimmingCharacters(in: .whitespaces).isEmpty ? "" : "\(shown) "
        return "# \(prefix)(\(verb) \(today()) by feedd \(command))"
    }

    /// Whether `line` is a comment written by `comment(title:verb:command:)`.
    static func isGeneratedComment(_ line: Substring) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.hasPrefix("#")
            && (trimmed.hasSuffix("by feedd add)") || trimmed.hasSuffix("by feedd import-opml)"))
    }

    /// A `[[feed]]` table with its comment line, ending in a line break.
    static func table(name: String, url: String, tags: [String] = [], comment: String) -> String {
        var text = "\(comment)\n[[feed]]\nname = \(ConfigEditing.quoted(name))\nurl = \(ConfigEditing.quoted(url))\n"
        if !tags.isEmpty { text += "tags = [\(tags.map(ConfigEditing.quoted).joined(separator: ", "))]\n" }
        return text
    }

    /// `original` with `tables` appended after one blank line (a line break first when it lacks one).
    static func appending(_ tables: [String], to original: [UInt8]) -> [UInt8] {
        var bytes = original
        if let last = bytes.last, last != 0x0A { bytes.append(0x0A) }
        for table in tables {
            if !bytes.isEmpty { bytes.append(0x0A) }
            bytes += Array(table.utf8)
        }
        return bytes
    }

    /// Today's date in UTC, `2026-11-29`.
    static func today() -> String {
        String(Timestamp(secondsSince1970: Int64(Date().timeIntervalSince1970)).rfc3339.prefix(10))
    }

    // MARK: - Files

    /// The configuration file's path as `check` finds it.
    static func configurationPath(option: String?) -> String {
        var environment: [String: String] = [:]
        for name in ConfigLoader.environmentVariables {
            if let value = Platform.Environment.value(name) { environment[name] = value }
        }
        return ConfigLoader.defaultPath(option: option, environment: environment)
    }

    /// The configuration, or exit 78 with its problems: nothing is edited on a configuration with problems.
    /// A file that does not exist yet is an empty configuration (`add` and `import-opml` create it).
    static func loadOrExit(option: String?) -> FeeddConfiguration {
        if read(configurationPath(option: option)) == nil { return FeeddConfiguration() }
        do throws(ConfigurationFile.LoadFailure) {
            return try ConfigurationFile.load(option: option, stateDirectory: nil).configuration
        } catch {
            try? StandardStream.error.write(error.problems.map { "\($0)\n" }.joined())
            Diagnostics.fail(
                "\(error.path): \(error.problems.count) problem\(error.problems.count == 1 ? "" : "s") "
                    + "(fix them first; nothing was changed)", status: 78)
        }
    }

    /// The bytes of `path`, or nil when it does not exist; exits 1 when it cannot be read.
    static func read(_ path: String) -> [UInt8]? {
        do throws(SystemError) {
            return try FileSystem.read(path, limit: maxFileSize)
        } catch {
            if error.isNotFound { return nil }
            Diagnostics.fail("\(path): \(error)", status: 1)
        }
    }

    /// Replaces the content of `path` in place (its permissions and owner stay), creating it when missing.
    static func write(_ bytes: [UInt8], to path: String) throws(SystemError) {
        let file = try SystemFile(path: path, create: true)
        try file.write(bytes, at: 0)
        try file.truncate(to: bytes.count)
        try file.sync()
    }

    /// Writes `changed` to `path` and loads the configuration again; when it has problems (or `check`
    /// finds one), puts `original` back (removes the file when it did not exist), prints them and exits 78.
    static func commit(
        _ changed: [UInt8], original: [UInt8]?, to path: String, configOption: String?,
        check: (FeeddConfiguration) -> String? = { _ in nil }
    ) -> FeeddConfiguration {
        do throws(SystemError) {
            try write(changed, to: path)
        } catch {
            restore(original, to: path)
            Diagnostics.fail("\(path): \(error) (nothing was changed)", status: 1)
        }
        var problems: [String] = []
        var configuration: FeeddConfiguration?
        do throws(ConfigurationFile.LoadFailure) {
            configuration = try ConfigurationFile.load(option: configOption, stateDirectory: nil).configuration
        } catch {
            problems = error.problems
        }
        if let configuration, let problem = check(configuration) { problems.append(problem) }
        guard let configuration, problems.isEmpty else {
            restore(original, to: path)
            try? StandardStream.error.write(problems.map { "\($0)\n" }.joined())
            Diagnostics.fail("\(path): the change was undone; the file is as it was", status: 78)
        }
        return configuration
    }

    private static func restore(_ original: [UInt8]?, to path: String) {
        if let original {
            try? write(original, to: path)
        } else {
            try? FileSystem.remove(path)
        }
    }

    // MARK: - Names and URLs

    /// A feed name from a title: lowercase ASCII letters and digits, words joined by `-`, at most 60
    /// characters (accents dropped: "Café Déjà Vu" → "cafe-deja-vu"); empty when nothing is left.
    static func slug(_ title: String) -> String {
        let folded = title.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
        var result = ""
        var pendingDash = false
        for scalar in folded.unicodeScalars {
            if scalar.isASCII && (("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)) {
                if pendingDash && !result.isEmpty { result += "-" }
                pendingDash = false
                result.unicodeScalars.append(scalar)
            } else {
                pendingDash = true
            }
        }
        while result.count > 60 {
            result = String(result.prefix(60))
            while result.hasSuffix("-") { result.removeLast() }
        }
        return result
    }

    /// A name for a feed: the slug of its title, else of its URL's host, else `feed`; `-2`, `-3`… added
    /// until it is not in `taken`.
    static func uniqueName(title: String?, url: String, taken: Set<String>) -> String {
        var base = slug(title ?? "")
        if base.isEmpty { base = slug(host(of: url) ?? "") }
        if base.isEmpty { base = "feed" }
        var name = base
        var counter = 2
        while taken.contains(name) {
            name = "\(base)-\(counter)"
            counter += 1
        }
        return name
    }

    /// The host of an http or https URL.
    static func host(of url: String) -> String? {
        URLComponents(string: url)?.host
    }

    /// The URL as the configuration stores it, for comparisons: a path becomes a `file://` URL.
    static func comparable(_ url: String) -> String {
        var text = url
        if text.hasPrefix("file://localhost/") { text = "file://" + text.dropFirst("file://localhost".count) }
        return text
    }

    /// The feed of `configuration` whose URL is `url`, if any.
    static func feed(withURL url: String, in configuration: FeeddConfiguration) -> FeedConfiguration? {
        let wanted = comparable(url)
        return configuration.feeds.first { comparable($0.url) == wanted }
    }

    /// A command-line feed argument as a URL: URLs as they are, a path as an absolute `file://` URL.
    static func url(fromArgument argument: String) -> String {
        InputSource.isURL(argument) ? argument : URL(fileURLWithPath: argument).absoluteString
    }
}
