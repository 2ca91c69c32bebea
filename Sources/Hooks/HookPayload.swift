public import FeedModel

/// The JSON document a hook receives (docs/hooks.md, "Payload").
///
/// For one item: the item object of spec/feed-json.md, written by FeedModel's own writer, with
/// `feed`, `event` and `delivery` added after the item's members:
///
/// ```json
/// {"id": …, "key": "sha256:…", "title": …, …, "enclosures": [],
///  "feed": {"name": "bbc-world", "title": "BBC News - World", "url": "https://…"},
///  "event": "new", "delivery": {"id": "…", "attempt": 1}}
/// ```
///
/// For a batch: `{"feed": {…}, "event": "new", "items": [{item}, …], "delivery": {…}}`, where each
/// element of `items` is the plain item object.
public enum HookPayload {
    /// The document for `delivery`: the single-item form or the batch form.
    public static func json(for delivery: Delivery, pretty: Bool = false) -> [UInt8] {
        var writer = JSONWriter(pretty: pretty)
        switch delivery.content {
        case .item(let item):
            write(item, of: delivery, to: &writer)
        case .batch(let items):
            writer.beginObject()
            writeFeed(delivery.feed, to: &writer)
            writer.key("event")
            writer.string(delivery.event.rawValue)
            writer.key("items")
            writer.beginArray()
            for item in items { item.writeJSON(to: &writer) }
            writer.endArray()
            writeDelivery(delivery, to: &writer)
            writer.endObject()
        }
        return writer.takeBytes()
    }

    /// The single-item document of `item` within `delivery`, as one line (a `jsonl` line; each
    /// item of a batch delivery gets its own line with the batch's delivery id).
    public static func line(for item: FeedItem, of delivery: Delivery) -> [UInt8] {
        var writer = JSONWriter()
        write(item, of: delivery, to: &writer)
        return writer.takeBytes()
    }

    /// The JSON text of one value, e.g. for templates (`{{{json.title}}}`).
    static func literal(_ write: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        write(&writer)
        return String(decoding: writer.takeBytes(), as: UTF8.self)
    }

    static func write(_ item: FeedItem, of delivery: Delivery, to writer: inout JSONWriter) {
        writer.beginObject()
        item.writeMembers(to: &writer)
        writeFeed(delivery.feed, to: &writer)
        writer.key("event")
        writer.string(delivery.event.rawValue)
        writeDelivery(delivery, to: &writer)
        writer.endObject()
    }

    static func writeFeed(_ feed: HookFeed, to writer: inout JSONWriter) {
        writer.key("feed")
        writeFeedValue(feed, to: &writer)
    }

    static func writeFeedValue(_ feed: HookFeed, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("name")
        writer.string(feed.name)
        writer.key("title")
        writer.string(feed.title)
        writer.key("url")
        writer.string(feed.url)
        writer.endObject()
    }

    static func writeDelivery(_ delivery: Delivery, to writer: inout JSONWriter) {
        writer.key("delivery")
        writer.beginObject()
        writer.key("id")
        writer.string(delivery.id)
        writer.key("attempt")
        writer.integer(Int64(delivery.attempt))
        writer.endObject()
    }
}
