/// `filter`: which items a feed or hook lets through. A rule is a keyword (a substring, ignoring
/// case) or `/regular expression/flags` (flags `i`, `c`, `s`, `m`); an item passes when it matches
/// an `include` rule (or there is none) and no `exclude` rule. `Hooks.ItemFilter` applies it.
public struct FilterConfiguration: Sendable, Hashable, ConfigSection {
    public var include: [String] = []
    public var exclude: [String] = []

    public init() {}

    public init(include: [String], exclude: [String]) {
        self.include = include
        self.exclude = exclude
    }

    public var isEmpty: Bool { include.isEmpty && exclude.isEmpty }

    static let options: [ConfigOption<Self>] = [
        .value(
            "include", \.include, .list(.string), doc: "items must match one of these rules (none: every item)",
            check: FilterRule.check),
        .value(
            "exclude", \.exclude, .list(.string), doc: "items matching any of these rules are left out",
            check: FilterRule.check),
    ]
}

/// Checks filter rules the way `Hooks.ItemFilter` reads them.
enum FilterRule {
    static func check(_ rules: [String]) -> String? {
        for rule in rules {
            guard rule.count >= 2, rule.hasPrefix("/"), let close = rule.lastIndex(of: "/"), close != rule.startIndex
            else {
                if rule.isEmpty { return "an empty rule matches every item" }
                continue
            }
            let body = String(rule[rule.index(after: rule.startIndex)..<close])
            let flags = rule[rule.index(after: close)...]
            if let flag = flags.first(where: { !"icsm".contains($0) }) {
                return "\(TOMLText.quoted(rule)): unknown flag \"\(flag)\" (use i, c, s or m)"
            }
            if body.isEmpty { return "\(TOMLText.quoted(rule)): the expression is empty" }
            do {
                _ = try Regex(body)
            } catch {
                return "\(TOMLText.quoted(rule)): not a valid regular expression: \(error)"
            }
        }
        return nil
    }
}

/// `retry`: a hook's backoff and when a delivery becomes a dead letter (`Hooks.RetryPolicy`).
public struct RetryConfiguration: Sendable, Hashable, ConfigSection {
    public var base: ConfigDuration = .seconds(30)
    public var maxDelay: ConfigDuration = .hours(6)
    public var maxAttempts = 20
    public var maxAge: ConfigDuration = .days(3)

    public init() {}

    static let options: [ConfigOption<Self>] = [
        .value("base", \.base, .duration, doc: "the first retry waits up to this long; each next one twice as long"),
        .value("max_delay", \.maxDelay, .duration, doc: "no wait between attempts is longer"),
        .value(
            "max_attempts", \.maxAttempts, .integer, doc: "attempts in all, then a dead letter",
            check: { $0 >= 1 ? nil : "must be at least 1" }),
        .value("max_age", \.maxAge, .duration, doc: "a delivery this old since its first attempt is a dead letter"),
    ]
}

/// `retention`: how many items of a feed are kept, and for how long (`Store.StoreOptions.Retention`).
public struct RetentionConfiguration: Sendable, Hashable, ConfigSection {
    public var maxItems = 500
    public var maxAge: ConfigDuration = .days(90)

    public init() {}

    static let options: [ConfigOption<Self>] = [
        .value(
            "max_items", \.maxItems, .integer, doc: "items kept per feed, the newest by first-seen time",
            check: { $0 >= 1 ? nil : "must be at least 1" }),
        .value("max_age", \.maxAge, .duration, doc: "items first seen longer ago are dropped"),
    ]
}

/// A feed's `retention`: either value unset keeps the global one.
public struct RetentionOverride: Sendable, Hashable, ConfigSection {
    public var maxItems: Int?
    public var maxAge: ConfigDuration?

    public init() {}

    /// This override applied over `global`.
    public func applied(to global: RetentionConfiguration) -> RetentionConfiguration {
        var result = global
        if let maxItems { result.maxItems = maxItems }
        if let maxAge { result.maxAge = maxAge }
        return result
    }

    static let options: [ConfigOption<Self>] = [
        .value(
            "max_items", \.maxItems, .optional(.integer), defaultText: "global `retention.max_items`",
            doc: "items kept of this feed", check: { ($0 ?? 1) >= 1 ? nil : "must be at least 1" }),
        .value(
            "max_age", \.maxAge, .optional(.duration), defaultText: "global `retention.max_age`",
            doc: "items of this feed first seen longer ago are dropped"),
    ]
}

/// `flood_guard`: a poll bringing more than `max(minimum, share × items in the document)` new items
/// of a feed with history is held for review instead of delivered (`Store.StoreOptions.FloodGuard`).
public struct FloodGuardConfiguration: Sendable, Hashable, ConfigSection {
    public var minimum = 10
    public var share = 0.5

    public init() {}

    static let options: [ConfigOption<Self>] = [
        .value(
            "minimum", \.minimum, .integer, doc: "new items of one poll always allowed",
            check: { $0 >= 0 ? nil : "must not be negative" }),
        .value(
            "share", \.share, .number, doc: "share of the document's items allowed to be new at once",
            check: { $0 > 0 && $0 <= 1 ? nil : "must be more than 0 and at most 1" }),
    ]
}

/// `key_memory`: when the keys of dropped items are forgotten (`Store.StoreOptions.KeyMemory`): only
/// after the feed has gone `polls` polls and `age` without showing the key.
public struct KeyMemoryConfiguration: Sendable, Hashable, ConfigSection {
    public var polls = 100
    public var age: ConfigDuration = .days(180)

    public init() {}

    static let options: [ConfigOption<Self>] = [
        .value(
            "polls", \.polls, .integer, doc: "polls without the key before it is forgotten",
            check: { $0 >= 1 ? nil : "must be at least 1" }),
        .value("age", \.age, .duration, doc: "time without the key before it is forgotten"),
    ]
}

/// A feed's `auth`: HTTP basic authentication (`Fetcher.Credential`).
public struct AuthConfiguration: Sendable, Hashable, ConfigSection {
    public var username = ""
    public var password: Secret = .literal("")

    public init() {}

    public init(username: String, password: Secret) {
        self.username = username
        self.password = password
    }

    static let options: [ConfigOption<Self>] = [
        .value("username", \.username, .string, required: true, doc: "the user name"),
        .value(
            "password", \.password, .secret, required: true,
            doc: "the password: a string, { file = \"path\" } or { env = \"NAME\" }"),
    ]
}

/// What the first poll of a new feed does with the items already there: `notify_existing = false`
/// stores them silently, `true` fires the hooks for all of them, a number N for the newest N.
public enum NotifyExisting: Sendable, Hashable {
    case none
    case all
    case newest(Int)
}

extension ValueCodec where Value == NotifyExisting {
    static let notifyExisting = ValueCodec(
        typeName: "boolean or integer",
        decode: { node, _ throws(CodecFailure) in
            switch node {
            case .boolean(let value): return value ? .all : .none
            case .integer(let count) where count >= 0: return count == 0 ? .none : .newest(count)
            default: throw mismatch("true, false, or how many of the newest items (like 3)", node)
            }
        },
        render: { value in
            switch value {
            case .none: return "false"
            case .all: return "true"
            case .newest(let count): return String(count)
            }
        })
}

extension NotifyExisting: ExpressibleByBooleanLiteral {
    /// `true` is `.all`, `false` is `.none`, as in the file.
    public init(booleanLiteral value: Bool) {
        self = value ? .all : .none
    }
}
