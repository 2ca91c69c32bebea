/// An OPML 1.0/2.0 subscription list: what `FeedParser.OPMLReader` reads and `OPMLWriter` writes.
public struct OPMLDocument: Sendable, Hashable {
    /// `<head><title>`.
    public var title: String?
    /// The outlines of `<body>`, nested as written.
    public var outlines: [OPMLOutline]

    public init(title: String? = nil, outlines: [OPMLOutline] = []) {
        self.title = title
        self.outlines = outlines
    }

    /// Every outline with an `xmlUrl`, in document order, each with the texts of the outlines that
    /// enclose it (its categories, outermost first).
    public var subscriptions: [(outline: OPMLOutline, categories: [String])] {
        var result: [(outline: OPMLOutline, categories: [String])] = []
        func walk(_ outlines: [OPMLOutline], _ path: [String]) {
            for outline in outlines {
                if outline.xmlURL != nil { result.append((outline, path)) }
                let name = outline.text ?? outline.title
                walk(outline.children, name.map { path + [$0] } ?? path)
            }
        }
        walk(outlines, [])
        return result
    }
}

/// One `<outline>`: a subscription when it has an `xmlUrl`, else (usually) a category folder.
public struct OPMLOutline: Sendable, Hashable {
    public var text: String?
    public var title: String?
    /// `type`, usually `rss`.
    public var type: String?
    /// `xmlUrl`: the feed.
    public var xmlURL: String?
    /// `htmlUrl`: the site.
    public var htmlURL: String?
    public var children: [OPMLOutline]

    public init(
        text: String? = nil, title: String? = nil, type: String? = nil, xmlURL: String? = nil,
        htmlURL: String? = nil, children: [OPMLOutline] = []
    ) {
        self.text = text
        self.title = title
        self.type = type
        self.xmlURL = xmlURL
        self.htmlURL = htmlURL
        self.children = children
    }
}
