import FeedModel
import XML

/// Turns the element stream of an RSS, RDF or Atom document into a `FeedDocument`.
///
/// A stack of frames follows the element tree: each frame knows the scope it opened (feed, item, image,
/// author…), its `xml:base` and `xml:lang`. Elements a scope does not know are skipped with their
/// children, so nothing nested in an extension leaks into a field. Text is captured by the XML layer
/// while a field element is open and assigned when it closes.
final class FeedHandler: XMLStreamHandler {
    enum Scope {
        /// `skipList`: inside RSS `<skipHours>` or `<skipDays>`.
        case document, feed, item, image, author, group, skipList, skip
    }

    /// One open element. Trivial to copy (no reference-counted fields): `xml:base` and `xml:lang` live on
    /// their own stacks, pushed only by the elements that carry them.
    struct Frame {
        var scope: Scope
        var pushedBase = false
        var pushedLanguage = false
    }

    /// How a captured element's content is to be read.
    enum ContentKind {
        case text, html, xhtml
    }

    struct Capture {
        var role: Role
        var kind: ContentKind
        var base64 = false
        var depth = 0
        var hadChildren = false
        /// Depth of the `<div>` that wraps Atom xhtml content, which is not part of the content.
        var wrapperDepth: Int? = nil
        var base: String?
    }

    let documentURL: String?
    private(set) var feed = FeedBuilder()
    private(set) var items: [FeedItem] = []
    private(set) var rootName: String?
    private(set) var isFeed = false
    private var inAtom = false
    private var frames: [Frame] = []
    /// The base URL in effect, innermost last (the document URL at the bottom).
    private var bases: [String?]
    /// The language in effect, innermost last.
    private var languages: [String?] = [nil]
    private var item: ItemBuilder? = nil
    private var author = Author()
    private var capture: Capture? = nil
    private var roles: [Role?] = []
    var warnings: [String] = []

    init(documentURL: String?) {
        self.documentURL = documentURL
        bases = [documentURL]
    }

    private var scope: Scope { frames.last?.scope ?? .document }
    private var base: String? { bases[bases.count - 1] }
    private var language: String? { languages[languages.count - 1] }

    // MARK: - Events

    func startElement(_ name: XMLName, attributes: XMLAttributes, in parser: XMLStreamParser) {
        if capture != nil {
            nestedStart(name, attributes: attributes, parser: parser)
            return
        }
        var frame = Frame(scope: scope)
        if !attributes.isEmpty {
            if let xmlBase = attributes.xmlValue("base") {
                bases.append(URLResolver.resolve(xmlBase, against: base))
                frame.pushedBase = true
            }
            if let lang = attributes.xmlValue("lang") {
                languages.append(lang.isEmpty ? nil : lang)
                frame.pushedLanguage = true
            }
        }
        if rootName == nil {
            startRoot(name, attributes: attributes, frame: &frame, parser: parser)
            frames.append(frame)
            return
        }
        let role = role(of: name)
        frames.append(frame)
        // RSS 0.90 is RDF with its channel in the Netscape namespace.
        if role == .channel, feed.format == .rss10, Namespace.of(name) == .rss090 { feed.format = .rss09x }
        switch scope {
        case .skip:
            return
        case .document:
            startInDocument(role, attributes: attributes, parser: parser)
        case .feed:
            startInFeed(role, attributes: attributes, parser: parser)
        case .item:
            startInItem(role, attributes: attributes, parser: parser)
        case .image:
            if role == .imageURL || role == .title || role == .link {
                beginCapture(role, kind: .text, attributes: attributes, parser: parser)
            } else {
                enter(.skip)
            }
        case .author:
            switch role {
            case .personName, .personEmail, .personURI:
                beginCapture(role, kind: .text, attributes: attributes, parser: parser)
            default: enter(.skip)
            }
        case .group:
            startInItem(role, attributes: attributes, parser: parser)
        case .skipList:
            if role == .skipHour || role == .skipDay {
                beginCapture(role, kind: .text, attributes: attributes, parser: parser)
            } else {
                enter(.skip)
            }
        }
    }

