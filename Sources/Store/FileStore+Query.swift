public import FeedModel
import Platform

/// An item listed from the store: where it came from, when, and its JSON as stored.
public struct ItemListing: Sendable {
    public var feed: String
    public var firstSeen: Timestamp
    public var updated: Timestamp?
    /// The item object of spec/feed-json.md, as written when the item was stored or last updated.
    public var json: [UInt8]

    public init(feed: String, firstSeen: Timestamp, updated: Timestamp?, json: [UInt8]) {
        self.feed = feed
        self.firstSeen = firstSeen
        self.updated = updated
        self.json = json
    }

    /// The item decoded from its JSON, or nil when the body does not decode.
    public var item: FeedItem? { ItemJSON.decode(json[...]) }

    /// The stored item object with `feed`, `first_seen` and `changed` first (what `feedd items --json` prints
    /// a line of, and the HTTP listener's `/items` an element of).
    public var annotatedJSON: [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("feed")
        writer.string(feed)
        writer.key("first_seen")
        writer.string(firstSeen.rfc3339)
        writer.key("changed")
        writer.string(updated?.rfc3339)
        // The stored object's members follow ours: its bytes without the opening brace.
        var bytes = writer.bytes
        if json.count > 2 {
            bytes.append(UInt8(ascii: ","))
            bytes.append(contentsOf: json.dropFirst())
        } else {
            bytes.append(UInt8(ascii: "}"))
        }
        return bytes
    }
}

/// What `FileStore.listItems` found: the items it could read, and those it skipped.
public struct ItemList: Sendable {
    /// The items listed, newest first.
    public var items: [ItemListing] = []
    /// Items whose body could not be read back intact, skipped.
    public var damaged: [DamagedItem] = []

    public init() {}
}

/// A stored item whose body cannot be read back (docs/store.md, "Damaged records").
public struct DamagedItem: Sendable, CustomStringConvertible {
    public var feed: String
    /// What the store keeps of the item's key: `sha256:` and its first 32 hex digits, then `…`.
    public var key: String
    /// The segment file and the offset of the body's record.
    public var path: String
    public var offset: Int
    public var reason: String

    public var description: String {
        "feed \"\(feed)\": item \(key) skipped: \(path) at offset \(offset): \(reason) (see `feedd store check`)"
    }
}

extension FileStore {
    /// The fetch state of a feed, or nil for a feed the store has never recorded.
    public func fetchState(feed: String) throws(StoreError) -> FeedFetchState? {
        try locked { (inner) throws(StoreError) -> FeedFetchState? in
            inner.state.feedNumbers[feed].map { inner.state.feeds[Int($0)].state }
        }
    }

    /// Every feed the store knows, by name.
    public func feeds() throws(StoreError) -> [FeedSummary] {
        try locked { (inner) throws(StoreError) -> [FeedSummary] in
            var held: [String: Int] = [:]
            for delivery in inner.state.outbox.values where delivery.status == .held {
                held[delivery.feed, default: 0] += 1
            }
            return inner.state.feeds.filter { inner.state.feedNumbers[$0.name] == $0.number }.map { feed in
                FeedSummary(
                    name: feed.name, state: feed.state, itemCount: feed.items.count,
                    rememberedKeys: feed.tombstones.count, heldCount: held[feed.name] ?? 0, polls: Int(feed.polls))
            }.sorted { $0.name < $1.name }
        }
    }

    /// Stored items, newest first (by first-seen time), with their bodies read from disk.
    ///
    /// An item whose body cannot be read back intact (a damaged or missing segment record) is skipped and
    /// named in `damaged`; the others are listed, up to `limit` of them. Any other failure (the disk)
    /// throws.
    ///
    /// - Parameters:
    ///   - feed: only this feed's items; nil for all.
    ///   - since: only items first seen (or updated) at or after this time.
    ///   - limit: at most this many.
    public func listItems(feed: String? = nil, since: Timestamp? = nil, limit: Int? = nil) throws(StoreError)
        -> ItemList
    {
        struct Pick {
            var feed: String
            var key: ItemHash
            var entry: ItemEntry
        }
        let picks = try locked { (inner) throws(StoreError) -> [Pick] in
            var picks: [Pick] = []
            for entry in inner.state.feeds where feed == nil || entry.name == feed {
                for (key, item) in entry.items {
                    if let since, max(item.firstSeen, item.updatedAt) < since.secondsSince1970 { continue }
                    picks.append(Pick(feed: entry.name, key: key, entry: item))
                }
            }
            picks.sort {
                $0.entry.order > $1.entry.order
            }
            return picks
        }
        var reader = BodyReader(directory: directory, fileSystem: options.fileSystem)
        var list = ItemList()
        list.items.reserveCapacity(min(picks.count, limit ?? picks.count))
        for pick in picks {
            if let limit, list.items.count >= limit { break }
            let json: [UInt8]
            do {
                json = try reader.read(pick.entry.body)
            } catch {
                guard case .corrupt(let path, let offset, let reason) = error else { throw error }
                list.damaged.append(
                    DamagedItem(feed: pick.feed, key: pick.key.keyPrefix, path: path, offset: offset, reason: reason))
                continue
            }
            list.items.append(
                ItemListing(
                    feed: pick.feed, firstSeen: Timestamp(secondsSince1970: pick.entry.firstSeen),
                    updated: pick.entry.updatedAt == 0 ? nil : Timestamp(secondsSince1970: pick.entry.updatedAt),
                    json: json))
        }
        return list
    }

