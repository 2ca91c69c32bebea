import CLibXML2

/// Receives the elements of a document as libxml2 reads them.
///
/// Text is not pushed to the handler: the parser collects it in its own buffer while
/// `textCapture` is on, and the handler takes it with `takeText()`, usually at the end of an element.
/// That keeps the per-chunk path free of `String`s.
public protocol XMLStreamHandler: AnyObject {
    func startElement(_ name: XMLName, attributes: XMLAttributes, in parser: XMLStreamParser)
    func endElement(_ name: XMLName, in parser: XMLStreamParser)
}

/// What the parser does with character data.
public enum TextCapture: Sendable {
    /// Ignore it.
    case off
    /// Keep it as decoded text.
    case raw
    /// Keep it escaped as HTML text (`<`, `>` and `&` as references), for re-serialized markup.
    case escaped
}

/// A streaming (SAX2) parser over libxml2 with the options every feed needs: no network, no
/// external entities or DTDs, libxml2's entity-expansion limits on, and recovery from ill-formed
/// markup, each recovery recorded as a diagnostic.
///
/// Input must be UTF-8: `TextDecoder` and `XMLRepair` prepare it. One instance reads one document
/// at a time, on one thread.
public final class XMLStreamParser {
    public struct Limits: Sendable {
        /// Longest text kept for one capture; the rest is dropped with a diagnostic.
        public var maxTextBytes: Int
        /// Diagnostics kept; later ones are counted, not stored.
        public var maxDiagnostics: Int
        /// Deepest element nesting read; past it the rest of the document is ignored.
        public var maxDepth: Int

        public init(maxTextBytes: Int = 16 << 20, maxDiagnostics: Int = 30, maxDepth: Int = 256) {
            self.maxTextBytes = maxTextBytes
            self.maxDiagnostics = maxDiagnostics
            self.maxDepth = maxDepth
        }
    }

    /// libxml2 options, all in one place (STYLE.md 4): never NOENT, DTDLOAD or HUGE.
    static let options = Int32(
        XML_PARSE_RECOVER.rawValue | XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue
            | XML_PARSE_NOWARNING.rawValue | XML_PARSE_IGNORE_ENC.rawValue | XML_PARSE_NOXINCNODE.rawValue)

    public var textCapture: TextCapture = .off
    public let limits: Limits
    public private(set) var diagnostics: [XMLDiagnostic] = []
    /// Diagnostics past `limits.maxDiagnostics`, counted only.
    public private(set) var droppedDiagnostics = 0
    /// True once any element was seen.
    public private(set) var sawElement = false

    /// The target of the processing instructions that stand for diverted text (`XMLRepairer.divertText`):
    /// random for each parser, so no document can name it.
    public let textPlaceholderTarget: String

    private let handler: any XMLStreamHandler
    private var text = ByteBuffer()
    /// The start of the next chunk for libxml2 (see `push`).
    private var staged = ByteBuffer(capacity: XMLStreamParser.chunkSize)
    /// `textPlaceholderTarget`, NUL-terminated, to compare with libxml2's.
    private let placeholderTarget: [UInt8]
    /// Diverted text that libxml2 has not reached yet, one after the other.
    private var diverted = ByteBuffer()
    private var divertedSections: [(number: Int, start: Int, count: Int)] = []
    private var nextDivertedSection = 0
    private var divertedCount = 0
    private var textTruncated = false
    private var names = NameTable()
    private var context: xmlParserCtxtPtr?
    private var stopped = false
    private var depth = 0

    public init(handler: any XMLStreamHandler, limits: Limits = Limits()) {
        self.handler = handler
        self.limits = limits
        var random = SystemRandomNumberGenerator()
        textPlaceholderTarget = "feedd-text-" + String(random.next() as UInt64, radix: 16)
        placeholderTarget = Array(textPlaceholderTarget.utf8) + [0]
    }

    /// Reads a whole UTF-8 document, calling the handler as elements open and close.
    /// Throws only when nothing could be read; recovered breakage becomes `diagnostics`.
    public func parse(_ utf8: [UInt8]) throws(XMLError) {
        try begin()
        utf8.withUnsafeBufferPointer { push($0) }
        try end()
    }

