import CLibXML2

/// A byte-level pass that mends what real feeds get wrong before libxml2 sees it, where libxml2's own
/// recovery would lose text:
/// - anything before the first tag (a blank line before `<?xml`, stray bytes) is dropped;
/// - a bare `&` (`AT&T`, `?a=1&b=2`) becomes `&amp;`;
/// - HTML entities used without a DTD (`&nbsp;`, `&eacute;`) become character references; an unknown
///   name is kept as text;
/// - C1 controls (`&#146;`, or U+0092 as UTF-8) are read as windows-1252, as browsers do, and
///   references to characters XML forbids are dropped; `&#X41;` becomes `&#65;`;
/// - control characters XML forbids are dropped.
/// Comments, CDATA sections, processing instructions and the DOCTYPE are left alone. The input must be
/// UTF-8; when nothing needs mending the bytes are returned as they are, without a copy.
public enum XMLRepair {
    public struct Result: Sendable {
        public var utf8: [UInt8]
        public var diagnostics: [XMLDiagnostic]
    }

    public static func repair(_ input: [UInt8]) -> Result {
        var state = State(input: input)
        input.withUnsafeBufferPointer { state.run($0) }
        return Result(utf8: state.finish(), diagnostics: state.diagnostics())
    }

    private struct Finding {
        var count = 0
        var firstOffset = 0
        var example = ""

        mutating func note(_ offset: Int, example: @autoclosure () -> String = "") {
            if count == 0 {
                firstOffset = offset
                self.example = example()
            }
            count += 1
        }
    }

    private struct State {
        let input: [UInt8]
        var output: [UInt8]? = nil
        var copied = 0
        var declaredEntities: Set<[UInt8]> = []
        /// Entities declared with SYSTEM or PUBLIC: never loaded, so their references are removed.
        var externalEntities: Set<[UInt8]> = []
        var externalReferences = Finding()
        var hasExternalDTD = false
        var leadingDropped = 0
        var leadingBlank = false
        var bareAmpersands = Finding()
        var htmlEntities = Finding()
        var unknownEntities = Finding()
        var badReferences = Finding()
        var controlCharacters = Finding()
        var strayLessThan = Finding()

        init(input: [UInt8]) { self.input = input }

        /// Replaces `input[start..<end]` with `replacement` in the output.
        mutating func replace(_ start: Int, _ end: Int, with replacement: [UInt8]) {
            if output == nil {
                output = []
                output?.reserveCapacity(input.count + 256)
            }
            output?.append(contentsOf: input[copied..<start])
            output?.append(contentsOf: replacement)
            copied = end
        }

        mutating func finish() -> [UInt8] {
            guard var output else { return input }
            output.append(contentsOf: input[copied...])
            return output
        }

        mutating func run(_ bytes: UnsafeBufferPointer<UInt8>) {
            let count = bytes.count
            var index = 0
            // Leading junk.
            while index < count, bytes[index] != UInt8(ascii: "<") { index += 1 }
            if index > 0 {
                let blank = bytes[0..<index].allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
                let beforeDeclaration = Self.matches(bytes, at: index, "<?xml")
                if !blank || beforeDeclaration {
                    leadingBlank = blank
                    leadingDropped = index
                    replace(0, index, with: [])
                }
            }
            while index < count {
                let byte = bytes[index]
                // Most bytes need no look: one table lookup skips them.
                if !Self.needsLook[Int(byte)] {
                    index += 1
                    continue
                }
                if byte == UInt8(ascii: "<") {
                    if index + 1 < count, !Self.canStartMarkup(bytes[index + 1]) {
                        strayLessThan.note(index)
                        replace(index, index + 1, with: Array("&lt;".utf8))
                        index += 1
                        continue
                    }
                    index = skipMarkupDeclaration(bytes, at: index)
                } else if byte == UInt8(ascii: "&") {
                    index = mendReference(bytes, at: index)
                } else if byte == 0xC2, index + 1 < count, bytes[index + 1] >= 0x80, bytes[index + 1] <= 0x9F {
                    // A C1 control in text is a windows-1252 character decoded as Latin-1 somewhere upstream.
                    var character: [UInt8] = []
                    TextDecoder.appendUTF8(TextDecoder.windows1252High[Int(bytes[index + 1] - 0x80)], to: &character)
                    replace(index, index + 2, with: character)
                    index += 2
                } else if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D {
                    controlCharacters.note(index)
                    replace(index, index + 1, with: [])
                    index += 1
                } else {
                    index += 1
                }
            }
        }

        /// Bytes the repair loop must look at: `<`, `&`, the lead byte of a C1 control, and control characters.
        static let needsLook: [Bool] = (0..<256).map { byte in
            byte == 0x3C || byte == 0x26 || byte == 0xC2
                || (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D)
        }