    func endElement(_ name: XMLName, in parser: XMLStreamParser) {
        if var current = capture {
            if current.depth > 0 {
                nestedEnd(name, capture: &current, parser: parser)
                capture = current
                return
            }
            capture = nil
            parser.textCapture = .off
            finishCapture(current, text: parser.takeText(), parser: parser)
        }
        guard let frame = frames.popLast() else { return }
        if frame.pushedBase { bases.removeLast() }
        if frame.pushedLanguage { languages.removeLast() }
        if frame.scope != scope {
            switch frame.scope {
            case .item: finishItem()
            case .author: finishAuthor()
            default: break
            }
        }
    }

    /// The items read, handed over (the handler keeps none), so that the caller's array is unique and
    /// setting each item's key does not copy every item.
    func takeItems() -> [FeedItem] {
        var taken: [FeedItem] = []
        swap(&taken, &items)
        return taken
    }

    /// Closes what a truncated document left open.
    func finish(parser: XMLStreamParser) {
        if let current = capture {
            capture = nil
            parser.textCapture = .off
            finishCapture(current, text: parser.takeText(), parser: parser)
        }
        if item != nil {
            warnings.append("the document ends inside an item (truncated?); the item is kept")
            finishItem()
        }
    }

    // MARK: - Scopes

    private func enter(_ newScope: Scope) {
        frames[frames.count - 1].scope = newScope
    }

    private func role(of name: XMLName) -> Role {
        if name.id < roles.count, let known = roles[name.id] { return known }
        let role = Role.of(name, namespace: Namespace.of(name), inAtom: inAtom)
        if name.id >= roles.count { roles.append(contentsOf: repeatElement(nil, count: name.id - roles.count + 1)) }
        roles[name.id] = role
        return role
    }

    private func startRoot(
        _ name: XMLName, attributes: XMLAttributes, frame: inout Frame, parser: XMLStreamParser
    ) {
        rootName = name.qualifiedName
        let namespace = Namespace.of(name)
        let version = attributes.value("version")
        switch (name.localName, namespace) {
        case ("rss", .none), ("rss", .other), ("rss", .rss10), ("rss", .rss090):
            feed.format = (version.map { $0.hasPrefix("0.9") } ?? false) ? .rss09x : .rss20
            frame.scope = .document
        case ("RDF", _) where namespace == .rdf || namespace == .none || namespace == .other:
            feed.format = .rss10
            frame.scope = .document
        case ("feed", .atom10):
            inAtom = true
            feed.format = .atom10
            frame.scope = .feed
        case ("feed", .atom03):
            inAtom = true
            feed.format = .atom03
            frame.scope = .feed
        case ("feed", .none), ("feed", .other):
            inAtom = true
            feed.format = (version.map { $0.hasPrefix("0.") } ?? false) ? .atom03 : .atom10
            frame.scope = .feed
        case ("channel", _):
            feed.format = .rss20
            frame.scope = .feed
        default:
            parser.stop()
            return
        }
        isFeed = true
        if inAtom { feed.language.offer(language.flatMap(languageTag), rank: 1) }
    }

    private func startInDocument(_ role: Role, attributes: XMLAttributes, parser: XMLStreamParser) {
        switch role {
        case .channel:
            enter(.feed)
        case .item: startItem(attributes: attributes)
        case .image: enter(.image)
        default: enter(.skip)
        }
    }

    private func startItem(attributes: XMLAttributes) {
        enter(.item)
        var builder = ItemBuilder()
        if let about = attributes.value("about") { builder.id.offer(about, rank: 1) }
        item = builder
    }