    /// Starts a document that arrives in pieces: `push(_:)` each piece, then `end()`.
    public func begin() throws(XMLError) {
        var sax = xmlSAXHandler()
        xmlSAXVersion(&sax, 2)
        // Keep the default handlers that record DTD-declared entities (libxml2 expands those, within its
        // limits); replace the tree builders with ours and drop everything that could load a resource.
        sax.startElementNs = xmlStartElement
        sax.endElementNs = xmlEndElement
        sax.characters = xmlCharacters
        sax.cdataBlock = xmlCharacters
        sax.ignorableWhitespace = xmlCharacters
        sax.serror = xmlStructuredError
        sax.error = nil
        sax.warning = nil
        sax.fatalError = nil
        sax.resolveEntity = nil
        sax.externalSubset = nil
        sax.comment = nil
        sax.processingInstruction = xmlProcessingInstruction
        sax.reference = nil
        sax.startElement = nil
        sax.endElement = nil
        sax.attributeDecl = nil
        sax.elementDecl = nil
        sax.notationDecl = nil
        sax.unparsedEntityDecl = nil
        sax.setDocumentLocator = nil

        releaseContext()
        staged.removeAll(keepingCapacityUpTo: Self.chunkSize)
        diverted.removeAll(keepingCapacityUpTo: 1 << 16)
        divertedSections.removeAll(keepingCapacity: true)
        nextDivertedSection = 0
        divertedCount = 0
        guard let ctxt = xmlCreatePushParserCtxt(&sax, nil, nil, 0, nil) else {
            throw .parserUnavailable
        }
        context = ctxt
        xmlCtxtUseOptions(ctxt, Self.options)
        // The callbacks find this object through `_private`; `end()` or deinit frees the context first.
        ctxt.pointee._private = Unmanaged.passUnretained(self).toOpaque()
    }

    /// Reads the next piece of the document (any length, cut anywhere, even inside a character).
    ///
    /// libxml2 gets the document in chunks of exactly `chunkSize` bytes (the last one shorter) whatever
    /// the pieces were: its recovery from ill-formed markup depends on where chunks end, and a document
    /// must read the same however it arrived. Bytes short of a chunk wait in `staged`.
    public func push(_ utf8: UnsafeBufferPointer<UInt8>) {
        guard context != nil, var rest = utf8.baseAddress.map({ UnsafeBufferPointer(start: $0, count: utf8.count) })
        else { return }
        if !staged.isEmpty {
            let taken = min(Self.chunkSize - staged.count, rest.count)
            staged.append(UnsafeBufferPointer(rebasing: rest[0..<taken]))
            rest = UnsafeBufferPointer(rebasing: rest[taken...])
            guard staged.count == Self.chunkSize else { return }
            staged.withBytes { parseChunk($0, isLast: false) }
            staged.removeAll(keepingCapacityUpTo: Self.chunkSize)
        }
        while rest.count >= Self.chunkSize && !stopped {
            parseChunk(UnsafeBufferPointer(rebasing: rest[0..<Self.chunkSize]), isLast: false)
            rest = UnsafeBufferPointer(rebasing: rest[Self.chunkSize...])
        }
        if !stopped { staged.append(rest) }
    }

    static let chunkSize = 1 << 16

    private func parseChunk(_ chunk: UnsafeBufferPointer<UInt8>, isLast: Bool) {
        guard let ctxt = context, !stopped, ctxt.pointee.instate != XML_PARSER_EOF else { return }
        _ = chunk.withMemoryRebound(to: CChar.self) { chars in
            xmlParseChunk(ctxt, chars.baseAddress, Int32(chars.count), isLast ? 1 : 0)
        }
    }

    /// Ends the document begun with `begin()`. Throws only when nothing could be read.
    public func end() throws(XMLError) {
        // The rest, then the end on its own: libxml2 keeps more of a truncated document that way.
        staged.withBytes { parseChunk($0, isLast: false) }
        staged.removeAll(keepingCapacityUpTo: Self.chunkSize)
        staged.withBytes { parseChunk($0, isLast: true) }
        releaseContext()
        if !sawElement {
            if let first = diagnostics.first { throw .unreadable(line: first.line, message: first.message) }
            throw .noRootElement
        }
    }