        static func matches(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, _ text: StaticString) -> Bool {
            let length = text.utf8CodeUnitCount
            guard index + length <= bytes.count else { return false }
            let pattern = text.utf8Start
            for offset in 0..<length where bytes[index + offset] != pattern[offset] { return false }
            return true
        }

        static func find(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString, from index: Int) -> Int? {
            let first = text.utf8Start[0]
            var cursor = index
            while cursor < bytes.count {
                if bytes[cursor] == first && matches(bytes, at: cursor, text) { return cursor }
                cursor += 1
            }
            return nil
        }

        /// Skips a comment, CDATA section, processing instruction or DOCTYPE starting at `<`; returns the
        /// index after it, or after the `<` for an ordinary tag.
        mutating func skipMarkupDeclaration(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
            guard index + 1 < bytes.count,
                bytes[index + 1] == UInt8(ascii: "!") || bytes[index + 1] == UInt8(ascii: "?")
            else { return index + 1 }
            if Self.matches(bytes, at: index, "<!--") {
                return (Self.find(bytes, "-->", from: index + 4)).map { $0 + 3 } ?? bytes.count
            }
            if Self.matches(bytes, at: index, "<![CDATA[") {
                return (Self.find(bytes, "]]>", from: index + 9)).map { $0 + 3 } ?? bytes.count
            }
            if Self.matches(bytes, at: index, "<?") {
                return (Self.find(bytes, "?>", from: index + 2)).map { $0 + 2 } ?? bytes.count
            }
            if Self.matches(bytes, at: index, "<!DOCTYPE") {
                return skipDoctype(bytes, at: index)
            }
            return index + 1
        }

