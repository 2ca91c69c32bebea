import Glibc

/// A comment, CDATA section or processing instruction that goes on past the end of a piece.
enum Section {
    case comment, cdata, instruction

    var terminator: StaticString {
        switch self {
        case .comment: return "-->"
        case .cdata: return "]]>"
        case .instruction: return "?>"
        }
    }
}

/// Sections: comments, CDATA sections, processing instructions and the DOCTYPE, found and skipped, also
/// across pieces.
extension RepairScanner {
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
                if diversion.divert != nil {
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
                    doctype.external.insert(name)
                } else {
                    doctype.declared.insert(name)
                }
            }
            scan = nameEnd
        }
        return end + 1
    }

    mutating func noteExternalID(from start: Int, to end: Int) {
        let declaration = UnsafeBufferPointer(rebasing: bytes[start..<end])
        if Self.find(declaration, "SYSTEM", from: 0) != nil || Self.find(declaration, "PUBLIC", from: 0) != nil {
            doctype.hasExternalDTD = true
        }
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: ":") || byte >= 0x80
    }
}
