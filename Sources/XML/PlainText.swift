/// Plain text from HTML: the one converter for the parser's text fields (spec/feed-json.md: a title,
/// an author's name, a category) and the text hooks get (docs/hooks.md: filters, the text part of a
/// mail, a template's `text`). Works on UTF-8 bytes.
///
/// Both layouts read the HTML the same way: a `<` followed by a letter, `/`, `!` or `?` opens a tag (a
/// quoted attribute value may hold `>`), `<!-- … -->` is a comment, any other `<` is text; character
/// references are decoded by `HTMLEntities.reference(in:at:)`, and an `&` that starts none stays as it is.
/// Runs of white space (space, tab, line feed, carriage return) fold to one space and the ends are trimmed;
/// U+00A0 (`&nbsp;`) is not white space, as in HTML, and stays a no-break space.
public enum PlainText {
    public enum Layout: Sendable, Hashable {
        /// One line: each tag or comment separates words and nothing else.
        case line
        /// Paragraphs: `script` and `style` are dropped with their content, block ends become line breaks
        /// (at most one empty line), list items start with "- ", an image gives its `alt` text, and with
        /// `keepLinks` a link is followed by its URL in angle brackets when its text does not already show
        /// it. Inline tags (`<b>`) separate nothing: `<b>W</b>ord` is "Word".
        case blocks(keepLinks: Bool)
    }

    /// The plain text of an HTML fragment.
    public static func fromHTML(_ html: String, layout: Layout = .line) -> String {
        withBytes(html) { bytes -> String? in
            if layout == .line, !bytes.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "&") }) {
                return needsFolding(bytes) ? nil : html
            }
            var converter = Converter(layout: layout, capacity: bytes.count)
            converter.convert(bytes)
            return String(decoding: converter.output, as: UTF8.self)
        } ?? folded(html)
    }

    /// Folds runs of XML white space to one space and trims. U+00A0 is not white space.
    public static func folded(_ text: String) -> String {
        withBytes(text) { bytes in
            guard needsFolding(bytes) else { return text }
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count)
            var pendingSpace = false
            for byte in bytes {
                if isSpace(byte) {
                    pendingSpace = !output.isEmpty
                } else {
                    if pendingSpace {
                        output.append(0x20)
                        pendingSpace = false
                    }
                    output.append(byte)
                }
            }
            return String(decoding: output, as: UTF8.self)
        }
    }

    /// Whether folding would change the text: white space at either end, a tab or line break, or two spaces.
    static func needsFolding(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first, let last = bytes.last else { return false }
        if first == 0x20 || last == 0x20 { return true }
        var previousWasSpace = false
        for byte in bytes {
            if byte == 0x09 || byte == 0x0A || byte == 0x0D || (byte == 0x20 && previousWasSpace) { return true }
            previousWasSpace = byte == 0x20
        }
        return false
    }

    /// The text's UTF-8 bytes, without a copy when the string has them in one piece.
    static func withBytes<Result>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(text.utf8).withUnsafeBufferPointer(body)
    }

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// Whether a byte after `<` opens a tag, comment, declaration or instruction.
    @inline(__always)
    static func startsTag(_ byte: UInt8) -> Bool {
        isLetter(byte) || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?")
    }

    @inline(__always)
    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A)
    }
}

/// One conversion: the text so far and the white space and line breaks waiting to be written.
private struct Converter {
    let isLine: Bool
    let keepLinks: Bool
    var output: [UInt8] = []
    var pendingSpace = false
    var pendingBreaks = 0
    /// The URL of the open link, and where its text starts in `output` (with `keepLinks`).
    var linkURL: [UInt8]? = nil
    var linkTextStart = 0

    init(layout: PlainText.Layout, capacity: Int) {
        switch layout {
        case .line: (isLine, keepLinks) = (true, false)
        case .blocks(let keepLinks): (isLine, self.keepLinks) = (false, keepLinks)
        }
        output.reserveCapacity(capacity)
    }

