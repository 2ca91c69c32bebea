public import FeedModel
internal import XML

/// Include and exclude rules over an item's title, summary and content (as plain text), author
/// names and categories.
///
/// A rule is a keyword (matched as a substring, ignoring case) or `/regular expression/flags`
/// (ignoring case unless the flags hold `c`; `s` lets `.` match line breaks, `m` makes `^`/`$`
/// match at lines, `i` is accepted and changes nothing). An item passes when it matches at least
/// one include rule (or there are none) and no exclude rule: exclude wins.
public struct ItemFilter: Sendable {
    private let include: [Rule]
    private let exclude: [Rule]

    /// A filter that lets every item pass.
    public init() {
        include = []
        exclude = []
    }

    /// Compiles the rules; an invalid regular expression throws `HookError.invalidPattern` naming it.
    public init(include: [String] = [], exclude: [String] = []) throws(HookError) {
        self.include = try include.map { (rule) throws(HookError) in try Rule(rule) }
        self.exclude = try exclude.map { (rule) throws(HookError) in try Rule(rule) }
    }

    /// True when no rule is set.
    public var isEmpty: Bool { include.isEmpty && exclude.isEmpty }

    /// Whether `item` passes.
    public func accepts(_ item: FeedItem) -> Bool {
        guard !isEmpty else { return true }
        let fields = Self.fields(of: item)
        if exclude.contains(where: { $0.matches(any: fields) }) { return false }
        return include.isEmpty || include.contains(where: { $0.matches(any: fields) })
    }

    static func fields(of item: FeedItem) -> [String] {
        var fields: [String] = []
        if let title = item.title { fields.append(title) }
        if let summary = item.summary { fields.append(PlainText.fromHTML(summary, layout: .blocks(keepLinks: false))) }
        if let content = item.content { fields.append(PlainText.fromHTML(content, layout: .blocks(keepLinks: false))) }
        for author in item.authors {
            if let name = author.name { fields.append(name) }
        }
        fields.append(contentsOf: item.categories)
        return fields
    }

    /// One compiled rule.
    private enum Rule: Sendable {
        /// A lower-cased keyword.
        case keyword(String)
        case pattern(CompiledPattern)

        init(_ text: String) throws(HookError) {
            if text.count >= 2, text.hasPrefix("/"), let close = text.lastIndex(of: "/"), close != text.startIndex {
                let body = String(text[text.index(after: text.startIndex)..<close])
                let flags = text[text.index(after: close)...]
                self = .pattern(try CompiledPattern(source: text, body: body, flags: flags))
            } else {
                self = .keyword(text.lowercased())
            }
        }

        func matches(any fields: [String]) -> Bool {
            switch self {
            case .keyword(let keyword):
                return fields.contains { $0.lowercased().contains(keyword) }
            case .pattern(let pattern):
                return fields.contains { pattern.matches($0) }
            }
        }
    }
}

/// A compiled `/regular expression/flags`.
///
/// `@unchecked Sendable`: the `Regex` is built once in `init` and never mutated afterwards; a
/// `Regex` value is immutable and only read (by `firstMatch`) from any thread.
struct CompiledPattern: @unchecked Sendable {
    private let regex: Regex<AnyRegexOutput>

    init(source: String, body: String, flags: Substring) throws(HookError) {
        var caseSensitive = false
        var dotMatchesNewlines = false
        var anchorsMatchLines = false
        for flag in flags {
            switch flag {
            case "i": caseSensitive = false
            case "c": caseSensitive = true
            case "s": dotMatchesNewlines = true
            case "m": anchorsMatchLines = true
            default:
                throw .invalidPattern(pattern: source, reason: "unknown flag \"\(flag)\" (use i, c, s or m)")
            }
        }
        guard !body.isEmpty else {
            throw .invalidPattern(pattern: source, reason: "the expression is empty")
        }
        do {
            regex = try Regex(body)
                .ignoresCase(!caseSensitive)
                .dotMatchesNewlines(dotMatchesNewlines)
                .anchorsMatchLineEndings(anchorsMatchLines)
        } catch {
            throw .invalidPattern(pattern: source, reason: "\(error)")
        }
    }

    func matches(_ text: String) -> Bool {
        (try? regex.firstMatch(in: text)) != nil
    }
}