    private func releaseContext() {
        guard let ctxt = context else { return }
        if let doc = ctxt.pointee.myDoc {
            xmlFreeDoc(doc)
            ctxt.pointee.myDoc = nil
        }
        xmlFreeParserCtxt(ctxt)
        context = nil
    }

    deinit {
        releaseContext()
    }

    /// Stops reading: no more handler calls after the current one returns.
    public func stop() {
        stopped = true
        if let context { xmlStopParser(context) }
    }

    /// The line the parser is at, for the handler's own diagnostics.
    public var line: Int {
        guard let context, let input = context.pointee.input else { return 0 }
        return Int(input.pointee.line)
    }

    /// Records a diagnostic of the handler's own, at the current line.
    public func addDiagnostic(_ message: String, line: Int? = nil) {
        record(XMLDiagnostic(line: line ?? self.line, message: message))
    }

    // MARK: - Text

    /// The text captured since the last take, as a string; empties the buffer.
    public func takeText() -> String {
        defer {
            text.removeAll(keepingCapacityUpTo: 1 << 16)
            textTruncated = false
        }
        return text.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Drops the text captured so far.
    public func discardText() {
        text.removeAll(keepingCapacityUpTo: 1 << 16)
        textTruncated = false
    }

    /// Appends markup the handler re-serializes (a start or end tag) to the captured text.
    public func appendMarkup(_ markup: String) {
        guard text.count + markup.utf8.count <= limits.maxTextBytes else { return noteTruncation() }
        text.append(markup)
    }

    /// Whether the text captured so far is empty or white space only.
    public var capturedTextIsBlank: Bool {
        text.withBytes { $0.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 } }
    }

    fileprivate func appendCharacters(_ bytes: UnsafeBufferPointer<UInt8>) {
        switch textCapture {
        case .off: return
        case .raw:
            guard text.count + bytes.count <= limits.maxTextBytes else { return noteTruncation() }
            text.append(bytes)
        case .escaped:
            guard text.count + bytes.count <= limits.maxTextBytes else { return noteTruncation() }
            var start = 0
            for index in 0..<bytes.count {
                let escape: StaticString
                switch bytes[index] {
                case UInt8(ascii: "<"): escape = "&lt;"
                case UInt8(ascii: ">"): escape = "&gt;"
                case UInt8(ascii: "&"): escape = "&amp;"
                default: continue
                }
                text.append(UnsafeBufferPointer(rebasing: bytes[start..<index]))
                text.append(escape)
                start = index + 1
            }
            text.append(UnsafeBufferPointer(rebasing: bytes[start...]))
        }
    }

    /// Keeps the next text the repair pass took out of the document, until libxml2 reaches its placeholder
    /// (see `XMLRepairer.divertText`).
    public func divertText(_ content: UnsafeBufferPointer<UInt8>) {
        defer { divertedCount += 1 }
        // Once libxml2 has stopped, no placeholder will be read: keep nothing.
        guard !stopped, let context, context.pointee.instate != XML_PARSER_EOF else { return }
        divertedSections.append((divertedCount, diverted.count, content.count))
        diverted.append(content)
    }

    /// A processing instruction: puts diverted text back, as libxml2 would have reported it (`characters`,
    /// `cdataBlock`). Other instructions are ignored.
    fileprivate func processingInstruction(target: UnsafePointer<xmlChar>, data: UnsafePointer<xmlChar>?) {
        guard !divertedSections.isEmpty, isPlaceholderTarget(target), let data else { return }
        var number = 0
        var cursor = data
        while cursor.pointee >= 0x30 && cursor.pointee <= 0x39 && number < 1 << 40 {
            number = number * 10 + Int(cursor.pointee - 0x30)
            cursor += 1
        }
        // Text whose placeholder libxml2 skipped (in markup it could not read) is dropped with it.
        while nextDivertedSection < divertedSections.count && divertedSections[nextDivertedSection].number < number {
            nextDivertedSection += 1
        }
        guard nextDivertedSection < divertedSections.count, divertedSections[nextDivertedSection].number == number
        else { return }
        let section = divertedSections[nextDivertedSection]
        nextDivertedSection += 1
        diverted.withBytes { all in
            appendCharacters(UnsafeBufferPointer(rebasing: all[section.start..<section.start + section.count]))
        }
        if nextDivertedSection == divertedSections.count {
            divertedSections.removeAll(keepingCapacity: true)
            nextDivertedSection = 0
            diverted.removeAll(keepingCapacityUpTo: 1 << 16)
        } else if section.start + section.count >= 1 << 16 {
            // libxml2 lags behind the repair pass by up to a chunk, so the queue seldom empties: drop what
            // was read once it is most of the buffer, or the buffer would keep every diverted text.
            let consumed = divertedSections[nextDivertedSection].start
            if consumed * 2 >= diverted.count {
                diverted.removeFirst(consumed)
                divertedSections.removeFirst(nextDivertedSection)
                nextDivertedSection = 0
                for index in divertedSections.indices { divertedSections[index].start -= consumed }
            }
        }
    }