    /// Stored items, decoded, newest first; see `listItems` (damaged ones are left out).
    public func items(feed: String? = nil, since: Timestamp? = nil, limit: Int? = nil) throws(StoreError)
        -> [StoredItem]
    {
        try listItems(feed: feed, since: since, limit: limit).items.compactMap { listing in
            listing.item.map {
                StoredItem(feed: listing.feed, item: $0, firstSeen: listing.firstSeen, updated: listing.updated)
            }
        }
    }

    /// One stored item by feed and key (a hook worker loads the item of a delivery this way). A body that
    /// cannot be read back intact throws `StoreError.corrupt`.
    public func item(feed: String, key: String) throws(StoreError) -> StoredItem? {
        let hash = ItemHash(key: key)
        let entry = try locked { (inner) throws(StoreError) -> ItemEntry? in
            inner.state.feedNumbers[feed].flatMap { inner.state.feeds[Int($0)].items[hash] }
        }
        guard let entry else { return nil }
        var reader = BodyReader(directory: directory, fileSystem: options.fileSystem)
        let json = try reader.read(entry.body)
        guard let item = ItemJSON.decode(json[...]) else {
            throw .corrupt(
                path: directory + "/" + StoreFiles.segment(entry.body.segment), offset: Int(entry.body.offset),
                reason: "item body is not the item JSON")
        }
        return StoredItem(
            feed: feed, item: item, firstSeen: Timestamp(secondsSince1970: entry.firstSeen),
            updated: entry.updatedAt == 0 ? nil : Timestamp(secondsSince1970: entry.updatedAt))
    }

    /// The number of items kept, over all feeds.
    public func itemCount() throws(StoreError) -> Int {
        try locked { (inner) throws(StoreError) -> Int in inner.state.feeds.reduce(0) { $0 + $1.items.count } }
    }
}

/// Reads item bodies from segment files, keeping each segment open for the reader's life.
struct BodyReader {
    let directory: String
    let fileSystem: any StoreFileSystem
    private var files: [UInt32: any StoreFile] = [:]

    init(directory: String, fileSystem: any StoreFileSystem) {
        self.directory = directory
        self.fileSystem = fileSystem
    }

    /// The JSON of the body at `location`, checked against its checksum.
    mutating func read(_ location: BodyLocation) throws(StoreError) -> [UInt8] {
        let path = directory + "/" + StoreFiles.segment(location.segment)
        let bytes: [UInt8]
        do {
            let file: any StoreFile
            if let open = files[location.segment] {
                file = open
            } else {
                file = try fileSystem.openFile(path, create: false, readOnly: true)
                files[location.segment] = file
            }
            bytes = try file.read(at: Int(location.offset), count: Int(location.length))
        } catch {
            // A segment that is gone (removed by hand, or by a compaction under a reader) is damage to the
            // items in it, not a failure of the disk.
            if error.isNotFound {
                throw .corrupt(path: path, offset: Int(location.offset), reason: "the segment file is missing")
            }
            throw .io(path: path, offset: Int(location.offset), cause: error)
        }
        guard let found = RecordFormat.record(in: bytes, at: 0),
            found.type == RecordFormat.RecordType.itemBody.rawValue
        else {
            throw .corrupt(
                path: path, offset: Int(location.offset),
                reason: bytes.count < Int(location.length)
                    ? "item body is cut short" : "item body fails its checksum")
        }
        return Array(bytes[found.payload])
    }
}
