import FeedModel

/// A field several elements can fill: the highest rank wins, the first among equals.
struct Ranked<Value> {
    private(set) var value: Value?
    private var rank = Int.min

    mutating func offer(_ candidate: Value?, rank: Int) {
        guard let candidate, rank > self.rank else { return }
        value = candidate
        self.rank = rank
    }

    /// Like `offer`, but a later value of the same rank replaces an earlier one: for dates, where
    /// feedparser (and so publishers who test with it) lets the last of several `updated` win.
    mutating func offerReplacing(_ candidate: Value?, rank: Int) {
        guard let candidate, rank >= self.rank else { return }
        value = candidate
        self.rank = rank
    }
}

/// The fields of an item as the parser finds them.
struct ItemBuilder {
    var id = Ranked<String>()
    var guidIsPermaLink = true
    var guid: String?
    /// Which of RSS `description` and the made-up `summary` came first.
    var rssDescriptionRole: Role?
    var title = Ranked<String>()
    var link = Ranked<String>()
    var summary = Ranked<String>()
    var content = Ranked<String>()
    var published = Ranked<Timestamp>()
    var updated = Ranked<Timestamp>()
    var authors: [Author] = []
    var fallbackAuthors: [Author] = []
    var categories: [String] = []
    var enclosures: [Enclosure] = []

    mutating func addAuthor(_ author: Author) {
        guard !author.isEmpty, !authors.contains(author) else { return }
        authors.append(author)
    }

    mutating func addCategory(_ category: String) {
        guard !category.isEmpty, !categories.contains(category) else { return }
        categories.append(category)
    }

    /// Adds an enclosure; one already known by URL only gains the type and length it lacked.
    mutating func addEnclosure(_ enclosure: Enclosure) {
        guard !enclosure.url.isEmpty else { return }
        if let index = enclosures.firstIndex(where: { $0.url == enclosure.url }) {
            if enclosures[index].type == nil { enclosures[index].type = enclosure.type }
            if enclosures[index].length == nil { enclosures[index].length = enclosure.length }
            return
        }
        enclosures.append(enclosure)
    }

    func build() -> FeedItem {
        var link = link.value
        if link == nil, guidIsPermaLink, let guid, guid.hasPrefix("http://") || guid.hasPrefix("https://") {
            link = guid
        }
        return FeedItem(
            id: id.value, key: "", title: title.value, link: link, summary: summary.value,
            content: content.value, published: published.value, updated: updated.value,
            authors: authors.isEmpty ? fallbackAuthors : authors, categories: categories, enclosures: enclosures)
    }
}

/// The feed-level fields as the parser finds them.
struct FeedBuilder {
    var format: FeedFormat = .rss20
    var title = Ranked<String>()
    var link = Ranked<String>()
    var feedURL = Ranked<String>()
    var description = Ranked<String>()
    var language = Ranked<String>()
    var updated = Ranked<Timestamp>()
    var authors: [Author] = []
    var fallbackAuthors: [Author] = []
    var image = Ranked<String>()

    mutating func addAuthor(_ author: Author) {
        guard !author.isEmpty, !authors.contains(author) else { return }
        authors.append(author)
    }

    func build(items: [FeedItem], warnings: [String]) -> FeedDocument {
        FeedDocument(
            format: format, title: title.value, link: link.value, feedURL: feedURL.value,
            description: description.value, language: language.value, updated: updated.value,
            authors: authors.isEmpty ? fallbackAuthors : authors, image: image.value, items: items,
            warnings: warnings)
    }
}

/// Reads the RSS author forms: `jo@example.com (Jo Bloggs)`, `Jo Bloggs (jo@example.com)`,
/// `Jo Bloggs <jo@example.com>`, an
/// address alone, or a name alone.
func parsePerson(_ text: String) -> Author {
    let text = HTMLText.folded(text)
    guard !text.isEmpty else { return Author() }
    if text.hasSuffix(")"), let open = text.lastIndex(of: "(") {
        let address = HTMLText.folded(String(text[..<open]))
        let name = HTMLText.folded(String(text[text.index(after: open)..<text.index(before: text.endIndex)]))
        if address.containsBytes("@") && !address.containsBytes(" ") {
            return Author(name: name.isEmpty ? nil : name, email: address)
        }
        // `Jo Bloggs (jo@example.com)`
        if name.containsBytes("@") && !name.containsBytes(" ") {
            let email = name.hasPrefix("mailto:") ? String(name.dropFirst(7)) : name
            return Author(name: address.isEmpty ? nil : address, email: email)
        }
    }
    if text.hasSuffix(">"), let open = text.lastIndex(of: "<") {
        let name = HTMLText.folded(String(text[..<open])).trimmingQuotes()
        let address = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        if address.containsBytes("@") {
            let email = address.hasPrefix("mailto:") ? String(address.dropFirst(7)) : address
            return Author(name: name.isEmpty ? nil : name, email: email)
        }
    }
    if text.containsBytes("@") && !text.containsBytes(" ") {
        return Author(email: text.hasPrefix("mailto:") ? String(text.dropFirst(7)) : text)
    }
    return Author(name: text)
}

extension String {
    fileprivate func trimmingQuotes() -> String {
        guard count >= 2, first == "\"", last == "\"" else { return self }
        return String(dropFirst().dropLast())
    }
}