    private func startInFeed(_ role: Role, attributes: XMLAttributes, parser: XMLStreamParser) {
        switch role {
        case .item: startItem(attributes: attributes)
        case .image: enter(.image)
        case .atomAuthor:
            enter(.author)
            author = Author()
        case .atomLink: feedLink(attributes)
        case .itunesImage:
            // `url` is wrong but common.
            if let href = attributes.value("href") ?? attributes.value("url") {
                feed.image.offer(resolve(href), rank: 1)
            }
            enter(.skip)
        case .itunesLink:
            if attributes.value("rel") == "image", let href = attributes.value("href") {
                feed.image.offer(resolve(href), rank: 1)
            }
            enter(.skip)
        case .mediaThumbnail:
            if let url = attributes.value("url") { feed.image.offer(resolve(url), rank: 0) }
            enter(.skip)
        case .title, .dcTitle, .link, .description, .dcDescription, .subtitle, .pubDate, .lastBuildDate, .dcDate,
            .updated, .dctermsModified, .managingEditor, .rssAuthor, .dcCreator, .itunesAuthor, .language,
            .dcLanguage, .logo,
            .icon, .itunesSummary, .itunesSubtitle:
            beginCapture(role, kind: kind(for: role, attributes: attributes), attributes: attributes, parser: parser)
        case .ttl, .updatePeriod, .updateFrequency, .updateBase:
            beginCapture(role, kind: .text, attributes: attributes, parser: parser)
        case .skipHours, .skipDays:
            enter(.skipList)
        default:
            enter(.skip)
        }
    }

    private func startInItem(_ role: Role, attributes: XMLAttributes, parser: XMLStreamParser) {
        switch role {
        case .atomAuthor:
            enter(.author)
            author = Author()
        case .atomLink: itemLink(attributes)
        case .enclosure:
            if let url = attributes.value("url") {
                item?.addEnclosure(
                    Enclosure(
                        url: resolve(url), type: nonEmpty(attributes.value("type")),
                        length: length(attributes.value("length"))))
            }
            enter(.skip)
        case .mediaContent:
            if let url = attributes.value("url") {
                item?.addEnclosure(
                    Enclosure(
                        url: resolve(url), type: nonEmpty(attributes.value("type")),
                        length: length(attributes.value("fileSize"))))
            }
            enter(.skip)
        case .mediaThumbnail:
            if let url = attributes.value("url") {
                let resolved = resolve(url)
                item?.addEnclosure(Enclosure(url: resolved, type: imageType(resolved)))
            }
            enter(.skip)
        case .mediaGroup:
            enter(.group)
        case .itunesCategory:
            // Categories nest (`Technology` > `Gadgets`); each level is a category of its own.
            if let text = attributes.value("text") { item?.addCategory(HTMLText.folded(text)) }
        case .atomCategory:
            if let value = attributes.value("label") ?? attributes.value("term") {
                item?.addCategory(HTMLText.folded(value))
            }
            enter(.skip)
        case .guid:
            if attributes.value("isPermaLink")?.lowercased() == "false" { item?.guidIsPermaLink = false }
            beginCapture(role, kind: .text, attributes: attributes, parser: parser)
        case .title, .dcTitle, .link, .description, .dcDescription, .summary, .content, .contentEncoded, .xhtmlBody,
            .atomID, .pubDate, .dcDate, .published, .updated, .dctermsModified, .dctermsIssued, .rssAuthor,
            .dcCreator, .itunesAuthor, .category, .rssTags, .dcSubject, .itunesSummary, .itunesSubtitle,
            .mediaCategory, .mediaTitle:
            if scope == .group && role != .title && role != .mediaTitle && role != .mediaCategory {
                enter(.skip)
                return
            }
            beginCapture(role, kind: kind(for: role, attributes: attributes), attributes: attributes, parser: parser)
        default:
            enter(.skip)
        }
    }

    // MARK: - Content kinds

    private func kind(for role: Role, attributes: XMLAttributes) -> ContentKind {
        switch role {
        case .title, .subtitle, .summary, .content:
            guard inAtom else { return .html }
            return atomKind(attributes, role: role)
        case .description, .dcDescription, .contentEncoded, .dcTitle:
            return .html
        case .xhtmlBody:
            return .xhtml
        default:
            return .text
        }
    }

    private func atomKind(_ attributes: XMLAttributes, role: Role) -> ContentKind {
        let type = attributes.value("type")?.lowercased()
        let mode = attributes.value("mode")?.lowercased()
        switch type {
        case nil, "text", "text/plain": return .text
        case "html", "text/html": return mode == "xml" ? .xhtml : .html
        case "xhtml", "application/xhtml+xml": return mode == "escaped" ? .html : .xhtml
        default:
            guard let type else { return .text }
            if type.hasPrefix("text/") { return .text }
            if type.hasSuffix("+xml") || type.hasSuffix("/xml") { return mode == "escaped" ? .html : .xhtml }
            return .text
        }
    }