        /// Skips the DOCTYPE, noting the entities its internal subset declares and whether it names an
        /// external DTD (which, unread, may define HTML entities).
        mutating func skipDoctype(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
            var cursor = index + 9
            var quote: UInt8? = nil
            while cursor < bytes.count {
                let byte = bytes[cursor]
                if let open = quote {
                    if byte == open { quote = nil }
                } else if byte == 0x22 || byte == 0x27 {
                    quote = byte
                } else if byte == UInt8(ascii: "[") {
                    break
                } else if byte == UInt8(ascii: ">") {
                    noteExternalID(bytes, from: index, to: cursor)
                    return cursor + 1
                }
                cursor += 1
            }
            noteExternalID(bytes, from: index, to: cursor)
            guard cursor < bytes.count else { return bytes.count }
            guard let close = Self.find(bytes, "]", from: cursor) else { return bytes.count }
            var scan = cursor
            while let declaration = Self.find(bytes, "<!ENTITY", from: scan), declaration < close {
                var nameStart = declaration + 8
                while nameStart < close,
                    bytes[nameStart] == 0x20 || bytes[nameStart] == 0x09
                        || bytes[nameStart] == 0x0A || bytes[nameStart] == 0x0D
                {
                    nameStart += 1
                }
                var nameEnd = nameStart
                while nameEnd < close, Self.isNameByte(bytes[nameEnd]) { nameEnd += 1 }
                if nameEnd > nameStart {
                    let name = Array(bytes[nameStart..<nameEnd])
                    let declarationEnd = Self.find(bytes, ">", from: nameEnd) ?? close
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
            return (Self.find(bytes, ">", from: close)).map { $0 + 1 } ?? bytes.count
        }

        mutating func noteExternalID(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) {
            if Self.find(UnsafeBufferPointer(rebasing: bytes[start..<end]), "SYSTEM", from: 0) != nil
                || Self.find(UnsafeBufferPointer(rebasing: bytes[start..<end]), "PUBLIC", from: 0) != nil
            {
                hasExternalDTD = true
            }
        }

        static func isNameByte(_ byte: UInt8) -> Bool {
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: ":") || byte >= 0x80
        }

        /// Checks the reference at `&`, mending it where needed; returns the index after it.
        mutating func mendReference(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
            var cursor = index + 1
            if cursor < bytes.count && bytes[cursor] == UInt8(ascii: "#") {
                cursor += 1
                var hex = false
                if cursor < bytes.count && (bytes[cursor] == UInt8(ascii: "x") || bytes[cursor] == UInt8(ascii: "X")) {
                    hex = true
                    cursor += 1
                }
                let upperX = hex && bytes[cursor - 1] == UInt8(ascii: "X")
                var value: UInt32 = 0
                let digitsStart = cursor
                while cursor < bytes.count, cursor - digitsStart < 8, let digit = Self.digit(bytes[cursor], hex: hex) {
                    value = value * (hex ? 16 : 10) + digit
                    cursor += 1
                }
                guard cursor > digitsStart, cursor < bytes.count, bytes[cursor] == UInt8(ascii: ";") else {
                    bareAmpersands.note(index)
                    replace(index, index + 1, with: Array("&amp;".utf8))
                    return index + 1
                }
                let end = cursor + 1
                if (0x80...0x9F).contains(value) {
                    // Browsers read these as windows-1252 (`&#146;` is a quote); so does everyone who wrote one.
                    replace(index, end, with: Array("&#\(TextDecoder.windows1252High[Int(value - 0x80)]);".utf8))
                } else if !Self.isXMLCharacter(value) {
                    badReferences.note(index, example: String(decoding: bytes[index..<end], as: UTF8.self))
                    replace(index, end, with: [])
                } else if upperX {
                    replace(index, end, with: Array("&#\(value);".utf8))
                }
                return end
            }
            let nameStart = cursor
            while cursor < bytes.count, cursor - nameStart < 40, Self.isNameByte(bytes[cursor]) { cursor += 1 }
            guard cursor > nameStart, cursor < bytes.count, bytes[cursor] == UInt8(ascii: ";"),
                !Self.isDigit(bytes[nameStart])
            else {
                bareAmpersands.note(index)
                replace(index, index + 1, with: Array("&amp;".utf8))
                return index + 1
            }
            let name = UnsafeBufferPointer(rebasing: bytes[nameStart..<cursor])
            let end = cursor + 1
            if Self.isPredefined(name) || declaredEntities.contains(Array(name)) { return end }
            if externalEntities.contains(Array(name)) {
                externalReferences.note(index, example: String(decoding: bytes[index..<end], as: UTF8.self))
                replace(index, end, with: [])
                return end
            }
            if let value = Self.htmlEntity(name) {
                if !hasExternalDTD {
                    htmlEntities.note(index, example: String(decoding: bytes[index..<end], as: UTF8.self))
                }
                replace(index, end, with: Array("&#\(value);".utf8))
            } else {
                unknownEntities.note(index, example: String(decoding: bytes[index..<end], as: UTF8.self))
                replace(index, index + 1, with: Array("&amp;".utf8))
            }
            return end
        }

        static func digit(_ byte: UInt8, hex: Bool) -> UInt32? {
            switch byte {
            case 0x30...0x39: return UInt32(byte - 0x30)
            case 0x61...0x66 where hex: return UInt32(byte - 0x61 + 10)
            case 0x41...0x46 where hex: return UInt32(byte - 0x41 + 10)
            default: return nil
            }
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

        static func isPredefined(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
            switch name.count {
            case 2: return (name[0] == 0x6C || name[0] == 0x67) && name[1] == 0x74  // lt, gt
            case 3: return name[0] == 0x61 && name[1] == 0x6D && name[2] == 0x70  // amp
            case 4:
                return name.elementsEqual("quot".utf8) || name.elementsEqual("apos".utf8)
            default: return false
            }
        }

        /// The code point of an HTML 4 entity name (libxml2's table), or nil.
        static func htmlEntity(_ name: UnsafeBufferPointer<UInt8>) -> UInt32? {
            var terminated = Array(name)
            terminated.append(0)
            guard let entry = htmlEntityLookup(terminated) else { return nil }
            return entry.pointee.value
        }

        func line(of offset: Int) -> Int {
            var line = 1
            for byte in input[..<min(offset, input.count)] where byte == 0x0A { line += 1 }
            return line
        }

        func diagnostics() -> [XMLDiagnostic] {
            var result: [XMLDiagnostic] = []
            func add(_ finding: Finding, _ message: (Finding) -> String) {
                guard finding.count > 0 else { return }
                result.append(XMLDiagnostic(line: line(of: finding.firstOffset), message: message(finding)))
            }
            if leadingDropped > 0 {
                let what =
                    leadingBlank
                    ? "white space before the XML declaration" : "\(leadingDropped) bytes before the first tag"
                result.append(XMLDiagnostic(line: 1, message: "\(what) ignored"))
            }
            func more(_ finding: Finding) -> String { finding.count > 1 ? " (\(finding.count) in all)" : "" }
            add(bareAmpersands) { "unescaped \"&\" read as text\(more($0))" }
            add(htmlEntities) { "HTML entity \($0.example) used without a DTD, decoded\(more($0))" }
            add(unknownEntities) { "undefined entity \($0.example) kept as text\(more($0))" }
            add(externalReferences) { "external entity \($0.example) not loaded\(more($0))" }
            add(badReferences) { "reference \($0.example) to a character XML forbids dropped\(more($0))" }
            add(strayLessThan) { "unescaped \"<\" read as text\(more($0))" }
            add(controlCharacters) { "control character XML forbids dropped\(more($0))" }
            return result
        }
    }
}
