import FeedModel
import XML

/// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) into the normalized document.
struct JSONFeedParser {
    let baseURL: String?
    private var warnings: [String] = []

    init(baseURL: String?) {
        self.baseURL = baseURL
    }

    mutating func parse(_ bytes: [UInt8]) throws(ParseError) -> FeedDocument {
        var text = bytes
        // JSON must be UTF-8, but feeds mislabel windows-1252 as everywhere else: mend rather than refuse.
        if String(validating: bytes, as: UTF8.self) == nil {
            let repaired = TextDecoder.repairingUTF8(bytes)
            text = repaired.utf8
            warnings.append("\(repaired.invalidCount) bytes that are not UTF-8 read as windows-1252")
        }
        let mended = JSONValue.escapingControlCharacters(text)
        if mended.count > 0 {
            text = mended.text
            warnings.append("\(mended.count) control characters inside strings escaped")
        }
        let surrogates = JSONValue.replacingLoneSurrogates(text)
        if surrogates.count > 0 {
            text = surrogates.text
            warnings.append("\(surrogates.count) lone UTF-16 surrogate escapes (\\uD800-\\uDFFF) replaced by U+FFFD")
        }
        let feed: JSONValue
        do {
            feed = try JSONValue.parse(text)
        } catch {
            throw .notAJSONFeed(detail: "invalid JSON (\(Self.reason(error)))")
        }
        guard feed.isObject else {
            throw .notAJSONFeed(detail: "JSON that is not an object")
        }
        let version = feed["version"]?.string
        let format: FeedFormat
        if let version, version.contains("jsonfeed.org/version/1.1") {
            format = .json11
        } else if let version, version.contains("jsonfeed.org/version/1") {
            format = .json10
        } else if feed["items"]?.array != nil {
            format = .json10
            warnings.append("JSON Feed without a jsonfeed.org \"version\"; read as version 1")
        } else {
            throw .notAJSONFeed(detail: "a JSON object without a jsonfeed.org \"version\" or \"items\"")
        }
        let base = string(feed["feed_url"]) ?? baseURL
        var document = FeedDocument(format: format)
        document.title = string(feed["title"]).map { PlainText.fromHTML($0) }
        document.link = url(feed["home_page_url"], base)
        document.feedURL = url(feed["feed_url"], baseURL)
        document.description = string(feed["description"]).map(HTMLText.folded)
        document.language = string(feed["language"])
        document.authors = authors(feed, base)
        document.image = url(feed["icon"], base) ?? url(feed["favicon"], base)
        for (index, entry) in (feed["items"]?.array ?? []).enumerated() {
            guard entry.isObject else {
                warnings.append("item \(index + 1) is not a JSON object; skipped")
                continue
            }
            document.items.append(item(entry, index: index, base: base))
        }
        if !(feed["items"]?.array != nil) { warnings.append("no \"items\" array") }
        document.warnings = warnings
        return document
    }

    private mutating func item(_ entry: JSONValue, index: Int, base: String?) -> FeedItem {
        var item = FeedItem()
        switch entry["id"] {
        case .string(let id): item.id = id
        case .integer(let number): item.id = String(number)
        case .number(let number): item.id = String(number)
        default: break
        }
        item.title = string(entry["title"]).map { PlainText.fromHTML($0) }
        item.link = url(entry["url"], base) ?? url(entry["external_url"], base)
        let contentHTML = string(entry["content_html"]).map { HTMLText.resolvingURLs(in: $0, base: base) }
        let contentText = string(entry["content_text"]).map { HTMLText.escaped($0) }
        item.content = contentHTML ?? contentText
        item.summary = string(entry["summary"]).map { HTMLText.escaped($0) } ?? contentHTML
        item.published = date(entry["date_published"], index)
        item.updated = date(entry["date_modified"], index)
        item.authors = authors(entry, base)
        item.categories = (entry["tags"]?.array ?? []).compactMap { string($0).map { PlainText.fromHTML($0) } }
        for attachment in entry["attachments"]?.array ?? [] {
            guard let link = url(attachment["url"], base) else { continue }
            let size = attachment["size_in_bytes"]?.int64
            item.enclosures.append(Enclosure(url: link, type: string(attachment["mime_type"]), length: size))
        }
        return item
    }

    private func authors(_ object: JSONValue, _ base: String?) -> [Author] {
        var list = object["authors"]?.array ?? []
        if list.isEmpty, let single = object["author"] { list = [single] }
        return list.compactMap { person in
            guard person.isObject else { return nil }
            let author = Author(
                name: string(person["name"]).map { PlainText.fromHTML($0) }, uri: url(person["url"], base))
            return author.isEmpty ? nil : author
        }
    }

    private func string(_ value: JSONValue?) -> String? {
        guard let text = value?.string, !text.isEmpty else { return nil }
        return text
    }

    private func url(_ value: JSONValue?, _ base: String?) -> String? {
        string(value).map { URLResolver.resolve($0, against: base) }
    }

    private mutating func date(_ value: JSONValue?, _ index: Int) -> Timestamp? {
        guard let text = string(value) else { return nil }
        let result = DateParser.parse(text)
        if let warning = result.warning { warnings.append("item \(index + 1): \(warning)") }
        return result.timestamp
    }

    private static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        return text.count > 160 ? String(text.prefix(160)) + "…" : text
    }
}