    mutating func convert(_ bytes: UnsafeBufferPointer<UInt8>) {
        let count = bytes.count
        var index = 0
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "<"), index + 1 < count, PlainText.startsTag(bytes[index + 1]) {
                if PlainText.matches(bytes, at: index, "<!--") {
                    index = PlainText.find(bytes, "-->", from: index + 4).map { $0 + 3 } ?? count
                    if isLine { pendingSpace = true }
                    continue
                }
                let end = PlainText.tagEnd(bytes, from: index + 1)
                // The tag's text between `<` and `>` (to the end of the input when nothing closes it).
                let textEnd = bytes[end - 1] == UInt8(ascii: ">") ? end - 1 : end
                let tag = UnsafeBufferPointer(rebasing: bytes[(index + 1)..<textEnd])
                index = end
                if isLine {
                    // A tag separates words (`<br>`, `</p><p>`).
                    pendingSpace = true
                } else {
                    index = block(tag, in: bytes, after: index)
                }
                continue
            }
            if byte == UInt8(ascii: "&"), let (scalar, end) = HTMLEntities.reference(in: bytes, at: index) {
                emit(scalar: scalar)
                index = end
                continue
            }
            emit(byte)
            index += 1
        }
    }

    /// Writes a byte of text, after the white space or line breaks waiting before it.
    @inline(__always)
    mutating func emit(_ byte: UInt8) {
        if PlainText.isSpace(byte) {
            pendingSpace = true
            return
        }
        if pendingSpace || pendingBreaks > 0 { flushPending() }
        output.append(byte)
    }

    mutating func emit(scalar: UInt32) {
        if scalar < 0x80 {
            emit(UInt8(scalar))
            return
        }
        if pendingSpace || pendingBreaks > 0 { flushPending() }
        TextDecoder.appendUTF8(scalar, to: &output)
    }

    mutating func emit(_ bytes: UnsafeBufferPointer<UInt8>) {
        for byte in bytes { emit(byte) }
    }

    private mutating func flushPending() {
        if !output.isEmpty {
            if pendingBreaks > 0 {
                output.append(contentsOf: repeatElement(0x0A, count: min(pendingBreaks, 2)))
            } else {
                output.append(0x20)
            }
        }
        pendingBreaks = 0
        pendingSpace = false
    }

    private mutating func lineBreak(_ count: Int) {
        pendingBreaks = max(pendingBreaks, count)
        pendingSpace = false
    }

    /// What a tag does in the `blocks` layout (`tag` is its text between `<` and `>`); returns where
    /// reading goes on (past the content of `script` and `style`).
    private mutating func block(
        _ tag: UnsafeBufferPointer<UInt8>, in bytes: UnsafeBufferPointer<UInt8>, after index: Int
    )
        -> Int
    {
        let isClosing = tag.first == UInt8(ascii: "/")
        var nameEnd = isClosing ? 1 : 0
        while nameEnd < tag.count, HTMLEntities.isLetterOrDigit(tag[nameEnd]) { nameEnd += 1 }
        let name = UnsafeBufferPointer(rebasing: tag[(isClosing ? 1 : 0)..<nameEnd])
        func named(_ names: StaticString...) -> Bool { names.contains { PlainText.equalIgnoringCase(name, $0) } }
        if named("script", "style") {
            guard !isClosing else { return index }
            let closer: StaticString = PlainText.equalIgnoringCase(name, "script") ? "</script" : "</style"
            guard let close = PlainText.findIgnoringCase(bytes, closer, from: index) else { return index }
            let after = close + closer.utf8CodeUnitCount
            return PlainText.find(bytes, ">", from: after).map { $0 + 1 } ?? after
        }
        if named("br") {
            lineBreak(1)
        } else if named(
            "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "figure",
            "section", "article", "header", "footer", "hr")
        {
            lineBreak(2)
        } else if named("li") {
            if !isClosing {
                lineBreak(1)
                emit(UInt8(ascii: "-"))
                pendingSpace = true
            }
        } else if named("tr", "dt", "dd") {
            lineBreak(1)
        } else if keepLinks && named("a") {
            if isClosing {
                if let url = linkURL, !url.isEmpty, !PlainText.contains(output[linkTextStart...], url) {
                    pendingSpace = true
                    emit(UInt8(ascii: "<"))
                    url.withUnsafeBufferPointer { emit($0) }
                    emit(UInt8(ascii: ">"))
                }
                linkURL = nil
            } else {
                linkURL = PlainText.attribute("href", in: tag).map { Array(HTMLEntities.decoded($0).utf8) }
                linkTextStart = output.count
            }
        } else if named("img") {
            if let alt = PlainText.attribute("alt", in: tag), !alt.isEmpty {
                var decoded = HTMLEntities.decoded(alt)
                decoded.withUTF8 { emit($0) }
            }
        }
        return index
    }
}

