extension FeedDocument {
    /// Writes the document as spec/feed-json.md lays it out, items included.
    public func writeJSON(to writer: inout JSONWriter) {
        writeHead(to: &writer)
        for item in items { item.writeJSON(to: &writer) }
        writeTail(warnings: warnings, to: &writer)
    }

    /// Writes every field before the items and opens the `items` array; `FeedItem.writeJSON` then
    /// writes each item and `writeTail` closes the document. Lets a caller stream items as it goes.
    public func writeHead(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("format")
        writer.string(format.rawValue)
        writer.key("title")
        writer.string(title)
        writer.key("link")
        writer.string(link)
        writer.key("feed_url")
        writer.string(feedURL)
        writer.key("description")
        writer.string(description)
        writer.key("language")
        writer.string(language)
        writer.key("updated")
        writer.string(updated?.rfc3339)
        writer.key("authors")
        Author.write(authors, to: &writer)
        writer.key("image")
        writer.string(image)
        writer.key("items")
        writer.beginArray()
    }

    /// Closes `items`, writes `warnings` and closes the document.
    public func writeTail(warnings: [String], to writer: inout JSONWriter) {
        writer.endArray()
        writer.key("warnings")
        writer.stringArray(warnings)
        writer.endObject()
    }

    /// The document as compact JSON text.
    public func jsonString(pretty: Bool = false) -> String {
        var writer = JSONWriter(pretty: pretty)
        writeJSON(to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension FeedItem {
    /// Writes the item object of spec/feed-json.md.
    public func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writeMembers(to: &writer)
        writer.endObject()
    }

    /// Writes the item's members into an object the caller has opened (hooks add `feed` and `event`).
    public func writeMembers(to writer: inout JSONWriter) {
        writer.key("id")
        writer.string(id)
        writer.key("key")
        writer.string(key)
        writer.key("title")
        writer.string(title)
        writer.key("link")
        writer.string(link)
        writer.key("summary")
        writer.string(summary)
        writer.key("content")
        writer.string(content)
        writer.key("published")
        writer.string(published?.rfc3339)
        writer.key("updated")
        writer.string(updated?.rfc3339)
        writer.key("authors")
        Author.write(authors, to: &writer)
        writer.key("categories")
        writer.stringArray(categories)
        writer.key("enclosures")
        writer.beginArray()
        for enclosure in enclosures {
            writer.beginObject()
            writer.key("url")
            writer.string(enclosure.url)
            writer.key("type")
            writer.string(enclosure.type)
            writer.key("length")
            writer.integer(enclosure.length)
            writer.endObject()
        }
        writer.endArray()
    }
}

extension Author {
    static func write(_ authors: [Author], to writer: inout JSONWriter) {
        writer.beginArray()
        for author in authors {
            writer.beginObject()
            writer.key("name")
            writer.string(author.name)
            writer.key("email")
            writer.string(author.email)
            writer.key("uri")
            writer.string(author.uri)
            writer.endObject()
        }
        writer.endArray()
    }
}
