import Config
import FeedModel
import FlyingFox
import Foundation
import Store

extension StatusServer {
    enum MergedFormat {
        case atom
        case jsonFeed

        var contentType: String {
            switch self {
            case .atom: "application/atom+xml; charset=utf-8"
            case .jsonFeed: "application/feed+json; charset=utf-8"
            }
        }
    }

    /// `GET /feed.atom` and `GET /feed.json` (`MergedFeed`), with `ETag` and `Last-Modified`, and `304`
    /// for a client that has this very document (`If-None-Match`, else `If-Modified-Since`).
    func mergedFeed(_ request: HTTPRequest, format: MergedFormat) async throws(StoreError) -> HTTPResponse {
        let query = request.query
        let selection: MergedFeed.Selection
        switch MergedFeed.Selection.parse(feed: query["feed"], tag: query["tag"], limit: query["limit"]) {
        case .success(let parsed): selection = parsed
        case .failure(let error): return Self.json(.badRequest, error: error.reason)
        }
        let active = runtime.settings
        if let feed = selection.feed, active.feeds[feed] == nil, try await runtime.store.fetchState(feed: feed) == nil {
            return Self.json(.notFound, error: "no feed is named \"\(feed)\"")
        }
        var tagged: [String]? = nil
        if let tag = selection.tag {
            let names = active.settings.feeds.filter { $0.tags.contains(tag) }.map(\.name)
            guard !names.isEmpty else {
                return Self.json(.notFound, error: "no feed has the tag \"\(tag)\"")
            }
            tagged = names
        }

        let entries = try await mergedEntries(selection, tagged: tagged)
        var sources: [String: MergedFeed.Source] = [:]
        for name in Set(entries.map(\.feed)) {
            let state = try await runtime.store.fetchState(feed: name)
            let configured = active.feeds[name]?.url
            sources[name] = MergedFeed.Source(
                name: name, title: state?.title, url: (state?.url ?? configured).map(URLCredentials.masked),
                lastSuccess: state?.lastSuccess)
        }
        // Behind a reverse proxy that ends TLS, the proxy's `X-Forwarded-Proto: https` makes the links https.
        let scheme = request.headers[HTTPHeader("X-Forwarded-Proto")]?.lowercased() == "https" ? "https" : "http"
        let base = scheme + "://" + host(of: request)
        let target = request.target
        let rawQuery = target.query()
        let document = MergedFeed(
            selection: selection, entries: entries, sources: sources,
            selfURL: base + target.path() + (rawQuery.isEmpty ? "" : "?" + rawQuery), homeURL: base + "/",
            stateDirectory: runtime.stateDirectory, emptyUpdated: startedAt)

        let body: [UInt8]
        switch format {
        case .atom: body = Array(document.atom.utf8)
        case .jsonFeed: body = document.jsonFeed + [0x0A]
        }
        let etag = "\"" + Self.fnv1a(body) + "\""
        var headers: HTTPHeaders = [.contentType: format.contentType, .eTag: etag, .cacheControl: "no-cache"]
        if let lastModified = document.lastModified { headers[.lastModified] = lastModified.imfFixdate }
        if Self.isNotModified(request, etag: etag, lastModified: document.lastModified) {
            headers[.contentType] = nil
            return HTTPResponse(statusCode: .notModified, headers: headers, body: Data())
        }
        return HTTPResponse(statusCode: .ok, headers: headers, body: Data(body))
    }

    /// The entries of `selection`, newest first: one listing over the store, or, for a tag, one per
    /// tagged feed merged by first-seen time.
    private func mergedEntries(_ selection: MergedFeed.Selection, tagged: [String]?) async throws(StoreError)
        -> [MergedFeed.Entry]
    {
        var listings: [ItemListing] = []
        if let tagged {
            for name in tagged where selection.feed == nil || selection.feed == name {
                let list = try await runtime.store.listItems(feed: name, since: nil, limit: selection.limit)
                logDamaged(list.damaged, in: "the merged feed")
                listings += list.items
            }
            // Stable: items of one feed first seen in the same second keep the store's order.
            listings = listings.enumerated().sorted {
                ($1.element.firstSeen, $0.offset) < ($0.element.firstSeen, $1.offset)
            }
            .map(\.element)
        } else {
            let list = try await runtime.store.listItems(feed: selection.feed, since: nil, limit: selection.limit)
            logDamaged(list.damaged, in: "the merged feed")
            listings = list.items
        }
        return listings.prefix(selection.limit).compactMap { listing in
            guard let item = listing.item else { return nil }
            return MergedFeed.Entry(
                feed: listing.feed, item: item, firstSeen: listing.firstSeen, changed: listing.updated)
        }
    }

    /// The request's `Host` when it is a plain host[:port], else the listener's own address: it only goes
    /// into the document's own links.
    private func host(of request: HTTPRequest) -> String {
        if let host = request.headers[.host], !host.isEmpty,
            host.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit || Self.hostScalars.contains($0) })
        {
            return host
        }
        return runtime.settings.settings.listen?.description ?? "localhost"
    }

    private static let hostScalars = Set("ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ.-:[]_".unicodeScalars)

    /// RFC 9110 13.1.2 and 13.1.3: `If-None-Match` (weak comparison, `*`) decides when present; else
    /// `If-Modified-Since` at or after `Last-Modified`.
    static func isNotModified(_ request: HTTPRequest, etag: String, lastModified: Timestamp?) -> Bool {
        if let match = request.headers[.ifNoneMatch] {
            let tags = match.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return tags.contains { tag in
                tag == "*" || (tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag) == etag
            }
        }
        if let since = request.headers[.ifModifiedSince].flatMap(Timestamp.init(httpDate:)), let lastModified {
            return lastModified <= since
        }
        return false
    }

    /// FNV-1a, 64 bits, in hex: an entity tag (a change of any byte changes it; nothing secret depends on it).
    static func fnv1a(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
