/// The kinds of hook (`type`), documented in docs/hooks.md.
public enum HookKind: String, Sendable, Hashable, CaseIterable {
    case exec, webhook, jsonl, maildir, sendmail
}

/// One `[[hook]]`: the keys every kind has, and the kind's own in `settings`.
public struct HookConfiguration: Sendable, Hashable, ConfigSection {
    /// Unique; feeds and the global `hooks` name it.
    public var name = ""
    public var settings: HookKindSettings = .exec(ExecHookSettings())
    /// One delivery per poll with all of a feed's new items, instead of one per item.
    public var batch = false
    /// Updated items fire too (`event` = `"updated"`).
    public var onUpdate = false
    /// Deliveries of this hook in flight at once; one feed's items still arrive in order.
    public var concurrency = 1
    public var filter = FilterConfiguration()
    public var retry = RetryConfiguration()
    /// Where the hook was defined: `config/feedd.toml:40`.
    public var origin = ""

    public init() {}

    /// Whether `other` has the same settings, wherever each was written (`origin` aside): what a
    /// reload compares to decide whether this one changed.
    public func hasSameSettings(as other: HookConfiguration) -> Bool {
        var other = other
        other.origin = origin
        return self == other
    }

    public init(name: String, settings: HookKindSettings) {
        self.name = name
        self.settings = settings
    }

    /// The kind; setting another kind resets `settings` to that kind's defaults.
    public var kind: HookKind {
        get { settings.kind }
        set { if newValue != settings.kind { settings = HookKindSettings.defaults(for: newValue) } }
    }

    /// The keys of every kind. `type` comes first: the kind's keys are read after it.
    static let options: [ConfigOption<Self>] = [
        .value("name", \.name, .string, required: true, doc: "unique name of the hook", check: Checks.name),
        .value(
            "type", \.kind, .hookKind, required: true, doc: HookKind.allCases.map(\.rawValue).joined(separator: " | ")),
        .value("batch", \.batch, .boolean, doc: "one delivery per poll with all of a feed's new items (a digest)"),
        .value("on_update", \.onUpdate, .boolean, doc: "updated items fire too (event \"updated\")"),
        .value(
            "concurrency", \.concurrency, .integer,
            doc: "deliveries of this hook in flight at once (one feed's items still arrive in order)",
            check: Checks.atLeastOne),
        .section("filter", \.filter, doc: "which items this hook receives"),
        .section("retry", \.retry, doc: "backoff and dead letters"),
    ]
}

extension ValueCodec where Value == HookKind {
    static let hookKind: ValueCodec = {
        let names = HookKind.allCases.map(\.rawValue)
        let text = ValueCodec<String>.choice(names)
        return ValueCodec(
            typeName: text.typeName,
            decode: { node, context throws(CodecFailure) in
                HookKind(rawValue: try text.decode(node, context)) ?? .exec
            },
            render: { TOMLText.quoted($0.rawValue) })
    }()
}

/// What a hook of each kind needs.
public enum HookKindSettings: Sendable, Hashable {
    case exec(ExecHookSettings)
    case webhook(WebhookHookSettings)
    case jsonl(JSONLinesHookSettings)
    case maildir(MaildirHookSettings)
    case sendmail(SendmailHookSettings)

    public var kind: HookKind {
        switch self {
        case .exec: return .exec
        case .webhook: return .webhook
        case .jsonl: return .jsonl
        case .maildir: return .maildir
        case .sendmail: return .sendmail
        }
    }

    static func defaults(for kind: HookKind) -> HookKindSettings {
        switch kind {
        case .exec: return .exec(ExecHookSettings())
        case .webhook: return .webhook(WebhookHookSettings())
        case .jsonl: return .jsonl(JSONLinesHookSettings())
        case .maildir: return .maildir(MaildirHookSettings())
        case .sendmail: return .sendmail(SendmailHookSettings())
        }
    }

    /// The reference entries of a kind's own keys.
    static func optionInfos(for kind: HookKind) -> [OptionInfo] {
        switch kind {
        case .exec: return ExecHookSettings.optionInfos()
        case .webhook: return WebhookHookSettings.optionInfos()
        case .jsonl: return JSONLinesHookSettings.optionInfos()
        case .maildir: return MaildirHookSettings.optionInfos()
        case .sendmail: return SendmailHookSettings.optionInfos()
        }
    }

    /// Reads the kind's own keys from `entries` and returns those it does not know.
    mutating func decode(
        _ entries: [(key: String, value: ConfigNode)], context: DecodeContext
    ) -> [(key: String, value: ConfigNode)] {
        func read<Settings: ConfigSection>(_ settings: Settings, _ wrap: (Settings) -> HookKindSettings)
            -> [(key: String, value: ConfigNode)]
        {
            var settings = settings
            let unknown = SectionDecoder.decodeEntries(entries, into: &settings, context: context)
            self = wrap(settings)
            return unknown
        }
        switch self {
        case .exec(let settings): return read(settings, HookKindSettings.exec)
        case .webhook(let settings): return read(settings, HookKindSettings.webhook)
        case .jsonl(let settings): return read(settings, HookKindSettings.jsonl)
        case .maildir(let settings): return read(settings, HookKindSettings.maildir)
        case .sendmail(let settings): return read(settings, HookKindSettings.sendmail)
        }
    }

    /// `key = value` lines of the kind's keys.
    var lines: [String] {
        switch self {
        case .exec(let settings): return SectionDecoder.lines(settings)
        case .webhook(let settings): return SectionDecoder.lines(settings)
        case .jsonl(let settings): return SectionDecoder.lines(settings)
        case .maildir(let settings): return SectionDecoder.lines(settings)
        case .sendmail(let settings): return SectionDecoder.lines(settings)
        }
    }
}
