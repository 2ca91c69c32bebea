import Glibc

/// A byte-level pass that mends what real feeds get wrong before libxml2 sees it, where libxml2's own
/// recovery would lose text:
/// - anything before the first tag (a blank line before `<?xml`, stray bytes) is dropped;
/// - a bare `&` (`AT&T`, `?a=1&b=2`) becomes `&amp;`;
/// - HTML entities used without a DTD (`&nbsp;`, `&eacute;`) become character references; an unknown
///   name is kept as text;
/// - C1 controls (`&#146;`, or U+0092 as UTF-8) are read as windows-1252, as browsers do, and
///   references to characters XML forbids are dropped; `&#X41;` becomes `&#65;`;
/// - control characters XML forbids are dropped.
/// - control characters XML forbids are dropped, in CDATA sections too (libxml2 stops reading the whole
///   document at one), and so are U+FFFE and U+FFFF there.
/// Comments, processing instructions and the DOCTYPE are left alone. The input must be UTF-8.
/// `XMLRepairer` does the same to a document that arrives in pieces, and can take long text around
/// libxml2 (`divertText`).
public enum XMLRepair {
    public struct Result: Sendable {
        public var utf8: [UInt8]
        public var diagnostics: [XMLDiagnostic]
    }

    /// Repairs a whole document.
    public static func repair(_ input: [UInt8]) -> Result {
        var repairer = XMLRepairer()
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        input.withUnsafeBufferPointer { buffer in
            repairer.push(buffer, isFinal: true) { output.append(contentsOf: $0) }
        }
        return Result(utf8: output, diagnostics: repairer.diagnostics())
    }
}

/// `XMLRepair` for a document that arrives in pieces: each piece is mended and handed on at once, except
/// for a construct the piece cuts short (a reference, a tag opener, a DOCTYPE), which waits for the next
/// piece. Comments, CDATA sections and processing instructions may span any number of pieces. The result
/// does not depend on where the input was cut.
public struct XMLRepairer {
    private var scanner = Scanner()
    /// Input held back because it ends in a construct cut short.
    private var carry: [UInt8] = []

    public init() {}

    /// Takes long text out of the document and hands it to `divert` as libxml2 would report it, leaving in
    /// its place a processing instruction `<?TARGET N?>` (N counts the diverted texts from 0, and the
    /// instruction keeps the text's line breaks, so line numbers do not change). `XMLStreamParser` puts the
    /// text back where libxml2 meets the instruction. Diverted are:
    /// - the content of each CDATA section of at least `minimumLength` bytes, as it is (carriage returns
    ///   included, as libxml2's push parser hands on CDATA);
    /// - a run of text of at least `minimumLength` bytes right after a plain start tag, with its character
    ///   references and the five predefined entities decoded, when it holds nothing else that needs mending
    ///   or that libxml2 reads in its own way (other entities, carriage returns, control characters, `]]>`).
    ///
    /// That saves libxml2 a second UTF-8 check over most of the bytes of a typical feed (`content:encoded`,
    /// escaped HTML), and a callback for every reference in escaped HTML. Text that a piece cuts stays in
    /// the document.
    public mutating func divertText(
        target: String, minimumLength: Int = 64, to divert: @escaping (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        scanner.placeholderTarget = Array(target.utf8)
        scanner.minimumDiverted = minimumLength
        scanner.divert = divert
    }

    /// Mends the next piece and hands the result to `emit` (in one call, or none when everything waits).
    /// `isFinal` says no more input follows.
    public mutating func push(
        _ bytes: UnsafeBufferPointer<UInt8>, isFinal: Bool, emit: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        if carry.isEmpty {
            let consumed = scanner.run(bytes, isFinal: isFinal, emit: emit)
            if consumed < bytes.count { carry = Array(bytes[consumed...]) }
            return
        }
        var work: [UInt8] = []
        swap(&work, &carry)
        work.append(contentsOf: bytes)
        let consumed = work.withUnsafeBufferPointer { scanner.run($0, isFinal: isFinal, emit: emit) }
        if consumed < work.count { carry = Array(work[consumed...]) }
    }

    /// What was mended so far, one line per kind of repair with the line of its first occurrence.
    public func diagnostics() -> [XMLDiagnostic] {
        scanner.diagnostics()
    }
}

/// The kinds of repair, each reported once with a count.
private enum FindingKind: Int, CaseIterable {
    case bareAmpersand, htmlEntity, unknownEntity, externalReference, badReference, strayLessThan, controlCharacter
}

private struct Finding {
    var count = 0
    var line = 0
    var example = ""
}

/// A comment, CDATA section or processing instruction that goes on past the end of a piece.
private enum Section {
    case comment, cdata, instruction

