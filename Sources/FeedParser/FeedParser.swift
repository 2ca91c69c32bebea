public import FeedModel
import XML

/// Bytes in, the normalized feed document of spec/feed-json.md out.
///
/// Reads RSS 0.9x, 1.0 and 2.0, Atom 0.3 and 1.0 and JSON Feed 1.0 and 1.1. Never touches the network or
/// the file system. Recovers what a person could still read from broken documents and lists what it
/// recovered from in `warnings`; throws `ParseError` only for input that is not a feed at all.
///
/// `parse(_:)` reads a document that is all in memory; `session()` reads one as it arrives (from a file
/// or the network), so the input is never held whole. Both give the same document.
public struct FeedParser: Sendable {
    public struct Options: Sendable {
        /// The document's own URL, for relative links.
        public var baseURL: String?
        /// The charset the server declared (HTTP `Content-Type`), if any.
        public var charset: String?
        /// Longest text kept for one field.
        public var maxTextBytes: Int
        /// Whether long text goes around libxml2 (`XMLRepairer.divertText`); off only in tests and the
        /// fuzzer, to check that it changes nothing.
        @_spi(Testing) public var divertsText = true

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

    /// Parses a whole document.
    public func parse(_ bytes: [UInt8]) throws(ParseError) -> FeedDocument {
        let session = session()
        // In pieces, as a file or the network hands them in: each stage then works on bytes still in the cache.
        bytes.withUnsafeBufferPointer { all in
            var start = 0
            while start < all.count {
                let end = min(start + Self.pieceSize, all.count)
                session.push(UnsafeBufferPointer(rebasing: all[start..<end]))
                start = end
            }
        }
        return try session.finish()
    }

    /// The size of the pieces `parse(_:)` cuts a whole document into.
    static let pieceSize = 1 << 16

    /// Starts reading a document that arrives in pieces.
    public func session() -> Session {
        Session(options: options)
    }

    /// One document read as it arrives: `push` each piece (cut anywhere), then `finish`.
    ///
    /// An XML document in UTF-8 (by its byte order mark, the HTTP charset and its declaration, or by
    /// default) streams through the UTF-8 check, the repair pass and libxml2 piece by piece. Any other
    /// encoding, and JSON Feed, is held until `finish`, since reading it needs the whole document.
    public final class Session {
        private enum Mode {
            /// Holding the first bytes until the kind of document and its encoding are known.
            case sniffing
            /// JSON Feed, or XML in an encoding that needs the whole document: holding everything.
            case json, whole
            /// UTF-8 XML, read as it arrives.
            case streaming(XMLInput.StreamingUTF8)
        }

        /// Bytes enough to see a byte order mark and an XML declaration.
        private static let sniffLength = 1024

        private let options: Options
        private var mode = Mode.sniffing
        private var held: [UInt8] = []
        private var utf8 = UTF8Repairer()
        private var repairer = XMLRepairer()
        private let handler: FeedHandler
        private let xml: XMLStreamParser
        private var beginError: XMLError? = nil
        /// Whether anything but white space reached libxml2.
        private var sawContent = false

        init(options: Options) {
            self.options = options
            handler = FeedHandler(documentURL: options.baseURL)
            xml = XMLStreamParser(handler: handler, limits: .init(maxTextBytes: options.maxTextBytes))
            if options.divertsText {
                repairer.divertText(target: xml.textPlaceholderTarget) { [xml] in xml.divertText($0) }
            }
        }

        public func push(_ bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { push($0) }
        }

        public func push(_ bytes: UnsafeBufferPointer<UInt8>) {
            switch mode {
            case .streaming:
                stream(bytes, isFinal: false)
            case .json, .whole:
                held.append(contentsOf: bytes)
            case .sniffing where held.isEmpty && bytes.count >= Self.sniffLength:
                // Enough to decide on this piece alone, without copying it.
                decide(bytes)
            case .sniffing:
                held.append(contentsOf: bytes)
                if held.count >= Self.sniffLength { decideOnHeld() }
            }
        }

        /// Reads what is left and returns the document.
        public func finish() throws(ParseError) -> FeedDocument {
            if case .sniffing = mode { decideOnHeld() }
            var warnings: [String] = []
            switch mode {
            case .sniffing:
                throw .empty
            case .json:
                var json = JSONFeedParser(baseURL: options.baseURL)
                var document = try json.parse(held)
                ItemKeys.assign(to: &document)
                return document
            case .whole:
                let prepared = XMLInput.prepare(held, charset: options.charset)
                held = []
                warnings += prepared.diagnostics.map(\.description)
                prepared.utf8.withUnsafeBufferPointer { repair($0, isFinal: true) }
            case .streaming(let streaming):
                stream(UnsafeBufferPointer(start: nil, count: 0), isFinal: true)
                if let note = streaming.diagnostic(invalidCount: utf8.invalidCount) {
                    warnings.append(note.description)
                }
            }
            do throws(XMLError) {
                if let beginError { throw beginError }
                try xml.end()
            } catch {
                if !sawContent { throw .empty }
                throw .unreadable(detail: error.description)
            }
            guard handler.isFeed else { throw .notAFeed(root: handler.rootName ?? "?") }
            handler.finish(parser: xml)

            warnings += repairer.diagnostics().map(\.description)
            warnings += xml.diagnostics.map(\.description)
            if xml.droppedDiagnostics > 0 {
                warnings.append("\(xml.droppedDiagnostics) more XML errors not listed")
            }
            warnings += handler.warnings
            var document = handler.feed.build(items: handler.takeItems(), warnings: warnings)
            ItemKeys.assign(to: &document)
            return document
        }

        private func decideOnHeld() {
            let head = held
            held = []
            head.withUnsafeBufferPointer { decide($0) }
        }

        /// Picks the mode once the first bytes (or all of them) are there, and reads `bytes` in it.
        private func decide(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let first = bytes.firstIndex(where: { !Self.isBlankOrBOM($0) }) else {
                held.append(contentsOf: bytes)
                return
            }
            if bytes[first] == UInt8(ascii: "{") {
                mode = .json
                held.append(contentsOf: bytes)
                return
            }
            do {
                try xml.begin()
            } catch {
                beginError = error
            }
            let head = Array(bytes.prefix(4 * Self.sniffLength))
            guard let streaming = XMLInput.streamingUTF8(head: head, charset: options.charset) else {
                mode = .whole
                held.append(contentsOf: bytes)
                return
            }
            mode = .streaming(streaming)
            stream(UnsafeBufferPointer(rebasing: bytes[streaming.skip...]), isFinal: false)
        }

        private static func isBlankOrBOM(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0xEF || byte == 0xBB
                || byte == 0xBF
        }

        /// UTF-8 check, then repair, then libxml2.
        private func stream(_ bytes: UnsafeBufferPointer<UInt8>, isFinal: Bool) {
            utf8.push(bytes, isFinal: isFinal) { valid in repair(valid, isFinal: false) }
            if isFinal { repair(UnsafeBufferPointer(start: nil, count: 0), isFinal: true) }
        }

        private func repair(_ utf8: UnsafeBufferPointer<UInt8>, isFinal: Bool) {
            repairer.push(utf8, isFinal: isFinal) { mended in
                if !sawContent {
                    sawContent = mended.contains { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
                }
                xml.push(mended)
            }
        }
    }
}