    private func isPlaceholderTarget(_ target: UnsafePointer<xmlChar>) -> Bool {
        for index in placeholderTarget.indices where target[index] != placeholderTarget[index] { return false }
        return true
    }

    private func noteTruncation() {
        guard !textTruncated else { return }
        textTruncated = true
        addDiagnostic("text longer than \(limits.maxTextBytes) bytes cut off")
    }

    // MARK: - Diagnostics

    fileprivate func record(_ diagnostic: XMLDiagnostic) {
        if diagnostics.count < limits.maxDiagnostics {
            if diagnostics.last != diagnostic { diagnostics.append(diagnostic) }
        } else {
            droppedDiagnostics += 1
        }
    }

    // MARK: - Names

    /// Interns a name by libxml2's dictionary pointers: each distinct name becomes a `String` once.
    fileprivate func name(
        local: UnsafePointer<xmlChar>, prefix: UnsafePointer<xmlChar>?, uri: UnsafePointer<xmlChar>?
    ) -> XMLName {
        let key = NameTable.Key(
            local: UInt(bitPattern: local), uri: UInt(bitPattern: uri), prefix: UInt(bitPattern: prefix))
        if let known = names.find(key) { return known }
        let made = XMLName(
            id: names.count, namespaceURI: uri.map(Self.string), localName: Self.string(local),
            prefix: prefix.map(Self.string))
        names.insert(key, made)
        return made
    }

    fileprivate static func string(_ pointer: UnsafePointer<xmlChar>) -> String {
        String(cString: pointer)
    }