    var terminator: StaticString {
        switch self {
        case .comment: return "-->"
        case .cdata: return "]]>"
        case .instruction: return "?>"
        }
    }
}

private struct Scanner {
    /// The piece being read (valid during `run` only).
    var bytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    var isFinal = false
    /// The mended piece, used only once something in the piece needed mending.
    var output: [UInt8] = []
    var modified = false
    /// Bytes of the piece before this index are in `output` (when `modified`).
    var copied = 0
    /// The line number at the start of the piece.
    var lineBase = 1
    var started = false
    var openSection: Section? = nil
    /// The target of the placeholder instruction of diverted text, and where the text goes.
    var placeholderTarget: [UInt8] = []
    var minimumDiverted = 64
    var divert: ((UnsafeBufferPointer<UInt8>) -> Void)? = nil
    var divertedCount = 0
    /// Whether a start tag was seen (the root element's, in a document that has one).
    var sawStartTag = false
    /// Decoded text, before it is diverted.
    var decoded: [UInt8] = []
    /// The last bytes (at most two) of the open section, to find a terminator cut by a piece boundary.
    var sectionTail: [UInt8] = []
    var declaredEntities: Set<[UInt8]> = []
    /// Entities declared with SYSTEM or PUBLIC: never loaded, so their references are removed.
    var externalEntities: Set<[UInt8]> = []
    var hasExternalDTD = false
    var leadingDropped = 0
    var leadingBlank = false
    var findings = [Finding](repeating: Finding(), count: FindingKind.allCases.count)

