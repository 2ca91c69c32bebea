/// Prepares the bytes of an XML document for the parser: finds the encoding (byte order mark, the
/// caller's charset from HTTP, the XML declaration, the byte pattern), decodes to UTF-8, and says what
/// it had to guess. The result is always valid UTF-8.
public enum XMLInput {
    public struct Prepared: Sendable {
        public var utf8: [UInt8]
        /// The encoding the document was read as.
        public var encoding: String
        public var diagnostics: [XMLDiagnostic]
    }

    /// - Parameters:
    ///   - bytes: the document as received.
    ///   - charset: the `charset` parameter of the HTTP Content-Type, if any.
    public static func prepare(_ bytes: [UInt8], charset: String? = nil) -> Prepared {
        var diagnostics: [XMLDiagnostic] = []
        func note(_ message: String) { diagnostics.append(XMLDiagnostic(line: 0, message: message)) }

        if let (bomEncoding, bomLength) = byteOrderMark(bytes) {
            let body = Array(bytes[bomLength...])
            let decoded =
                TextDecoder.decode(body, from: bomEncoding) ?? TextDecoder.Decoded(utf8: body, invalidCount: 0)
            if decoded.invalidCount > 0 {
                let what = bomEncoding == "utf-8" ? "read as windows-1252" : "replaced"
                note("\(decoded.invalidCount) byte sequences not valid in \(bomEncoding) (byte order mark) \(what)")
            }
            return Prepared(utf8: decoded.utf8, encoding: bomEncoding, diagnostics: diagnostics)
        }

        let family = patternFamily(bytes)
        let declared = declaredEncoding(bytes, family: family)
        var candidates: [(label: String, source: String)] = []
        if let charset, !charset.isEmpty { candidates.append((charset, "the HTTP charset")) }
        if let declared { candidates.append((declared, "the XML declaration")) }
        if let family, candidates.allSatisfy({ TextDecoder.canonicalName($0.label) == nil }) {
            candidates.append((family, "the byte pattern"))
        }

        var firstKnown: (name: String, source: String)?
        for (label, source) in candidates {
            guard var name = TextDecoder.canonicalName(label) else {
                note("unknown encoding \"\(label)\" in \(source) ignored")
                continue
            }
            // A document can only be in the family its first bytes show: "UTF-16" declared on ASCII-
            // compatible bytes is a file re-encoded by a tool that kept the old declaration.
            if let family, name.hasPrefix("utf-16") || name.hasPrefix("utf-32") || name.hasPrefix("ucs") {
                if !name.hasPrefix(family.prefix(6)) { name = family }
            } else if family == nil, name.hasPrefix("utf-16") || name.hasPrefix("utf-32") {
                note("\(source) says \(label) but the document is not; read as UTF-8")
                name = "utf-8"
            }
            if firstKnown == nil { firstKnown = (name, source) }
            if name == "windows-1252", containsNonASCII(bytes), TextDecoder.isValidUTF8(bytes) {
                note("\(source) says \(label) but the document is UTF-8; read as UTF-8")
                return Prepared(utf8: bytes, encoding: "utf-8", diagnostics: diagnostics)
            }
            guard let decoded = TextDecoder.decode(bytes, from: name) else { continue }
            if decoded.invalidCount == 0 {
                if let first = firstKnown, first.name != name {
                    note("the document is not valid \(first.name) as \(first.source) says; read as \(name)")
                }
                return Prepared(
                    utf8: withPlainDeclaration(decoded.utf8, declared: declared), encoding: name,
                    diagnostics: diagnostics)
            }
        }

        // Nothing labelled fits (or nothing is labelled): UTF-8, with stray bytes read as windows-1252.
        let name = firstKnown?.name ?? "utf-8"
        if name == "utf-8" || name == "windows-1252" || firstKnown == nil {
            let decoded = TextDecoder.repairingUTF8(bytes)
            if decoded.invalidCount > 0, let first = firstKnown {
                note("\(decoded.invalidCount) bytes not valid in \(first.name) (\(first.source)) read as windows-1252")
            }
            return Prepared(utf8: decoded.utf8, encoding: "utf-8", diagnostics: diagnostics)
        }
        let decoded =
            TextDecoder.decode(bytes, from: name) ?? TextDecoder.repairingUTF8(bytes)
        note("\(decoded.invalidCount) byte sequences not valid in \(name) replaced")
        return Prepared(utf8: decoded.utf8, encoding: name, diagnostics: diagnostics)
    }

    /// How a document that arrives in pieces can be read before the whole of it is there.
    public struct StreamingUTF8: Sendable {
        /// Length of the byte order mark to skip.
        public var skip: Int
        /// What says the document is UTF-8 ("the XML declaration"…), or nil when nothing does.
        public var source: String?

        /// The warning `prepare` gives for `invalidCount` bytes read as windows-1252, if any.
        public func diagnostic(invalidCount: Int) -> XMLDiagnostic? {
            guard invalidCount > 0, let source else { return nil }
            let message =
                skip > 0
                ? "\(invalidCount) byte sequences not valid in utf-8 (byte order mark) read as windows-1252"
                : "\(invalidCount) bytes not valid in utf-8 (\(source)) read as windows-1252"
            return XMLDiagnostic(line: 0, message: message)
        }
    }

