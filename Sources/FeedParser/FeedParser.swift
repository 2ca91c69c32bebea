public import FeedModel
import XML

/// Bytes in, the normalized feed document of spec/feed-json.md out.
///
/// Reads RSS 0.9x, 1.0 and 2.0, Atom 0.3 and 1.0 and JSON Feed 1.0 and 1.1. Never touches the network or
/// the file system. Recovers what a person could still read from broken documents and lists what it
/// recovered from in `warnings`; throws `ParseError` only for input that is not a feed at all.
public struct FeedParser: Sendable {
    public struct Options: Sendable {
        /// The document's own URL, for relative links.
        public var baseURL: String?
        /// The charset the server declared (HTTP `Content-Type`), if any.
        public var charset: String?
        /// Longest text kept for one field.
        public var maxTextBytes: Int

        public init(baseURL: String? = nil, charset: String? = nil, maxTextBytes: Int = 16 << 20) {
            self.baseURL = baseURL
            self.charset = charset
            self.maxTextBytes = maxTextBytes
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    public func parse(_ bytes: [UInt8]) throws(ParseError) -> FeedDocument {
        guard let first = bytes.first(where: { !Self.isBlankOrBOM($0) }) else { throw .empty }
        if first == UInt8(ascii: "{") {
            var json = JSONFeedParser(baseURL: options.baseURL)
            var document = try json.parse(bytes)
            ItemKeys.assign(to: &document)
            return document
        }
        return try parseXML(bytes)
    }

    private static func isBlankOrBOM(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0xEF || byte == 0xBB
            || byte == 0xBF
    }

    private func parseXML(_ bytes: [UInt8]) throws(ParseError) -> FeedDocument {
        let prepared = XMLInput.prepare(bytes, charset: options.charset)
        let repaired = XMLRepair.repair(prepared.utf8)
        let handler = FeedHandler(documentURL: options.baseURL)
        let parser = XMLStreamParser(handler: handler, limits: .init(maxTextBytes: options.maxTextBytes))
        do {
            try parser.parse(repaired.utf8)
        } catch {
            if repaired.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
                throw .empty
            }
            throw .unreadable(detail: error.description)
        }
        guard handler.isFeed else { throw .notAFeed(root: handler.rootName ?? "?") }
        handler.finish(parser: parser)

        var warnings = prepared.diagnostics.map(\.description) + repaired.diagnostics.map(\.description)
        warnings += parser.diagnostics.map(\.description)
        if parser.droppedDiagnostics > 0 {
            warnings.append("\(parser.droppedDiagnostics) more XML errors not listed")
        }
        warnings += handler.warnings
        var document = handler.feed.build(items: handler.items, warnings: warnings)
        ItemKeys.assign(to: &document)
        return document
    }
}
