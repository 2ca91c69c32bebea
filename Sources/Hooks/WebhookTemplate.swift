internal import FeedModel
internal import Mustache
internal import XML

/// How `{{name}}` escapes values in a webhook template (`{{{name}}}` never escapes).
public enum TemplateEscaping: String, Sendable, Hashable {
    /// For JSON bodies: the value becomes the inside of a JSON string (`"` → `\"`, line breaks →
    /// `\n`, control characters → `\u00XX`), so `"{{title}}"` is always a valid JSON string.
    case json
    /// For `application/x-www-form-urlencoded` bodies: percent-encoding of everything but
    /// letters, digits and `-._~`.
    case form
    /// For HTML: `<`, `>`, `&`, `"` and `'` become character references.
    case html
    /// No escaping (plain-text bodies such as ntfy's).
    case none

    /// The escaping that suits a `Content-Type`: JSON for `…json…`, form for form bodies, HTML for
    /// `text/html`, none otherwise.
    public static func matching(contentType: String) -> TemplateEscaping {
        let type = contentType.lowercased()
        if type.contains("json") { return .json }
        if type.contains("x-www-form-urlencoded") { return .form }
        if type.contains("text/html") { return .html }
        return .none
    }

    fileprivate var pragma: String {
        switch self {
        case .json: return "{{% CONTENT_TYPE: FEEDD_JSON}}"
        case .form: return "{{% CONTENT_TYPE: FEEDD_FORM}}"
        case .html: return "{{% CONTENT_TYPE: HTML}}"
        case .none: return "{{% CONTENT_TYPE: TEXT}}"
        }
    }
}

/// A webhook body template: Mustache (swift-mustache) rendered with the delivery.
///
/// The names a template can use are listed in docs/hooks.md ("Templates"): every field of the
/// item (`title`, `link`, `summary`, …, `authors`, `categories`, `enclosures`), `author` (the
/// first author's name), `text` and `excerpt` (plain text of the content or summary), `feed.name`,
/// `feed.title`, `feed.url`, `event`, `delivery.id`, `delivery.attempt`; for a batch `items` (each
/// with the item names) and `count`; and `json.<name>`, the JSON text of a value (a quoted string
/// or `null`, an array, an object; `json.item` and `json.payload` too), to be written with
/// triple braces: `{"title": {{{json.title}}}}`.
public struct WebhookTemplate: Sendable {
    private let template: MustacheTemplate
    public let escaping: TemplateEscaping

    /// Parses `source`; a syntax error throws `HookError.invalidTemplate` for `hook`.
    public init(_ source: String, escaping: TemplateEscaping, hook: String) throws(HookError) {
        Self.registerContentTypes()
        do {
            template = try MustacheTemplate(string: escaping.pragma + source)
        } catch {
            throw .invalidTemplate(hook: hook, reason: "\(error)")
        }
        self.escaping = escaping
    }

    /// The rendered body.
    public func render(_ delivery: Delivery) -> String {
        template.render(Self.context(for: delivery))
    }

    // MARK: Context

    /// The values the template sees.
    static func context(for delivery: Delivery) -> [String: Any] {
        var context: [String: Any] = [
            "feed": feedContext(delivery.feed),
            "event": delivery.event.rawValue,
            "delivery": ["id": delivery.id, "attempt": delivery.attempt] as [String: Any],
            "is_batch": delivery.isBatch,
        ]
        let payload = String(decoding: HookPayload.json(for: delivery), as: UTF8.self)
        switch delivery.content {
        case .item(let item):
            context.merge(itemContext(item, delivery: delivery)) { _, new in new }
            var json = context["json"] as? [String: Any] ?? [:]
            json["payload"] = payload
            context["json"] = json
        case .batch(let items):
            context["items"] = items.map { itemContext($0, delivery: delivery) }
            context["count"] = items.count
            context["json"] =
                [
                    "payload": payload,
                    "feed": HookPayload.literal { HookPayload.writeFeedValue(delivery.feed, to: &$0) },
                    "items": HookPayload.literal { writer in
                        writer.beginArray()
                        for item in items { item.writeJSON(to: &writer) }
                        writer.endArray()
                    },
                ] as [String: Any]
        }
        return context
    }

