import FeedModel

extension MergedFeed {
    /// The Atom 1.0 document (RFC 4287): the feed's `id`, `title`, `updated`, `link rel="self"` and an
    /// `author` (feedd, so that entries whose feed named nobody are valid); per entry `id`, `title`,
    /// `updated`, `published`, `link`, `author`s, `category`s, enclosures, `summary` and `content` (HTML)
    /// and a `source` naming the feed it came from.
    var atom: String {
        var out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
        out += "<id>\(id)</id>\n"
        out += "<title type=\"text\">\(Markup.escaped(selection.title))</title>\n"
        out += "<updated>\(updated.rfc3339)</updated>\n"
        out += "<link rel=\"self\" type=\"application/atom+xml\" href=\"\(Markup.escaped(selfURL))\"/>\n"
        out += "<link rel=\"alternate\" type=\"text/html\" href=\"\(Markup.escaped(homeURL))\"/>\n"
        out += "<author><name>feedd</name></author>\n"
        out += "<generator>feedd</generator>\n"
        for entry in entries { out += atomEntry(entry) }
        out += "</feed>\n"
        return out
    }

    private func atomEntry(_ entry: Entry) -> String {
        let item = entry.item
        var out = "<entry>\n<id>\(entry.id)</id>\n"
        out += "<title type=\"text\">\(Markup.escaped(item.title ?? item.link ?? "(no title)"))</title>\n"
        out += "<updated>\(entry.updated.rfc3339)</updated>\n"
        if let published = item.published { out += "<published>\(published.rfc3339)</published>\n" }
        if let link = item.link {
            out += "<link rel=\"alternate\" type=\"text/html\" href=\"\(Markup.escaped(link))\"/>\n"
        }
        for author in item.authors {
            guard let name = author.name ?? author.email ?? author.uri else { continue }
            out += "<author><name>\(Markup.escaped(name))</name>"
            if let email = author.email { out += "<email>\(Markup.escaped(email))</email>" }
            if let uri = author.uri { out += "<uri>\(Markup.escaped(uri))</uri>" }
            out += "</author>\n"
        }
        for category in item.categories { out += "<category term=\"\(Markup.escaped(category))\"/>\n" }
        for enclosure in item.enclosures {
            out += "<link rel=\"enclosure\" href=\"\(Markup.escaped(enclosure.url))\""
            if let type = enclosure.type { out += " type=\"\(Markup.escaped(type))\"" }
            if let length = enclosure.length { out += " length=\"\(length)\"" }
            out += "/>\n"
        }
        if let summary = item.summary { out += "<summary type=\"html\">\(Markup.escaped(summary))</summary>\n" }
        if let content = item.content {
            out += "<content type=\"html\">\(Markup.escaped(content))</content>\n"
        } else if item.link == nil {
            // RFC 4287 4.1.2: an entry without content needs an alternate link; this one has neither.
            out += "<content type=\"text\">\(Markup.escaped(item.summary == nil ? item.title ?? "" : ""))</content>\n"
        }
        out += atomSource(entry.feed)
        out += "</entry>\n"
        return out
    }

    /// `source`: the original feed's id (a URN from its name), its title (its own, else its name), its URL.
    private func atomSource(_ name: String) -> String {
        let source = sources[name] ?? Source(name: name)
        var out = "<source>\n<id>\(Self.urn("source", name))</id>\n"
        out += "<title type=\"text\">\(Markup.escaped(source.title ?? name))</title>\n"
        if let url = source.url { out += "<link rel=\"self\" href=\"\(Markup.escaped(url))\"/>\n" }
        if let updated = source.lastSuccess { out += "<updated>\(updated.rfc3339)</updated>\n" }
        out += "</source>\n"
        return out
    }
}
