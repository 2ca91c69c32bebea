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
    var updateHints = UpdateHints()

    mutating func addAuthor(_ author: Author) {
        guard !author.isEmpty, !authors.contains(author) else { return }
        authors.append(author)
    }

    func build(items: [FeedItem], warnings: [String]) -> FeedDocument {
        var document = FeedDocument(
            format: format, title: title.value, link: link.value, feedURL: feedURL.value,
            description: description.value, language: language.value, updated: updated.value,
            authors: authors.isEmpty ? fallbackAuthors : authors, image: image.value, items: items,
            warnings: warnings)
        document.updateHints = updateHints
        return document
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

extension UpdateHints {
    /// Takes the (folded) text of an update-hint element; a value the element does not allow is left out.
    /// Dates that cannot be read add no warning: the hint only steers the schedule.
    mutating func read(_ role: Role, _ text: String) {
        switch role {
        case .ttl:
            if let minutes = Int(text), minutes > 0 { ttlMinutes = minutes }
        case .skipHour:
            if let hour = Int(text), (0...24).contains(hour) { skipHours.insert(hour % 24) }
        case .skipDay:
            let days = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
            if let day = days.firstIndex(of: text.lowercased()) { skipDays.insert(day) }
        case .updatePeriod:
            updatePeriodSeconds = Self.periodSeconds[text.lowercased()]
        case .updateFrequency:
            if let value = Int(text), value > 0 { updateFrequency = value }
        case .updateBase:
            updateBase = DateParser.parse(text).timestamp
        default:
            break
        }
    }

    private static let periodSeconds: [String: Int] = [
        "hourly": 3600, "daily": 86_400, "weekly": 7 * 86_400, "monthly": 30 * 86_400, "yearly": 365 * 86_400,
    ]
}