    /// Whether a document can be read as UTF-8 as it arrives, with each invalid byte read as windows-1252
    /// (`UTF8Repairer`), giving exactly what `prepare` gives for the whole document. That holds when the
    /// byte order mark, the caller's charset and the XML declaration all say UTF-8 or say nothing. `head`
    /// is the start of the document, at least its first KiB (or all of it when shorter). Nil: use `prepare`.
    public static func streamingUTF8(head: [UInt8], charset: String?) -> StreamingUTF8? {
        if let (encoding, length) = byteOrderMark(head) {
            return encoding == "utf-8" ? StreamingUTF8(skip: length, source: "byte order mark") : nil
        }
        guard patternFamily(head) == nil else { return nil }
        var source: String? = nil
        for (label, labelSource) in [
            (charset, "the HTTP charset"), (declaredEncoding(head, family: nil), "the XML declaration"),
        ] {
            guard let label, !label.isEmpty else { continue }
            guard TextDecoder.canonicalName(label) == "utf-8" else { return nil }
            if source == nil { source = labelSource }
        }
        return StreamingUTF8(skip: 0, source: source)
    }

    /// The document with its XML declaration replaced by `<?xml version="1.0"?>` when the declared
    /// encoding name is one libxml2 would reject (`437`): the bytes are UTF-8 by now in any case.
    static func withPlainDeclaration(_ utf8: [UInt8], declared: String?) -> [UInt8] {
        guard let declared, !isEncodingName(declared) else { return utf8 }
        var start = 0
        while start < utf8.count, [0x20, 0x09, 0x0A, 0x0D].contains(utf8[start]) { start += 1 }
        guard utf8[start...].starts(with: Array("<?xml".utf8)),
            let end = firstIndex(of: Array("?>".utf8), in: utf8, from: start)
        else { return utf8 }
        return Array("<?xml version=\"1.0\"?>".utf8) + utf8[(end + 2)...]
    }

    /// XML's EncName: a letter, then letters, digits, `.`, `_` and `-`.
    static func isEncodingName(_ name: String) -> Bool {
        for (index, scalar) in name.unicodeScalars.enumerated() {
            let isLetter = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
            if index == 0
                ? !isLetter : !(isLetter || (scalar >= "0" && scalar <= "9") || ".-_".unicodeScalars.contains(scalar))
            {
                return false
            }
        }
        return !name.isEmpty
    }

    private static func containsNonASCII(_ bytes: [UInt8]) -> Bool {
        bytes.contains { $0 >= 0x80 }
    }

    /// The encoding a byte order mark names, and the mark's length.
    static func byteOrderMark(_ bytes: [UInt8]) -> (String, Int)? {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return ("utf-8", 3) }
        if bytes.starts(with: [0x00, 0x00, 0xFE, 0xFF]) { return ("utf-32be", 4) }
        if bytes.starts(with: [0xFF, 0xFE, 0x00, 0x00]) { return ("utf-32le", 4) }
        if bytes.starts(with: [0xFE, 0xFF]) { return ("utf-16be", 2) }
        if bytes.starts(with: [0xFF, 0xFE]) { return ("utf-16le", 2) }
        return nil
    }

    /// The encoding family the first bytes of `<?xml` or `<` show when it is not ASCII-compatible
    /// (XML 1.0 appendix F).
    static func patternFamily(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 4 else { return nil }
        switch (bytes[0], bytes[1], bytes[2], bytes[3]) {
        case (0x00, 0x00, 0x00, 0x3C): return "utf-32be"
        case (0x3C, 0x00, 0x00, 0x00): return "utf-32le"
        case (0x00, 0x3C, 0x00, _): return "utf-16be"
        case (0x3C, 0x00, _, 0x00): return "utf-16le"
        case (0x4C, 0x6F, 0xA7, 0x94): return "cp037"
        default: return nil
        }
    }

    /// The `encoding` of the XML declaration, read in the byte family of the document.
    static func declaredEncoding(_ bytes: [UInt8], family: String?) -> String? {
        let head = Array(bytes.prefix(family == nil ? 1024 : 4096))
        let ascii: [UInt8]
        if let family {
            guard let decoded = TextDecoder.decode(head, from: family) else { return nil }
            ascii = decoded.utf8
        } else {
            ascii = head
        }
        // Skip white space (and nothing else) before the declaration.
        var index = 0
        while index < ascii.count, [0x20, 0x09, 0x0A, 0x0D].contains(ascii[index]) { index += 1 }
        guard ascii[index...].starts(with: Array("<?xml".utf8)) else { return nil }
        guard let end = firstIndex(of: Array("?>".utf8), in: ascii, from: index) else { return nil }
        guard let key = firstIndex(of: Array("encoding".utf8), in: Array(ascii[..<end]), from: index) else {
            return nil
        }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        var cursor = key + 8
        while cursor < end, isSpace(ascii[cursor]) { cursor += 1 }
        guard cursor < end, ascii[cursor] == UInt8(ascii: "=") else { return nil }
        cursor += 1
        while cursor < end, isSpace(ascii[cursor]) { cursor += 1 }
        guard cursor < end, ascii[cursor] == 0x22 || ascii[cursor] == 0x27 else { return nil }
        let quote = ascii[cursor]
        let valueStart = cursor + 1
        var valueEnd = valueStart
        while valueEnd < end, ascii[valueEnd] != quote { valueEnd += 1 }
        guard valueEnd > valueStart else { return nil }
        return String(decoding: ascii[valueStart..<valueEnd], as: UTF8.self)
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0] && haystack[index..<index + needle.count].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }
}