    /// An attribute value with its references decoded.
    func attributeValue(start: UnsafePointer<xmlChar>, end: UnsafePointer<xmlChar>) -> String {
        let bytes = UnsafeBufferPointer(start: start, count: end - start)
        if bytes.contains(UInt8(ascii: "&")), let context,
            // Without entity substitution libxml2 leaves `&#38;` and declared entities as references.
            let decoded = xmlStringLenDecodeEntities(
                context, start, Int32(bytes.count), Int32(XML_SUBSTITUTE_REF), 0, 0, 0)
        {
            defer { feedd_xml_free(decoded) }
            return String(cString: decoded)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Interns an attribute's name (internal: `XMLAttributes` materializes attributes through it).
    func attributeName(
        local: UnsafePointer<xmlChar>, prefix: UnsafePointer<xmlChar>?, uri: UnsafePointer<xmlChar>?
    ) -> XMLName {
        name(local: local, prefix: prefix, uri: uri)
    }

    fileprivate func didStart(_ name: XMLName, attributes: XMLAttributes) {
        sawElement = true
        guard !stopped else { return }
        depth += 1
        if depth > limits.maxDepth {
            addDiagnostic("elements nested deeper than \(limits.maxDepth) levels; the rest of the document is ignored")
            stop()
            return
        }
        handler.startElement(name, attributes: attributes, in: self)
    }

    fileprivate func didEnd(_ name: XMLName) {
        guard !stopped else { return }
        depth -= 1
        handler.endElement(name, in: self)
    }
}

// MARK: - libxml2 callbacks
// The user data of every callback is the parser context; `_private` holds the Swift parser, kept alive by
// `parse(_:)` for the whole run.

/// Runs `body` with the parser a callback belongs to, without retaining it: `parse`/`begin` keep it alive,
/// and a retain and release on every callback (there is one per text run) were a visible cost.
@inline(__always)
private func withOwner(_ context: UnsafeMutableRawPointer?, _ body: (XMLStreamParser) -> Void) {
    guard let context else { return }
    let ctxt = context.assumingMemoryBound(to: xmlParserCtxt.self)
    guard let opaque = ctxt.pointee._private else { return }
    Unmanaged<XMLStreamParser>.fromOpaque(opaque)._withUnsafeGuaranteedRef(body)
}

private func xmlStartElement(
    context: UnsafeMutableRawPointer?, localName: UnsafePointer<xmlChar>?, prefix: UnsafePointer<xmlChar>?,
    uri: UnsafePointer<xmlChar>?, namespaceCount: Int32,
    namespaces: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, attributeCount: Int32, defaultedCount: Int32,
    attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
) {
    guard let localName else { return }
    withOwner(context) { parser in
        let name = parser.name(local: localName, prefix: prefix, uri: uri)
        parser.didStart(name, attributes: XMLAttributes(attributes, count: Int(attributeCount), parser: parser))
    }
}

private func xmlEndElement(
    context: UnsafeMutableRawPointer?, localName: UnsafePointer<xmlChar>?, prefix: UnsafePointer<xmlChar>?,
    uri: UnsafePointer<xmlChar>?
) {
    guard let localName else { return }
    withOwner(context) { parser in parser.didEnd(parser.name(local: localName, prefix: prefix, uri: uri)) }
}

private func xmlCharacters(context: UnsafeMutableRawPointer?, bytes: UnsafePointer<xmlChar>?, count: Int32) {
    guard let bytes, count > 0 else { return }
    withOwner(context) { parser in parser.appendCharacters(UnsafeBufferPointer(start: bytes, count: Int(count))) }
}

private func xmlProcessingInstruction(
    context: UnsafeMutableRawPointer?, target: UnsafePointer<xmlChar>?, data: UnsafePointer<xmlChar>?
) {
    guard let target else { return }
    withOwner(context) { parser in parser.processingInstruction(target: target, data: data) }
}

private func xmlStructuredError(userData: UnsafeMutableRawPointer?, error: xmlErrorPtr?) {
    guard let error, let text = error.pointee.message else { return }
    var message = String(cString: text)
    while let last = message.last, last.isWhitespace { message.removeLast() }
    let diagnostic = XMLDiagnostic(line: Int(error.pointee.line), message: message)
    withOwner(userData) { parser in parser.record(diagnostic) }
}

/// Names met in one parse, found by libxml2's interned pointers (the same name has the same pointers for
/// the whole parse). An open-addressing table with a multiplicative hash: every start and end tag looks a
/// name up, and `Dictionary`'s seeded SipHash cost more than the rest of the callback.
private struct NameTable {
    struct Key: Equatable {
        var local: UInt
        var uri: UInt
        var prefix: UInt
    }

    private var keys: [Key?] = Array(repeating: nil, count: 64)
    private var values: [XMLName?] = Array(repeating: nil, count: 64)
    private(set) var count = 0

    private func slot(_ key: Key) -> Int {
        let mixed = (key.local ^ (key.uri &<< 1) ^ (key.prefix &<< 2)) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: mixed >> 40) & (keys.count - 1)
    }

    func find(_ key: Key) -> XMLName? {
        var index = slot(key)
        while let candidate = keys[index] {
            if candidate == key { return values[index] }
            index = (index + 1) & (keys.count - 1)
        }
        return nil
    }

    mutating func insert(_ key: Key, _ value: XMLName) {
        if (count + 1) * 2 > keys.count { grow() }
        var index = slot(key)
        while keys[index] != nil { index = (index + 1) & (keys.count - 1) }
        keys[index] = key
        values[index] = value
        count += 1
    }

    private mutating func grow() {
        let old = zip(keys, values)
        keys = Array(repeating: nil, count: keys.count * 2)
        values = Array(repeating: nil, count: values.count * 2)
        count = 0
        for case (let key?, let value?) in old { insert(key, value) }
    }
}
