import Config
import FeedParser
import Foundation
import TestSupport
import Testing

/// `config/feedd.toml` and `docs/config.md` stay in step with the option definitions.
@Suite("The example configuration and the reference")
struct ExampleConfigTests {
    /// Every key written in the example, set or commented out, dotted by its table: `interval`,
    /// `feed.filter.include`, `hook.webhook.template`, `hook.retry.base`.
    private func keysInExample() throws -> Set<String> {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("config/feedd.toml"), encoding: .utf8)
        let all = Set(ConfigRenderer.allKeys)
        var found: Set<String> = []
        var section = ""
        var hookKind = ""
        let keyPattern = /^([A-Za-z0-9_.-]+)\s*=\s*(.*)$/
        let inlineKeyPattern = /([A-Za-z0-9_-]+)\s*=/
        for rawLine in text.split(separator: "\n") {
            var line = rawLine.drop { $0 == " " }
            if line.hasPrefix("#") { line = line.dropFirst().drop { $0 == " " } }
            if line.hasPrefix("[") {
                let name = line.drop { $0 == "[" }.prefix { $0 != "]" }
                section = String(name)
                if section == "hook" { hookKind = "" }
                continue
            }
            guard let match = line.wholeMatch(of: keyPattern) else { continue }
            let key = String(match.output.1)
            let value = match.output.2
            if section == "hook" && key == "type" {
                hookKind = value.split(separator: "\"").first.map(String.init) ?? ""
            }
            var full = section.isEmpty ? key : "\(section).\(key)"
            if section.hasPrefix("hook") && !section.contains(".") && all.contains("hook.\(hookKind).\(key)") {
                full = "hook.\(hookKind).\(key)"
            }
            found.insert(full)
            if value.hasPrefix("{") {
                for inner in value.matches(of: inlineKeyPattern) { found.insert("\(full).\(inner.output.1)") }
            }
        }
        return found
    }

    @Test("config/feedd.toml shows every defined option, set or commented out")
    func everyOptionInExample() throws {
        let found = try keysInExample()
        let missing = ConfigRenderer.allKeys.filter { !found.contains($0) }
        #expect(missing.isEmpty, "not in config/feedd.toml: \(missing)")
    }

    @Test("docs/config.md holds the reference generated from the option definitions")
    func referenceInStep() throws {
        let file = repositoryRoot.appendingPathComponent("docs/config.md")
        let text = try String(contentsOf: file, encoding: .utf8)
        let begin = "<!-- BEGIN GENERATED: ConfigRenderer.referenceMarkdown() -->\n"
        let end = "<!-- END GENERATED -->"
        let start = try #require(text.range(of: begin))
        let stop = try #require(text.range(of: end))
        let generated = ConfigRenderer.referenceMarkdown()
        if ProcessInfo.processInfo.environment["FEEDD_UPDATE_DOCS"] != nil {
            let updated = String(text[..<start.upperBound]) + generated + String(text[stop.lowerBound...])
            try updated.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        #expect(
            String(text[start.upperBound..<stop.lowerBound]) == generated,
            "docs/config.md is out of date: run FEEDD_UPDATE_DOCS=1 swift test --filter referenceInStep")
    }
}

@Suite("The printed configuration")
struct RenderedConfigTests {
    @Test("what feedd check prints of the example is TOML that loads back to the same configuration")
    func roundTrip() async throws {
        let path = repositoryRoot.appendingPathComponent("config/feedd.toml").path
        let original = try ConfigLoader.load(path: path, environment: [:], opmlReader: { try OPMLReader.read($0) })
        let printed = ConfigRenderer.toml(original)
        try await withTemporaryDirectory { directory in
            var again = try loadConfiguration(["printed.toml": printed], in: directory, main: "printed.toml")
            for index in again.feeds.indices { again.feeds[index].origin = original.feeds[index].origin }
            for index in again.hookDefinitions.indices {
                again.hookDefinitions[index].origin = original.hookDefinitions[index].origin
            }
            again.file = original.file
            again.include = original.include
            again.opml = original.opml
            #expect(again == original)
        }
    }
}