    /// Mends `bytes` and emits the result; returns how many bytes were read (the rest waits for more input;
    /// all of them when `isFinal`).
    mutating func run(
        _ bytes: UnsafeBufferPointer<UInt8>, isFinal: Bool, emit: (UnsafeBufferPointer<UInt8>) -> Void
    ) -> Int {
        self.bytes = bytes
        self.isFinal = isFinal
        modified = false
        copied = 0
        let consumed = scan()
        if modified {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<consumed]))
            output.withUnsafeBufferPointer(emit)
            output.removeAll(keepingCapacity: output.count <= 1 << 17)
        } else if consumed > 0 {
            emit(UnsafeBufferPointer(rebasing: bytes[0..<consumed]))
        }
        lineBase += Self.newlines(in: UnsafeBufferPointer(rebasing: bytes[0..<consumed]))
        self.bytes = UnsafeBufferPointer(start: nil, count: 0)
        return consumed
    }

    /// Whether reading on needs bytes past the end of the piece, which may still come.
    func needsMore(_ index: Int) -> Bool {
        index >= bytes.count && !isFinal
    }

    /// The index where reading stopped.
    mutating func scan() -> Int {
        let count = bytes.count
        var index = 0
        if let section = openSection {
            guard let end = resumeSection(section) else {
                if section == .cdata { dropForbiddenInCDATA(0, count) }
                keepTail(from: 0)
                return count
            }
            if section == .cdata { dropForbiddenInCDATA(0, max(0, end - 3)) }
            openSection = nil
            sectionTail = []
            index = end
        }
        if !started {
            // Leading junk.
            while index < count, bytes[index] != UInt8(ascii: "<") { index += 1 }
            if needsMore(index + 5) { return 0 }
            started = true
            if index > 0 {
                let blank = bytes[0..<index].allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
                let beforeDeclaration = matches(at: index, "<?xml")
                if !blank || beforeDeclaration {
                    leadingBlank = blank
                    leadingDropped = index
                    replace(0, index, with: "")
                }
            }
        }
        let needsLook = Self.needsLookTable
        guard let base = bytes.baseAddress else { return count }
        let raw = UnsafeRawPointer(base)
        while index < count {
            // Eight bytes at a time while none of them needs a look (most text between tags and references),
            // then straight to the first that may.
            index = ByteWord.skip(raw, from: index, count: count, Self.mayNeedLook)
            guard index < count else { break }
            let byte = bytes[index]
            if !needsLook[Int(byte)] {
                index += 1
                continue
            }
            if byte == UInt8(ascii: "<") {
                if needsMore(index + 1) { return index }
                if index + 1 < count, !Self.canStartMarkup(bytes[index + 1]) {
                    note(.strayLessThan, at: index)
                    replace(index, index + 1, with: "&lt;")
                    index += 1
                    continue
                }
                guard let next = skipMarkupDeclaration(at: index) else { return index }
                index = next
            } else if byte == UInt8(ascii: "&") {
                guard let next = mendReference(at: index) else { return index }
                index = next
            } else if byte == 0xC2 {
                if needsMore(index + 1) { return index }
                if index + 1 < count, bytes[index + 1] >= 0x80, bytes[index + 1] <= 0x9F {
                    // A C1 control in text is a windows-1252 character decoded as Latin-1 somewhere upstream.
                    var character: [UInt8] = []
                    TextDecoder.appendUTF8(TextDecoder.windows1252High[Int(bytes[index + 1] - 0x80)], to: &character)
                    replace(index, index + 2, with: character)
                    index += 2
                } else {
                    index += 1
                }
            } else {
                note(.controlCharacter, at: index)
                replace(index, index + 1, with: "")
                index += 1
            }
        }
        return count
    }

    /// The bytes of a word that may need a look: `<`, `&`, 0xC2 and every byte below 0x20 (tab and line
    /// breaks too; the table tells them apart).
    @inline(__always)
    static func mayNeedLook(_ word: UInt64) -> UInt64 {
        ByteWord.equal(word, 0x3C) | ByteWord.equal(word, 0x26) | ByteWord.equal(word, 0xC2)
            | ByteWord.below(word, 0x20)
    }

    /// Bytes the repair loop must look at: `<`, `&`, the lead byte of a C1 control, and control characters.
    /// A table that lives as long as the process (never freed), read through a plain pointer so that the
    /// loop keeps its index in a register.
    nonisolated(unsafe) static let needsLookTable: UnsafePointer<Bool> = {
        let table = UnsafeMutablePointer<Bool>.allocate(capacity: 256)
        for byte in 0..<256 {
            table[byte] =
                byte == 0x3C || byte == 0x26 || byte == 0xC2
                || (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D)
        }
        return UnsafePointer(table)
    }()

    // MARK: Output

    /// Replaces `bytes[start..<end]` with `replacement` in the output.
    mutating func replace(_ start: Int, _ end: Int, with replacement: [UInt8]) {
        beginReplacement(at: start)
        output.append(contentsOf: replacement)
        copied = end
    }

    mutating func replace(_ start: Int, _ end: Int, with replacement: StaticString) {
        beginReplacement(at: start)
        replacement.withUTF8Buffer { output.append(contentsOf: $0) }
        copied = end
    }

    private mutating func beginReplacement(at start: Int) {
        if !modified {
            modified = true
            output.removeAll(keepingCapacity: true)
            output.reserveCapacity(bytes.count + 256)
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<start]))
    }

    // MARK: Findings

    /// Counts a repair of `kind` at `index`; the first one keeps its line and `bytes[index..<exampleEnd]`.
    mutating func note(_ kind: FindingKind, at index: Int, exampleEnd: Int? = nil) {
        if findings[kind.rawValue].count == 0 {
            findings[kind.rawValue].line = lineBase + Self.newlines(in: UnsafeBufferPointer(rebasing: bytes[0..<index]))
            if let exampleEnd {
                findings[kind.rawValue].example = String(decoding: bytes[index..<exampleEnd], as: UTF8.self)
            }
        }
        findings[kind.rawValue].count += 1
    }

    /// The number of line feeds, sixteen bytes at a time.
    static func newlines(in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        let lineFeed = SIMD16<UInt8>(repeating: 0x0A)
        var total = 0
        var index = 0
        while index + 16 <= bytes.count {
            // Per-lane counts in bytes, emptied before they can overflow (255 blocks).
            var lanes = SIMD16<UInt8>(repeating: 0)
            let end = min(bytes.count - 16, index + 254 * 16)
            while index <= end {
                let block = raw.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
                lanes &-= unsafeBitCast(block .== lineFeed, to: SIMD16<UInt8>.self)  // a match is 0xFF: -1
                index += 16
            }
            total += Int(SIMD16<UInt16>(truncatingIfNeeded: lanes).wrappedSum())
        }
        while index < bytes.count {
            if bytes[index] == 0x0A { total += 1 }
            index += 1
        }
        return total
    }

    // MARK: Sections

    func matches(at index: Int, _ text: StaticString) -> Bool {
        let length = text.utf8CodeUnitCount
        guard index + length <= bytes.count else { return false }
        let pattern = text.utf8Start
        for offset in 0..<length where bytes[index + offset] != pattern[offset] { return false }
        return true
    }

    /// The index of `text` in `buffer` from `index` on, or nil.
    static func find(_ buffer: UnsafeBufferPointer<UInt8>, _ text: StaticString, from index: Int) -> Int? {
        guard let base = buffer.baseAddress else { return nil }
        let length = text.utf8CodeUnitCount
        let pattern = text.utf8Start
        var cursor = index
        while cursor + length <= buffer.count {
            // memchr finds the first byte far faster than a loop of ours.
            guard let hit = memchr(base + cursor, Int32(pattern[0]), buffer.count - cursor - length + 1) else {
                return nil
            }
            let position = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            var matched = true
            for offset in 1..<length where buffer[position + offset] != pattern[offset] {
                matched = false
                break
            }
            if matched { return position }
            cursor = position + 1
        }
        return nil
    }

    func find(_ text: StaticString, from index: Int) -> Int? {
        Self.find(bytes, text, from: index)
    }

    /// Where the open section ends in this piece (the index after its terminator), or nil.
    func resumeSection(_ section: Section) -> Int? {
        let terminator = section.terminator
        let length = terminator.utf8CodeUnitCount
        let pattern = terminator.utf8Start
        // A terminator cut by the boundary: its first `carried` bytes end the tail, the rest start this piece.
        var carried = min(sectionTail.count, length - 1)
        while carried > 0 {
            let rest = length - carried
            if rest <= bytes.count,
                (0..<carried).allSatisfy({ sectionTail[sectionTail.count - carried + $0] == pattern[$0] }),
                (0..<rest).allSatisfy({ bytes[$0] == pattern[carried + $0] })
            {
                return rest
            }
            carried -= 1
        }
        return find(terminator, from: 0).map { $0 + length }
    }

    /// Remembers the last bytes of the open section, from `start` in this piece.
    mutating func keepTail(from start: Int) {
        let newBytes = bytes[start...].suffix(2)
        sectionTail = Array((sectionTail + newBytes).suffix(2))
    }

    /// Skips a comment, CDATA section, processing instruction or DOCTYPE starting at `<`; returns the
    /// index after it, or after the `<` for an ordinary tag; nil when the piece ends before that is known.
    mutating func skipMarkupDeclaration(at index: Int) -> Int? {
        let count = bytes.count
        guard index + 1 < count, bytes[index + 1] == UInt8(ascii: "!") || bytes[index + 1] == UInt8(ascii: "?") else {
            if index + 1 < count, bytes[index + 1] != UInt8(ascii: "/") {
                sawStartTag = true
                if divert != nil {
                    switch startTagShape(at: index) {
                    case .plain(let tagEnd):
                        if let resume = divertText(afterTagEndingAt: tagEnd) { return resume }
                    case .malformed: stopDiverting()
                    case .cut: return nil
                    case .sound: break
                    }
                }
            }
            return index + 1
        }
        // The longest opener is nine bytes (`<![CDATA[`, `<!DOCTYPE`).
        if needsMore(index + 9) { return nil }
        let section: Section
        let bodyStart: Int
        if matches(at: index, "<!--") {
            (section, bodyStart) = (.comment, index + 4)
        } else if matches(at: index, "<![CDATA[") {
            (section, bodyStart) = (.cdata, index + 9)
        } else if matches(at: index, "<?") {
            (section, bodyStart) = (.instruction, index + 2)
        } else if matches(at: index, "<!DOCTYPE") {
            return skipDoctype(at: index)
        } else {
            return index + 1
        }
        if let end = find(section.terminator, from: bodyStart) {
            let after = end + section.terminator.utf8CodeUnitCount
            if section == .cdata { mendCDATA(at: index, body: bodyStart, end, after: after) }
            if section == .instruction, memchr(bytes.baseAddress! + bodyStart, 0x3C, end - bodyStart) != nil {
                stopDiverting()
            }
            return after
        }
        if section == .cdata { dropForbiddenInCDATA(bodyStart, count) }
        if section == .instruction { stopDiverting() }
        if !isFinal {
            openSection = section
            sectionTail = []
            keepTail(from: min(bodyStart, count))
        }
        return count
    }

    /// Skips the DOCTYPE, noting the entities its internal subset declares and whether it names an
    /// external DTD (which, unread, may define HTML entities); nil when the piece ends inside it.
    mutating func skipDoctype(at index: Int) -> Int? {
        let count = bytes.count
        var cursor = index + 9
        var quote: UInt8? = nil
        while cursor < count {
            let byte = bytes[cursor]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == 0x22 || byte == 0x27 {
                quote = byte
            } else if byte == UInt8(ascii: "[") {
                // An internal subset: libxml2 reads its declarations more closely than this pass does.
                stopDiverting()
                break
            } else if byte == UInt8(ascii: ">") {
                noteExternalID(from: index, to: cursor)
                return cursor + 1
            }
            cursor += 1
        }
        if needsMore(cursor) { return nil }
        noteExternalID(from: index, to: cursor)
        guard cursor < count else { return count }
        guard let close = find("]", from: cursor) else { return needsMore(count) ? nil : count }
        guard let end = find(">", from: close) else { return needsMore(count) ? nil : count }
        var scan = cursor
        while let declaration = find("<!ENTITY", from: scan), declaration < close {
            var nameStart = declaration + 8
            while nameStart < close,
                bytes[nameStart] == 0x20 || bytes[nameStart] == 0x09 || bytes[nameStart] == 0x0A
                    || bytes[nameStart] == 0x0D
            {
                nameStart += 1
            }
            var nameEnd = nameStart
            while nameEnd < close, Self.isNameByte(bytes[nameEnd]) { nameEnd += 1 }
            if nameEnd > nameStart {
                let name = Array(bytes[nameStart..<nameEnd])
                let declarationEnd = find(">", from: nameEnd) ?? close
                let body = UnsafeBufferPointer(rebasing: bytes[nameEnd..<min(declarationEnd, close)])
                let quoted = body.firstIndex { $0 == 0x22 || $0 == 0x27 } ?? body.count
                let head = UnsafeBufferPointer(rebasing: body[0..<quoted])
                if Self.find(head, "SYSTEM", from: 0) != nil || Self.find(head, "PUBLIC", from: 0) != nil {
                    externalEntities.insert(name)
                } else {
                    declaredEntities.insert(name)
                }
            }
            scan = nameEnd
        }
        return end + 1
    }

    mutating func noteExternalID(from start: Int, to end: Int) {
        let declaration = UnsafeBufferPointer(rebasing: bytes[start..<end])
        if Self.find(declaration, "SYSTEM", from: 0) != nil || Self.find(declaration, "PUBLIC", from: 0) != nil {
            hasExternalDTD = true
        }
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: ":") || byte >= 0x80
    }

    // MARK: CDATA

    /// A whole CDATA section (`<![CDATA[` at `start`, content `bodyStart..<bodyEnd`, `after` past `]]>`):
    /// drops what XML forbids in it, or diverts its content (see `XMLRepairer.divertCDATA`).
    mutating func mendCDATA(at start: Int, body bodyStart: Int, _ bodyEnd: Int, after: Int) {
        let body = UnsafeBufferPointer(rebasing: bytes[bodyStart..<bodyEnd])
        let look = Self.lookAtCDATA(body)
        if look.forbidden {
            dropForbiddenInCDATA(bodyStart, bodyEnd)
            return
        }
        // Before the root element, CDATA is an error libxml2 reports where it is; a placeholder is not.
        guard let divert, sawStartTag, body.count >= minimumDiverted else { return }
        divert(body)
        replaceWithPlaceholder(start, after, lineFeeds: look.lineFeeds)
    }

    /// Diverts nothing more in this document: the text is diverted on this pass's reading of where
    /// markup ends, and after a processing instruction (or XML declaration) holding a `<`, one this piece
    /// leaves open, or a DOCTYPE with an internal subset, libxml2 may read the document another way. A
    /// placeholder libxml2 then took for text or an attribute value would lose the text it stands for.
    mutating func stopDiverting() {
        divert = nil
    }

    /// Replaces `bytes[start..<end]`, whose text was diverted, with the next placeholder instruction.
    mutating func replaceWithPlaceholder(_ start: Int, _ end: Int, lineFeeds: Int) {
        beginReplacement(at: start)
        output.append(contentsOf: "<?".utf8)
        output.append(contentsOf: placeholderTarget)
        output.append(0x20)
        output.append(contentsOf: String(divertedCount).utf8)
        output.append(contentsOf: repeatElement(0x0A, count: lineFeeds))
        output.append(contentsOf: "?>".utf8)
        copied = end
        divertedCount += 1
    }

    /// Counts the line feeds of a CDATA section's content, and tells whether it holds something XML forbids
    /// there (a control character other than tab and line breaks, U+FFFE, U+FFFF).
    static func lookAtCDATA(_ body: UnsafeBufferPointer<UInt8>) -> (lineFeeds: Int, forbidden: Bool) {
        guard let base = body.baseAddress else { return (0, false) }
        let raw = UnsafeRawPointer(base)
        var lineFeeds = 0
        var index = 0
        while index + 8 <= body.count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let lineFeed = ByteWord.equal(word, 0x0A)
            lineFeeds += lineFeed.nonzeroBitCount
            let unusual = (ByteWord.below(word, 0x20) & ~lineFeed) | ByteWord.equal(word, 0xEF)
            if unusual != 0 {
                for offset in 0..<8 where unusual & (0x80 << UInt64(offset * 8)) != 0 {
                    if forbiddenLength(body, at: index + offset) > 0 { return (lineFeeds, true) }
                }
            }
            index += 8
        }
        while index < body.count {
            if body[index] == 0x0A { lineFeeds += 1 }
            if forbiddenLength(body, at: index) > 0 { return (lineFeeds, true) }
            index += 1
        }
        return (lineFeeds, false)
    }

    /// The length of a character XML forbids in CDATA at `index`, or 0.
    static func forbiddenLength(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let byte = buffer[index]
        if byte < 0x20 { return byte == 0x09 || byte == 0x0A || byte == 0x0D ? 0 : 1 }
        if byte == 0xEF, index + 2 < buffer.count, buffer[index + 1] == 0xBF,
            buffer[index + 2] == 0xBE || buffer[index + 2] == 0xBF
        {
            return 3
        }
        return 0
    }

    /// Drops what XML forbids in CDATA from `bytes[start..<end]` (libxml2 would stop reading there).
    mutating func dropForbiddenInCDATA(_ start: Int, _ end: Int) {
        var index = start
        while index < end {
            let length = Self.forbiddenLength(bytes, at: index)
            if length == 0 {
                index += 1
                continue
            }
            note(.controlCharacter, at: index)
            replace(index, index + length, with: "")
            index += length
        }
    }

    // MARK: Text runs

    /// Diverts the text after a plain start tag ending at `tagEnd` when it qualifies (see
    /// `XMLRepairer.divertText`); returns where reading goes on (the `<` after the text), or nil.
    mutating func divertText(afterTagEndingAt tagEnd: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let textStart = tagEnd + 1
        let count = bytes.count
        guard count - textStart >= minimumDiverted,
            let hit = memchr(base + textStart, 0x3C, count - textStart)
        else { return nil }
        let textEnd = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        guard textEnd - textStart >= minimumDiverted, let divert,
            let lineFeeds = decodeText(UnsafeBufferPointer(rebasing: bytes[textStart..<textEnd]))
        else { return nil }
        decoded.withUnsafeBufferPointer { divert($0) }
        replaceWithPlaceholder(textStart, textEnd, lineFeeds: lineFeeds)
        return textEnd
    }

    /// What a start tag looks like to this pass, which decides whether text after it may be diverted.
    enum TagShape {
        /// Well formed with nothing to mend; the `>` is at this index.
        case plain(Int)
        /// Well formed, but the main loop has something to mend in it (a reference, a control character),
        /// or it is an empty-element tag: no text of its own to divert.
        case sound
        /// libxml2 will report an error here and recover in its own way: stop diverting.
        case malformed
        /// The piece ends inside it.
        case cut
    }

    /// The longest start tag read whole to decide on its shape; a longer one counts as malformed.
    static let longestTag = 4096

    /// The shape of the start tag at `start` (`<` followed by a name).
    func startTagShape(at start: Int) -> TagShape {
        let end = min(bytes.count, start + Self.longestTag)
        let needsLook = Self.needsLookTable
        let cut: TagShape = end < start + Self.longestTag && !isFinal ? .cut : .malformed
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }
        func isNameEnd(_ byte: UInt8) -> Bool {
            isSpace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=")
        }
        var plain = true
        /// Reads a name at `cursor`; false when it is empty or holds what no name may.
        func name(_ cursor: inout Int) -> Bool {
            let nameStart = cursor
            while cursor < end, !isNameEnd(bytes[cursor]) {
                let byte = bytes[cursor]
                if byte == 0x3C || byte == 0x26 || byte == 0x22 || byte == 0x27 { return false }
                if needsLook[Int(byte)] { plain = false }
                cursor += 1
            }
            return cursor > nameStart || cursor == end
        }
        var cursor = start + 1
        guard name(&cursor) else { return .malformed }
        while cursor < end {
            let before = cursor
            while cursor < end, isSpace(bytes[cursor]) { cursor += 1 }
            guard cursor < end else { return cut }
            if bytes[cursor] == UInt8(ascii: ">") { return plain ? .plain(cursor) : .sound }
            if bytes[cursor] == UInt8(ascii: "/") {
                guard cursor + 1 < end else { return cut }
                return bytes[cursor + 1] == UInt8(ascii: ">") ? .sound : .malformed
            }
            // An attribute, after white space: name = "value" or 'value'.
            guard cursor > before, name(&cursor) else { return .malformed }
            while cursor < end, isSpace(bytes[cursor]) { cursor += 1 }
            guard cursor < end else { return cut }
            guard bytes[cursor] == UInt8(ascii: "=") else { return .malformed }
            cursor += 1
            while cursor < end, isSpace(bytes[cursor]) { cursor += 1 }
            guard cursor < end else { return cut }
            guard bytes[cursor] == 0x22 || bytes[cursor] == 0x27 else { return .malformed }
            let quote = bytes[cursor]
            cursor += 1
            while cursor < end, bytes[cursor] != quote {
                let byte = bytes[cursor]
                if byte == 0x3C { return .malformed }
                if needsLook[Int(byte)] || byte == 0x0D { plain = false }
                cursor += 1
            }
            guard cursor < end else { return cut }
            cursor += 1
            guard cursor < end else { return cut }
            let next = bytes[cursor]
            guard isSpace(next) || next == UInt8(ascii: ">") || next == UInt8(ascii: "/") else { return .malformed }
        }
        return cut
    }

    /// Decodes a run of text into `decoded` as libxml2 would report it, and returns its line feeds; nil when
    /// it holds something to leave to the repair pass and libxml2: an entity other than the five predefined
    /// ones, a reference that needs mending, a control character or carriage return, a C1 control, U+FFFE,
    /// U+FFFF or `]]>`.
    mutating func decodeText(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = text.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        let count = text.count
        decoded.removeAll(keepingCapacity: true)
        var lineFeeds = 0
        var copied = 0
        var index = 0
        while index < count {
            index = ByteWord.skip(raw, from: index, count: count) { word in
                ByteWord.equal(word, 0x26) | ByteWord.below(word, 0x20) | ByteWord.equal(word, 0x5D)
                    | ByteWord.equal(word, 0xC2) | ByteWord.equal(word, 0xEF)
            }
            guard index < count else { break }
            let byte = text[index]
            switch byte {
            case 0x0A:
                lineFeeds += 1
                index += 1
            case 0x09:
                index += 1
            case 0x26:
                guard let (scalar, end) = Self.simpleReference(text, at: index) else { return nil }
                decoded.append(contentsOf: UnsafeBufferPointer(rebasing: text[copied..<index]))
                TextDecoder.appendUTF8(scalar, to: &decoded)
                index = end
                copied = end
            case 0x5D:
                if index + 2 < count && text[index + 1] == 0x5D && text[index + 2] == 0x3E { return nil }
                index += 1
            case 0xC2:
                if index + 1 < count && text[index + 1] >= 0x80 && text[index + 1] <= 0x9F { return nil }
                index += 1
            case 0xEF:
                if Self.forbiddenLength(text, at: index) > 0 { return nil }
                index += 1
            default:
                if byte < 0x20 { return nil }
                index += 1
            }
        }
        decoded.append(contentsOf: UnsafeBufferPointer(rebasing: text[copied..<count]))
        return lineFeeds
    }

    /// The character of a predefined entity or character reference at `&` that needs no mending, and the
    /// index after it; nil for anything else.
    static func simpleReference(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt32, Int)? {
        if let predefined = predefinedEntity(text, at: index) { return predefined }
        let count = text.count
        guard index + 3 < count, text[index + 1] == UInt8(ascii: "#") else { return nil }
        var cursor = index + 2
        let hex = text[cursor] == UInt8(ascii: "x")
        if hex { cursor += 1 }
        let digitsStart = cursor
        var value: UInt32 = 0
        while cursor < count, cursor - digitsStart < 8, let digit = HTMLEntities.digit(text[cursor], hex: hex) {
            value = value * (hex ? 16 : 10) + digit
            cursor += 1
        }
        guard cursor > digitsStart, cursor < count, text[cursor] == UInt8(ascii: ";"), isXMLCharacter(value),
            !(0x80...0x9F).contains(value)
        else { return nil }
        return (value, cursor + 1)
    }

    /// The character of `&lt;`, `&gt;`, `&amp;`, `&quot;` or `&apos;` at `index`, and the index after it.
    static func predefinedEntity(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> (UInt32, Int)? {
        let count = text.count
        guard index + 3 < count else { return nil }
        let (a, b, c) = (text[index + 1], text[index + 2], text[index + 3])
        if b == UInt8(ascii: "t") && c == UInt8(ascii: ";") {
            if a == UInt8(ascii: "l") { return (0x3C, index + 4) }
            if a == UInt8(ascii: "g") { return (0x3E, index + 4) }
        }
        guard index + 4 < count else { return nil }
        let d = text[index + 4]
        if a == UInt8(ascii: "a") && b == UInt8(ascii: "m") && c == UInt8(ascii: "p") && d == UInt8(ascii: ";") {
            return (0x26, index + 5)
        }
        guard index + 5 < count, text[index + 5] == UInt8(ascii: ";") else { return nil }
        if a == UInt8(ascii: "q") && b == UInt8(ascii: "u") && c == UInt8(ascii: "o") && d == UInt8(ascii: "t") {
            return (0x22, index + 6)
        }
        if a == UInt8(ascii: "a") && b == UInt8(ascii: "p") && c == UInt8(ascii: "o") && d == UInt8(ascii: "s") {
            return (0x27, index + 6)
        }
        return nil
    }

    /// `&#N;` for one of the predefined entities' characters.
    static func characterReference(_ scalar: UInt32) -> StaticString {
        switch scalar {
        case 0x3C: return "&#60;"
        case 0x3E: return "&#62;"
        case 0x26: return "&#38;"
        case 0x22: return "&#34;"
        default: return "&#39;"
        }
    }

    // MARK: References

    /// Checks the reference at `&`, mending it where needed; returns the index after it, or nil when the
    /// piece ends before the reference does.
    mutating func mendReference(at index: Int) -> Int? {
        let count = bytes.count
        // The five predefined entities become character references: libxml2 drops every entity reference in
        // text once it has met an error anywhere in the document, but never a character reference.
        if let (scalar, end) = Self.predefinedEntity(bytes, at: index) {
            replace(index, end, with: Self.characterReference(scalar))
            return end
        }
        var cursor = index + 1
        if needsMore(cursor) { return nil }
        if cursor < count && bytes[cursor] == UInt8(ascii: "#") {
            cursor += 1
            if needsMore(cursor) { return nil }
            var hex = false
            if cursor < count && (bytes[cursor] == UInt8(ascii: "x") || bytes[cursor] == UInt8(ascii: "X")) {
                hex = true
                cursor += 1
            }
            let upperX = hex && bytes[cursor - 1] == UInt8(ascii: "X")
            var value: UInt32 = 0
            let digitsStart = cursor
            while cursor < count, cursor - digitsStart < 8, let digit = HTMLEntities.digit(bytes[cursor], hex: hex) {
                value = value * (hex ? 16 : 10) + digit
                cursor += 1
            }
            if needsMore(cursor) { return nil }
            guard cursor > digitsStart, cursor < count, bytes[cursor] == UInt8(ascii: ";") else {
                note(.bareAmpersand, at: index)
                replace(index, index + 1, with: "&amp;")
                return index + 1
            }
            let end = cursor + 1
            if (0x80...0x9F).contains(value) {
                // Browsers read these as windows-1252 (`&#146;` is a quote); so does everyone who wrote one.
                replace(index, end, with: Array("&#\(TextDecoder.windows1252High[Int(value - 0x80)]);".utf8))
            } else if !Self.isXMLCharacter(value) {
                note(.badReference, at: index, exampleEnd: end)
                replace(index, end, with: "")
            } else if upperX {
                replace(index, end, with: Array("&#\(value);".utf8))
            }
            return end
        }
        let nameStart = cursor
        while cursor < count, cursor - nameStart < 40, Self.isNameByte(bytes[cursor]) { cursor += 1 }
        if needsMore(cursor) { return nil }
        guard cursor > nameStart, cursor < count, bytes[cursor] == UInt8(ascii: ";"), !Self.isDigit(bytes[nameStart])
        else {
            note(.bareAmpersand, at: index)
            replace(index, index + 1, with: "&amp;")
            return index + 1
        }
        let name = UnsafeBufferPointer(rebasing: bytes[nameStart..<cursor])
        let end = cursor + 1
        if declaredEntities.contains(Array(name)) { return end }
        if externalEntities.contains(Array(name)) {
            note(.externalReference, at: index, exampleEnd: end)
            replace(index, end, with: "")
            return end
        }
        if let value = HTMLEntities.codePoint(named: name) {
            if !hasExternalDTD {
                note(.htmlEntity, at: index, exampleEnd: end)
            }
            replace(index, end, with: Array("&#\(value);".utf8))
        } else {
            note(.unknownEntity, at: index, exampleEnd: end)
            replace(index, index + 1, with: "&amp;")
        }
        return end
    }

    /// Whether a byte after `<` can begin a tag, end tag, comment, CDATA section or instruction.
    static func canStartMarkup(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte == UInt8(ascii: "/")
            || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: ":") || byte >= 0x80
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func isXMLCharacter(_ value: UInt32) -> Bool {
        switch value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    // MARK: Diagnostics

    func diagnostics() -> [XMLDiagnostic] {
        var result: [XMLDiagnostic] = []
        if leadingDropped > 0 {
            let what =
                leadingBlank ? "white space before the XML declaration" : "\(leadingDropped) bytes before the first tag"
            result.append(XMLDiagnostic(line: 1, message: "\(what) ignored"))
        }
        for kind in FindingKind.allCases {
            let finding = findings[kind.rawValue]
            guard finding.count > 0 else { continue }
            let more = finding.count > 1 ? " (\(finding.count) in all)" : ""
            let message: String
            switch kind {
            case .bareAmpersand: message = "unescaped \"&\" read as text\(more)"
            case .htmlEntity: message = "HTML entity \(finding.example) used without a DTD, decoded\(more)"
            case .unknownEntity: message = "undefined entity \(finding.example) kept as text\(more)"
            case .externalReference: message = "external entity \(finding.example) not loaded\(more)"
            case .badReference: message = "reference \(finding.example) to a character XML forbids dropped\(more)"
            case .strayLessThan: message = "unescaped \"<\" read as text\(more)"
            case .controlCharacter: message = "control character XML forbids dropped\(more)"
            }
            result.append(XMLDiagnostic(line: finding.line, message: message))
        }
        return result
    }
}
