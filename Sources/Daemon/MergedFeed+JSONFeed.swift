import FeedModel

extension MergedFeed {
    /// The JSON Feed 1.1 document (https://jsonfeed.org/version/1.1): `version`, `title`, `home_page_url`,
    /// `feed_url`, `authors`; per item `id`, `url`, `title`, `content_html`, `date_published`,
    /// `date_modified`, `authors`, `tags`, `attachments`, and `_feedd` (an extension object: the feed's
    /// name, title and URL, the item's key and when feedd first saw it).
    var jsonFeed: [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("version")
        writer.string("https://jsonfeed.org/version/1.1")
        writer.key("title")
        writer.string(selection.title)
        writer.key("home_page_url")
        writer.string(homeURL)
        writer.key("feed_url")
        writer.string(selfURL)
        writer.key("description")
        writer.string("The newest items feedd stored, newest first.")
        writer.key("authors")
        writer.beginArray()
        writer.beginObject()
        writer.key("name")
        writer.string("feedd")
        writer.endObject()
        writer.endArray()
        writer.key("items")
        writer.beginArray()
        for entry in entries { jsonItem(entry, into: &writer) }
        writer.endArray()
        writer.endObject()
        return writer.bytes
    }

    private func jsonItem(_ entry: Entry, into writer: inout JSONWriter) {
        let item = entry.item
        writer.beginObject()
        writer.key("id")
        writer.string(entry.id)
        if let link = item.link {
            writer.key("url")
            writer.string(link)
        }
        if let title = item.title {
            writer.key("title")
            writer.string(title)
        }
        // JSON Feed needs content_html or content_text; the item's content, else its summary (both HTML).
        if let html = item.content ?? item.summary {
            writer.key("content_html")
            writer.string(html)
        } else {
            writer.key("content_text")
            writer.string(item.title ?? "")
        }
        writer.key("date_published")
        writer.string((item.published ?? entry.firstSeen).rfc3339)
        writer.key("date_modified")
        writer.string(entry.updated.rfc3339)
        let authors = item.authors.filter { $0.name != nil || $0.uri != nil || $0.email != nil }
        if !authors.isEmpty {
            writer.key("authors")
            writer.beginArray()
            for author in authors {
                writer.beginObject()
                if let name = author.name ?? author.email {
                    writer.key("name")
                    writer.string(name)
                }
                if let url = author.uri ?? author.email.map({ "mailto:" + $0 }) {
                    writer.key("url")
                    writer.string(url)
                }
                writer.endObject()
            }
            writer.endArray()
        }
        if !item.categories.isEmpty {
            writer.key("tags")
            writer.stringArray(item.categories)
        }
        if !item.enclosures.isEmpty {
            writer.key("attachments")
            writer.beginArray()
            for enclosure in item.enclosures {
                writer.beginObject()
                writer.key("url")
                writer.string(enclosure.url)
                writer.key("mime_type")
                writer.string(enclosure.type ?? "application/octet-stream")
                if let length = enclosure.length {
                    writer.key("size_in_bytes")
                    writer.integer(Int64(length))
                }
                writer.endObject()
            }
            writer.endArray()
        }
        let source = sources[entry.feed] ?? Source(name: entry.feed)
        writer.key("_feedd")
        writer.beginObject()
        writer.key("feed")
        writer.string(entry.feed)
        writer.key("feed_title")
        writer.string(source.title)
        writer.key("feed_url")
        writer.string(source.url)
        writer.key("key")
        writer.string(item.key)
        writer.key("first_seen")
        writer.string(entry.firstSeen.rfc3339)
        writer.endObject()
        writer.endObject()
    }
}