    // MARK: - Capture

    private func beginCapture(_ role: Role, kind: ContentKind, attributes: XMLAttributes, parser: XMLStreamParser) {
        var capture = Capture(role: role, kind: kind, base: base)
        capture.base64 = attributes.value("mode")?.lowercased() == "base64"
        if feed.format == .atom10, inAtom, let type = attributes.value("type")?.lowercased(), type.containsBytes("/"),
            !type.hasPrefix("text/"), !type.hasSuffix("+xml"), !type.hasSuffix("/xml")
        {
            // Atom 1.0: any other media type is base64 (RFC 4287 section 4.1.3.3).
            capture.base64 = true
        }
        parser.discardText()
        parser.textCapture = kind == .xhtml ? .escaped : .raw
        self.capture = capture
    }

    private static let voidElements: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    ]

    private func nestedStart(_ name: XMLName, attributes: XMLAttributes, parser: XMLStreamParser) {
        guard var current = capture else { return }
        current.depth += 1
        current.hadChildren = true
        let elementBase = attributes.xmlValue("base").map { URLResolver.resolve($0, against: current.base) }
        // The XHTML `div` around xhtml content is a wrapper, and so is one around escaped HTML in
        // `type="html"` content (as TypePad wrote it).
        let wrapsEscapedHTML = current.kind == .html && inAtom && name.namespaceURI == "http://www.w3.org/1999/xhtml"
        if current.kind == .xhtml || wrapsEscapedHTML, feed.format == .atom10, current.depth == 1,
            current.wrapperDepth == nil,
            name.localName == "div",
            parser.capturedTextIsBlank
        {
            current.wrapperDepth = 1
            parser.discardText()
            if let elementBase { current.base = elementBase }
            capture = current
            return
        }
        var tag = "<" + name.localName
        for attribute in attributes {
            let attributeName = attribute.name
            if attributeName.namespaceURI == XMLNamespace.xml { continue }
            var value = attribute.value
            if Self.isURLAttribute(attributeName.localName) {
                value = URLResolver.resolve(value, against: elementBase ?? current.base)
            }
            tag += " " + attributeName.qualifiedName + "=\"" + HTMLText.escaped(value, quotes: true) + "\""
        }
        tag += Self.voidElements.contains(name.localName) ? " />" : ">"
        parser.appendMarkup(tag)
        parser.textCapture = .escaped
        capture = current
    }

    private static func isURLAttribute(_ name: String) -> Bool {
        name == "href" || name == "src" || name == "cite" || name == "longdesc" || name == "poster"
    }

    private func nestedEnd(_ name: XMLName, capture current: inout Capture, parser: XMLStreamParser) {
        if current.wrapperDepth == current.depth {
            current.wrapperDepth = -1
        } else if !Self.voidElements.contains(name.localName) {
            parser.appendMarkup("</" + name.localName + ">")
        }
        current.depth -= 1
        if current.depth == 0 && current.kind != .xhtml { parser.textCapture = .raw }
    }

    /// The field value of a capture as plain text.
    private func plainText(_ text: String, _ capture: Capture) -> String {
        if capture.kind == .text && !capture.hadChildren { return HTMLText.folded(text) }
        return PlainText.fromHTML(text)
    }

    /// The field value of a capture as HTML.
    private func html(_ text: String, _ capture: Capture) -> String? {
        let trimmed = URLResolver.trimmed(text)
        guard !trimmed.isEmpty else { return nil }
        if capture.kind == .text && !capture.hadChildren { return HTMLText.escaped(trimmed) }
        return HTMLText.resolvingURLs(in: HTMLText.escapingStrayMarkupDeclarations(trimmed), base: capture.base)
    }

    private func finishCapture(_ capture: Capture, text rawText: String, parser: XMLStreamParser) {
        var text = rawText
        if capture.base64, let decoded = Base64.decode(text) { text = decoded }
        switch scope {
        case .feed: finishFeedField(capture, text: text, parser: parser)
        case .item, .group: finishItemField(capture, text: text, parser: parser)
        case .image:
            let value = HTMLText.folded(text)
            if capture.role == .imageURL, !value.isEmpty { feed.image.offer(resolve(value, capture.base), rank: 3) }
        case .author:
            let value = HTMLText.folded(text)
            guard !value.isEmpty else { return }
            switch capture.role {
            case .personName: author.name = plainText(text, capture)
            case .personEmail: author.email = value
            case .personURI: author.uri = resolve(value, capture.base)
            default: break
            }
        case .skipList:
            feed.updateHints.read(capture.role, HTMLText.folded(text))
        case .document, .skip: break
        }
    }

    private func finishFeedField(_ capture: Capture, text: String, parser: XMLStreamParser) {
        let plain = { self.nonEmpty(self.plainText(text, capture)) }
        switch capture.role {
        case .title: feed.title.offer(plain() ?? (text.isEmpty ? nil : ""), rank: 2)
        case .dcTitle: feed.title.offer(plain(), rank: 1)
        case .link: feed.link.offer(nonEmpty(HTMLText.folded(text)).map { resolve($0, capture.base) }, rank: 3)
        case .description, .subtitle: feed.description.offer(plain() ?? "", rank: 3)
        case .dcDescription: feed.description.offer(plain(), rank: 2)
        case .itunesSummary: feed.description.offer(plain(), rank: 1)
        case .itunesSubtitle: feed.description.offer(plain(), rank: 0)
        case .language: feed.language.offer(languageTag(text), rank: 3)
        case .dcLanguage: feed.language.offer(languageTag(text), rank: 2)
        case .lastBuildDate, .updated: feed.updated.offerReplacing(date(text, parser), rank: 3)
        case .dcDate: feed.updated.offerReplacing(date(text, parser), rank: 2)
        case .pubDate, .dctermsModified: feed.updated.offerReplacing(date(text, parser), rank: 1)
        case .managingEditor, .rssAuthor, .dcCreator: feed.addAuthor(parsePerson(plainText(text, capture)))
        case .itunesAuthor: feed.fallbackAuthors.append(parsePerson(plainText(text, capture)))
        case .logo: feed.image.offer(nonEmpty(HTMLText.folded(text)).map { resolve($0, capture.base) }, rank: 3)
        case .icon: feed.image.offer(nonEmpty(HTMLText.folded(text)).map { resolve($0, capture.base) }, rank: 2)
        case .ttl, .updatePeriod, .updateFrequency, .updateBase:
            feed.updateHints.read(capture.role, HTMLText.folded(text))
        default: break
        }
    }

    private func finishItemField(_ capture: Capture, text: String, parser: XMLStreamParser) {
        guard item != nil else { return }
        let plain = { self.nonEmpty(self.plainText(text, capture)) }
        switch capture.role {
        case .title: item?.title.offer(plain(), rank: 2)
        case .dcTitle: item?.title.offer(plain(), rank: 1)
        case .link: item?.link.offer(nonEmpty(HTMLText.folded(text)).map { resolve($0, capture.base) }, rank: 3)
        case .guid:
            let value = URLResolver.trimmed(text)
            if value.isEmpty {
                warnings.append("line \(parser.line): empty <guid>")
            } else {
                let isPermaLink = item?.guidIsPermaLink == true
                item?.guid = isPermaLink ? resolve(value, capture.base) : value
                item?.id.offer(value, rank: 2)
            }
        case .atomID: item?.id.offer(nonEmpty(URLResolver.trimmed(text)), rank: 2)
        case .description, .summary:
            // An RSS item with both `description` and a made-up `summary`: the second of the two is
            // the content, as in feedparser.
            if !inAtom, let first = item?.rssDescriptionRole, first != capture.role {
                item?.content.offer(html(text, capture), rank: 1)
            } else {
                item?.summary.offer(html(text, capture), rank: 3)
                if !inAtom { item?.rssDescriptionRole = capture.role }
            }
        case .dcDescription: item?.summary.offer(html(text, capture), rank: 2)
        case .itunesSummary: item?.summary.offer(html(text, capture), rank: 1)
        case .itunesSubtitle: item?.summary.offer(html(text, capture), rank: 0)
        case .content, .contentEncoded: item?.content.offer(html(text, capture), rank: 3)
        case .xhtmlBody: item?.content.offer(html(text, capture), rank: 2)
        case .pubDate, .published: item?.published.offerReplacing(date(text, parser), rank: 3)
        case .dcDate, .dctermsIssued: item?.published.offerReplacing(date(text, parser), rank: 2)
        case .updated: item?.updated.offerReplacing(date(text, parser), rank: 3)
        case .dctermsModified: item?.updated.offerReplacing(date(text, parser), rank: 2)
        case .rssAuthor, .dcCreator: item?.addAuthor(parsePerson(plainText(text, capture)))
        case .itunesAuthor:
            let person = parsePerson(plainText(text, capture))
            if !person.isEmpty { item?.fallbackAuthors.append(person) }
        case .category, .dcSubject, .mediaCategory:
            if let value = plain() { item?.addCategory(value) }
        case .rssTags:
            for tag in (plain() ?? "").split(separator: ",") { item?.addCategory(HTMLText.folded(String(tag))) }
        case .mediaTitle: item?.title.offer(plain(), rank: 0)
        default: break
        }
    }

    // MARK: - Links

    private func feedLink(_ attributes: XMLAttributes) {
        enter(.skip)
        guard let href = attributes.value("href") else { return }
        let url = resolve(href)
        let rel = attributes.value("rel")?.lowercased() ?? "alternate"
        switch rel {
        case "alternate":
            let type = attributes.value("type")?.lowercased()
            feed.link.offer(url, rank: inAtom ? (type.map { $0.containsBytes("html") } ?? true ? 2 : 1) : 0)
        case "self": feed.feedURL.offer(url, rank: 1)
        default: break
        }
    }

    private func itemLink(_ attributes: XMLAttributes) {
        enter(.skip)
        guard let href = attributes.value("href") else { return }
        let url = resolve(href)
        switch attributes.value("rel")?.lowercased() ?? "alternate" {
        case "alternate":
            let type = attributes.value("type")?.lowercased()
            item?.link.offer(url, rank: inAtom ? (type.map { $0.containsBytes("html") } ?? true ? 2 : 1) : 0)
        case "enclosure":
            item?.addEnclosure(
                Enclosure(
                    url: url, type: nonEmpty(attributes.value("type")),
                    length: length(attributes.value("length"))))
        default: break
        }
    }

    // MARK: - Closing scopes

    private func finishItem() {
        guard let builder = item else { return }
        item = nil
        items.append(builder.build())
    }

    private func finishAuthor() {
        let person = author
        author = Author()
        guard !person.isEmpty else { return }
        if item != nil {
            item?.addAuthor(person)
        } else {
            feed.addAuthor(person)
        }
    }

    // MARK: - Values

    private func resolve(_ url: String, _ base: String? = nil) -> String {
        URLResolver.resolve(url, against: base ?? self.base)
    }

    /// A language tag as BCP 47 writes it (`en_US` is a common slip for `en-US`).
    private func languageTag(_ text: String) -> String? {
        let tag = HTMLText.folded(text)
        guard !tag.isEmpty else { return nil }
        return String(tag.map { $0 == "_" ? "-" : $0 })
    }

    private func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    private func length(_ text: String?) -> Int64? {
        guard let text else { return nil }
        let digits = URLResolver.trimmed(text)
        guard let value = Int64(digits), value >= 0 else { return nil }
        return value
    }

    private func imageType(_ url: String) -> String? {
        let path = url.split(separator: "?").first.map(String.init)?.lowercased() ?? ""
        if path.hasSuffix(".jpg") || path.hasSuffix(".jpeg") { return "image/jpeg" }
        if path.hasSuffix(".png") { return "image/png" }
        if path.hasSuffix(".gif") { return "image/gif" }
        if path.hasSuffix(".webp") { return "image/webp" }
        return nil
    }

    private func date(_ text: String, _ parser: XMLStreamParser) -> Timestamp? {
        let trimmed = HTMLText.folded(text)
        guard !trimmed.isEmpty else { return nil }
        let result = DateParser.parse(trimmed)
        if let warning = result.warning { warnings.append("line \(parser.line): \(warning)") }
        return result.timestamp
    }
}