    private static func feedContext(_ feed: HookFeed) -> [String: Any] {
        var context: [String: Any] = ["name": feed.name, "url": feed.url]
        if let title = feed.title { context["title"] = title }
        return context
    }

    private static func itemContext(_ item: FeedItem, delivery: Delivery) -> [String: Any] {
        var context: [String: Any] = ["key": item.key]
        context["id"] = item.id
        context["title"] = item.title
        context["link"] = item.link
        context["summary"] = item.summary
        context["content"] = item.content
        context["published"] = item.published?.rfc3339
        context["updated"] = item.updated?.rfc3339
        context["author"] = item.authors.first { $0.name != nil }?.name
        context["authors"] = item.authors.map { author -> [String: Any] in
            var entry: [String: Any] = [:]
            entry["name"] = author.name
            entry["email"] = author.email
            entry["uri"] = author.uri
            return entry
        }
        context["categories"] = item.categories
        context["enclosures"] = item.enclosures.map { enclosure -> [String: Any] in
            var entry: [String: Any] = ["url": enclosure.url]
            entry["type"] = enclosure.type
            entry["length"] = enclosure.length
            return entry
        }
        let text = PlainText.fromHTML(item.content ?? item.summary ?? "", layout: .blocks(keepLinks: true))
        let excerpt = Self.excerpt(of: text, limit: 300)
        if !text.isEmpty {
            context["text"] = text
            context["excerpt"] = excerpt
        }
        context["json"] =
            [
                "id": literal(item.id), "key": literal(item.key), "title": literal(item.title),
                "link": literal(item.link), "summary": literal(item.summary), "content": literal(item.content),
                "published": literal(item.published?.rfc3339), "updated": literal(item.updated?.rfc3339),
                "author": literal(item.authors.first { $0.name != nil }?.name),
                "text": literal(text.isEmpty ? nil : text), "excerpt": literal(text.isEmpty ? nil : excerpt),
                "categories": HookPayload.literal { $0.stringArray(item.categories) },
                "item": HookPayload.literal { item.writeJSON(to: &$0) },
            ] as [String: Any]
        return context
    }

    private static func literal(_ value: String?) -> String {
        HookPayload.literal { $0.string(value) }
    }

    /// The first `limit` characters of `text`, cut at a space when one is near, with "…".
    static func excerpt(of text: String, limit: Int) -> String {
        guard text.count > limit else { return text }
        var cut = text.prefix(limit)
        if let space = cut.lastIndex(where: \.isWhitespace), cut.distance(from: space, to: cut.endIndex) < 40 {
            cut = cut[..<space]
        }
        return String(cut).trimmingTrailingWhitespace + "…"
    }

    // MARK: Escaping

    private static let registration: Void = {
        MustacheContentTypes.register(JSONEscape(), named: "FEEDD_JSON")
        MustacheContentTypes.register(FormEscape(), named: "FEEDD_FORM")
    }()

    private static func registerContentTypes() {
        _ = registration
    }

    private struct JSONEscape: MustacheContentType {
        func escapeText(_ text: String) -> String {
            let quoted = HookPayload.literal { $0.string(text) }
            return String(quoted.dropFirst().dropLast())
        }
    }

    private struct FormEscape: MustacheContentType {
        func escapeText(_ text: String) -> String {
            var output = ""
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                    UInt8(ascii: "~"):
                    output.unicodeScalars.append(Unicode.Scalar(byte))
                default:
                    let digits = Array("0123456789ABCDEF".unicodeScalars)
                    output.unicodeScalars.append("%")
                    output.unicodeScalars.append(digits[Int(byte >> 4)])
                    output.unicodeScalars.append(digits[Int(byte & 0xF)])
                }
            }
            return output
        }
    }
}
