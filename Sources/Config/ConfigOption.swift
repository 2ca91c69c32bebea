/// What the reference says about one key: the one definition `docs/config.md`, `config/feedd.toml`'s
/// test and `feedd check` all read.
public struct OptionInfo: Sendable, Hashable {
    /// The key, dotted below its table: `interval`, `retention.max_age`, `filter.include`.
    public var key: String
    /// `duration`, `string`, `list of strings`, …
    public var type: String
    /// The default as TOML text, or a phrase (`required`, `none`, `the global interval`).
    public var defaultText: String
    /// One line of documentation.
    public var doc: String
    /// The environment variable that overrides it (global keys only), if any.
    public var environment: String?
    public var isRequired: Bool
}

/// One key of a table: its documentation and how it is read into `Root`.
struct ConfigOption<Root>: Sendable {
    var info: OptionInfo
    /// The keys of a table-valued option (`retention`, `filter`, `retry`, `auth`), for the reference.
    var children: [OptionInfo] = []
    /// Reads the value into `root`, reporting problems through the context (whose path is the key's).
    let apply: @Sendable (inout Root, ConfigNode, DecodeContext) -> Void
    /// The value of `root` as TOML text (nil: not printed, e.g. an unset optional).
    let render: @Sendable (Root) -> String?

    /// A key read with `codec` into `keyPath`.
    ///
    /// - Parameters:
    ///   - defaultText: the default as shown; by default `codec` renders `Root`'s default value.
    ///   - check: a rule on the decoded value; returns the problem's message, or nil when fine.
    static func value<Value>(
        _ key: String,
        _ keyPath: any WritableKeyPath<Root, Value> & Sendable,
        _ codec: ValueCodec<Value>,
        defaultText: String? = nil,
        required: Bool = false,
        environment: String? = nil,
        doc: String,
        check: (@Sendable (Value) -> String?)? = nil
    ) -> ConfigOption where Root: ConfigSection {
        let shownDefault = defaultText ?? (required ? "required" : codec.render(Root()[keyPath: keyPath]))
        return ConfigOption(
            info: OptionInfo(
                key: key, type: codec.typeName, defaultText: shownDefault.isEmpty ? "none" : shownDefault, doc: doc,
                environment: environment, isRequired: required),
            apply: { root, node, context in
                do throws(CodecFailure) {
                    let value = try codec.decode(node, context)
                    if let message = check?(value) {
                        context.report(message)
                        return
                    }
                    root[keyPath: keyPath] = value
                } catch {
                    context.report(error.message)
                }
            },
            render: { root in
                let text = codec.render(root[keyPath: keyPath])
                return text.isEmpty ? nil : text
            })
    }

    /// A sub-table decoded as `Section` (its own keys, unknown ones reported) into `keyPath`.
    static func section<Section: ConfigSection>(
        _ key: String,
        _ keyPath: any WritableKeyPath<Root, Section> & Sendable,
        doc: String
    ) -> ConfigOption where Root: ConfigSection {
        ConfigOption(
            info: OptionInfo(
                key: key, type: "table", defaultText: "", doc: doc, environment: nil, isRequired: false),
            children: Section.optionInfos(prefix: key + "."),
            apply: { root, node, context in
                if let value = SectionDecoder.decode(node, as: Section.self, context: context) {
                    root[keyPath: keyPath] = value
                }
            },
            render: { root in SectionDecoder.inlineTable(root[keyPath: keyPath]) })
    }

    /// An optional sub-table: nil when absent.
    static func section<Section: ConfigSection>(
        _ key: String,
        _ keyPath: any WritableKeyPath<Root, Section?> & Sendable,
        doc: String
    ) -> ConfigOption where Root: ConfigSection {
        ConfigOption(
            info: OptionInfo(
                key: key, type: "table", defaultText: "none", doc: doc, environment: nil, isRequired: false),
            children: Section.optionInfos(prefix: key + "."),
            apply: { root, node, context in
                root[keyPath: keyPath] = SectionDecoder.decode(node, as: Section.self, context: context)
            },
            render: { root in root[keyPath: keyPath].map { SectionDecoder.inlineTable($0) } })
    }
}

extension ConfigOption {
    /// This option of an inner value, read and written through `keyPath` of an outer one: how keys of
    /// a value kept in its own struct are written flat in an outer table (the fetch limits).
    func lifted<Outer>(_ keyPath: any WritableKeyPath<Outer, Root> & Sendable) -> ConfigOption<Outer> {
        let apply = self.apply
        let render = self.render
        return ConfigOption<Outer>(
            info: info, children: children,
            apply: { outer, node, context in apply(&outer[keyPath: keyPath], node, context) },
            render: { outer in render(outer[keyPath: keyPath]) })
    }
}

/// A table of the configuration with a fixed set of keys.
protocol ConfigSection: Sendable {
    /// The value with every default.
    init()
    static var options: [ConfigOption<Self>] { get }
}

extension ConfigSection {
    /// The reference entries of this table's keys, sub-tables flattened, keys prefixed.
    static func optionInfos(prefix: String = "") -> [OptionInfo] {
        options.flatMap { option in
            var info = option.info
            info.key = prefix + info.key
            if option.children.isEmpty { return [info] }
            return option.children.map { child in
                var child = child
                child.key = prefix + child.key
                return child
            }
        }
    }
}

/// Reads tables into `ConfigSection` values.
enum SectionDecoder {
    /// Decodes a table as `Section`, reporting unknown keys (with a suggestion) and missing required ones.
    static func decode<Section: ConfigSection>(
        _ node: ConfigNode, as type: Section.Type, context: DecodeContext
    ) -> Section? {
        guard let entries = node.entries else {
            context.report("expected a table, got \(node.shortText)")
            return nil
        }
        var value = Section()
        let unknown = decodeEntries(entries, into: &value, context: context)
        for entry in unknown {
            context.at(entry.key) { reportUnknown(entry.key, known: Section.options.map(\.info.key), context: context) }
        }
        return value
    }

    /// Applies the options of `Section` found in `entries` to `value`, reports missing required keys,
    /// and returns the entries it does not know.
    static func decodeEntries<Section: ConfigSection>(
        _ entries: [(key: String, value: ConfigNode)], into value: inout Section, context: DecodeContext
    ) -> [(key: String, value: ConfigNode)] {
        var unknown: [(key: String, value: ConfigNode)] = []
        for entry in entries {
            guard let option = Section.options.first(where: { $0.info.key == entry.key }) else {
                unknown.append(entry)
                continue
            }
            context.at(entry.key) { option.apply(&value, entry.value, context) }
        }
        for option in Section.options where option.info.isRequired {
            if !entries.contains(where: { $0.key == option.info.key }) {
                context.report("missing required key `\(option.info.key)`")
            }
        }
        return unknown
    }

    static func reportUnknown(_ key: String, known: [String], context: DecodeContext) {
        context.report("unknown key `\(key)`" + Suggestion.phrase(for: key, in: known))
    }

    /// `{ a = 1, b = "x" }` of every set key.
    static func inlineTable<Section: ConfigSection>(_ value: Section) -> String {
        let parts = Section.options.compactMap { option in
            option.render(value).map { "\(option.info.key) = \($0)" }
        }
        return "{ " + parts.joined(separator: ", ") + " }"
    }

    /// `key = value` lines of every set key (sub-tables inline).
    static func lines<Section: ConfigSection>(_ value: Section) -> [String] {
        Section.options.compactMap { option in option.render(value).map { "\(option.info.key) = \($0)" } }
    }
}