extension PlainText {
    /// The index after the `>` that ends a tag whose name starts at `index`, skipping quoted values.
    static func tagEnd(_ bytes: UnsafeBufferPointer<UInt8>, from index: Int) -> Int {
        var cursor = index
        var quote: UInt8? = nil
        while cursor < bytes.count {
            let byte = bytes[cursor]
            if let open = quote {
                if byte == open { quote = nil }
            } else if (byte == 0x22 || byte == 0x27) && cursor > index && bytes[cursor - 1] == UInt8(ascii: "=") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                return cursor + 1
            }
            cursor += 1
        }
        return bytes.count
    }

    static func matches(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, _ text: StaticString) -> Bool {
        let length = text.utf8CodeUnitCount
        guard index + length <= bytes.count else { return false }
        for offset in 0..<length where bytes[index + offset] != text.utf8Start[offset] { return false }
        return true
    }

    static func find(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString, from start: Int) -> Int? {
        var index = start
        while index + text.utf8CodeUnitCount <= bytes.count {
            if matches(bytes, at: index, text) { return index }
            index += 1
        }
        return nil
    }

    /// Where `text` (lower-case ASCII) first occurs from `start` on, ignoring ASCII case.
    static func findIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString, from start: Int) -> Int? {
        let length = text.utf8CodeUnitCount
        var index = start
        while index + length <= bytes.count {
            if equalIgnoringCase(UnsafeBufferPointer(rebasing: bytes[index..<(index + length)]), text) { return index }
            index += 1
        }
        return nil
    }

    /// Whether `bytes` are `text` (lower-case ASCII), ignoring ASCII case.
    static func equalIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        guard bytes.count == text.utf8CodeUnitCount else { return false }
        for offset in 0..<bytes.count {
            let byte = bytes[offset]
            let lower = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            if lower != text.utf8Start[offset] { return false }
        }
        return true
    }

    static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        var start = haystack.startIndex
        while start + needle.count <= haystack.endIndex {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
            start += 1
        }
        return false
    }

    /// The value of attribute `name` (lower-case) in a tag's text, quoted or not, as written.
    static func attribute(_ name: StaticString, in tag: UnsafeBufferPointer<UInt8>) -> String? {
        let count = tag.count
        func isSpace(_ byte: UInt8) -> Bool { PlainText.isSpace(byte) || byte == 0x0C }
        var cursor = 0
        while cursor < count, !isSpace(tag[cursor]) { cursor += 1 }
        while cursor < count {
            while cursor < count, isSpace(tag[cursor]) || tag[cursor] == UInt8(ascii: "/") { cursor += 1 }
            let nameStart = cursor
            while cursor < count, !isSpace(tag[cursor]), tag[cursor] != UInt8(ascii: "=") { cursor += 1 }
            let attributeName = UnsafeBufferPointer(rebasing: tag[nameStart..<cursor])
            while cursor < count, isSpace(tag[cursor]) { cursor += 1 }
            guard cursor < count, tag[cursor] == UInt8(ascii: "=") else {
                if cursor == nameStart { cursor += 1 }
                continue
            }
            cursor += 1
            while cursor < count, isSpace(tag[cursor]) { cursor += 1 }
            let valueStart: Int
            let valueEnd: Int
            if cursor < count, tag[cursor] == 0x22 || tag[cursor] == 0x27 {
                let quote = tag[cursor]
                valueStart = cursor + 1
                cursor = valueStart
                while cursor < count, tag[cursor] != quote { cursor += 1 }
                valueEnd = cursor
                cursor = min(cursor + 1, count)
            } else {
                valueStart = cursor
                while cursor < count, !isSpace(tag[cursor]) { cursor += 1 }
                valueEnd = cursor
            }
            if equalIgnoringCase(attributeName, name) {
                return String(decoding: tag[valueStart..<valueEnd], as: UTF8.self)
            }
        }
        return nil
    }
}
