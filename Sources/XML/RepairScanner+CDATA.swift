/// CDATA content: what XML forbids in it dropped, or long content diverted.
extension RepairScanner {
    /// A whole CDATA section (`<![CDATA[` at `start`, content `bodyStart..<bodyEnd`, `after` past `]]>`):
    /// drops what XML forbids in it, or diverts its content (see `XMLRepairer.divertText`).
    mutating func mendCDATA(at start: Int, body bodyStart: Int, _ bodyEnd: Int, after: Int) {
        let body = UnsafeBufferPointer(rebasing: bytes[bodyStart..<bodyEnd])
        let look = Self.lookAtCDATA(body)
        if look.forbidden {
            dropForbiddenInCDATA(bodyStart, bodyEnd)
            return
        }
        // Before the root element, CDATA is an error libxml2 reports where it is; a placeholder is not.
        guard let divert = diversion.divert, sawStartTag, body.count >= diversion.minimumLength else { return }
        divert(body)
        replaceWithPlaceholder(start, after, lineFeeds: look.lineFeeds)
    }

    /// Diverts nothing more in this document: the text is diverted on this pass's reading of where
    /// markup ends, and after a processing instruction (or XML declaration) holding a `<`, one this piece
    /// leaves open, or a DOCTYPE with an internal subset, libxml2 may read the document another way. A
    /// placeholder libxml2 then took for text or an attribute value would lose the text it stands for.
    mutating func stopDiverting() {
        diversion.divert = nil
    }

    /// Replaces `bytes[start..<end]`, whose text was diverted, with the next placeholder instruction.
    mutating func replaceWithPlaceholder(_ start: Int, _ end: Int, lineFeeds: Int) {
        beginReplacement(at: start)
        output.append(contentsOf: "<?".utf8)
        output.append(contentsOf: diversion.target)
        output.append(0x20)
        output.append(contentsOf: String(diversion.count).utf8)
        output.append(contentsOf: repeatElement(0x0A, count: lineFeeds))
        output.append(contentsOf: "?>".utf8)
        copied = end
        diversion.count += 1
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
}
