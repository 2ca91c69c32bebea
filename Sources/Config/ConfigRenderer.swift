/// The configuration as text: the resolved TOML that `feedd check` prints (secrets masked), and
/// the key reference of `docs/config.md`, both from the option definitions.
public enum ConfigRenderer {
    /// Every global key with its value (defaults included), then each `[[hook]]` and `[[feed]]`
    /// with the keys that differ from the defaults. Literal secrets print as `"********"`.
    public static func toml(_ configuration: FeeddConfiguration) -> String {
        var lines = ["# \(configuration.file)"]
        for option in FeeddConfiguration.options where option.info.key != "include" && option.info.key != "opml" {
            if let text = option.render(configuration) { lines.append("\(option.info.key) = \(text)") }
        }
        for hook in configuration.hookDefinitions {
            lines += ["", "[[hook]]  # \(hook.origin)"]
            lines += changedLines(hook, from: HookConfiguration(), always: ["name", "type"])
            let defaults = HookKindSettings.defaults(for: hook.kind).lines
            lines += hook.settings.lines.filter { !defaults.contains($0) }
        }
        for feed in configuration.feeds {
            lines += ["", "[[feed]]  # \(feed.origin)"]
            lines += changedLines(feed, from: FeedConfiguration(), always: ["name", "url"])
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func changedLines<Section: ConfigSection>(
        _ value: Section, from defaults: Section, always: Set<String>
    ) -> [String] {
        Section.options.compactMap { option in
            guard let text = option.render(value) else { return nil }
            if !always.contains(option.info.key) && text == option.render(defaults) { return nil }
            return "\(option.info.key) = \(text)"
        }
    }

    /// The tables of keys, by section, as Markdown: the generated part of `docs/config.md`.
    public static func referenceMarkdown() -> String {
        var text = ""
        func table(_ title: String, _ infos: [OptionInfo], note: String? = nil) {
            text += "### \(title)\n\n"
            if let note { text += note + "\n\n" }
            text += "| key | type | default | meaning |\n| --- | --- | --- | --- |\n"
            for info in infos {
                var meaning = info.doc
                if let variable = info.environment { meaning += " (environment: `\(variable)`)" }
                let shown = info.isRequired ? "required" : "`\(info.defaultText)`"
                text +=
                    "| `\(info.key)` | \(info.type.replacingPipes) | \(shown.replacingPipes) | \(meaning.replacingPipes) |\n"
            }
            text += "\n"
        }
        table("Global keys", FeeddConfiguration.optionInfos())
        table("`[[feed]]`", FeedConfiguration.optionInfos())
        table("`[[hook]]`: every kind", HookConfiguration.optionInfos())
        for kind in HookKind.allCases {
            table("`[[hook]]` of type `\(kind.rawValue)`", HookKindSettings.optionInfos(for: kind))
        }
        return text
    }

    /// Every key of every table, dotted below its table, for the test that keeps `config/feedd.toml`
    /// in step: `interval`, `feed.filter.include`, `hook.webhook.template`, `hook.retry.base`.
    public static var allKeys: [String] {
        FeeddConfiguration.optionInfos().map(\.key)
            + FeedConfiguration.optionInfos().map { "feed.\($0.key)" }
            + HookConfiguration.optionInfos().map { "hook.\($0.key)" }
            + HookKind.allCases.flatMap { kind in
                HookKindSettings.optionInfos(for: kind).map { "hook.\(kind.rawValue).\($0.key)" }
            }
    }
}

extension String {
    /// `|` escaped for a Markdown table cell.
    fileprivate var replacingPipes: String {
        split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|")
    }
}
