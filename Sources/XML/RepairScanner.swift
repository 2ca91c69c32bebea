import Glibc

/// The state of one repair pass over a document (`XMLRepairer`), and its main loop: the piece being read,
/// the mended output, what is open across pieces, what the DOCTYPE declared, the diverted text and the
/// findings. Its concerns live in extensions: findings and diagnostics, sections (comments, CDATA,
/// instructions, the DOCTYPE), CDATA content, diverted text runs, and references.
struct RepairScanner {
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
    /// Whether a start tag was seen (the root element's, in a document that has one).
    var sawStartTag = false
    /// The last bytes (at most two) of the open section, to find a terminator cut by a piece boundary.
    var sectionTail: [UInt8] = []
    var doctype = DoctypeFacts()
    var diversion = Diversion()
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

    mutating func beginReplacement(at start: Int) {
        if !modified {
            modified = true
            output.removeAll(keepingCapacity: true)
            output.reserveCapacity(bytes.count + 256)
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<start]))
    }
}

/// What the DOCTYPE says about entities.
struct DoctypeFacts {
    /// Entities its internal subset declares: libxml2 expands them.
    var declared: Set<[UInt8]> = []
    /// Entities declared with SYSTEM or PUBLIC: never loaded, so their references are removed.
    var external: Set<[UInt8]> = []
    /// Whether it names an external DTD, which (unread) may define HTML entities.
    var hasExternalDTD = false
}

/// Text taken around libxml2 (`XMLRepairer.divertText`).
struct Diversion {
    /// The target of the placeholder instruction of diverted text, and where the text goes (nil: no more).
    var target: [UInt8] = []
    var minimumLength = 64
    var divert: ((UnsafeBufferPointer<UInt8>) -> Void)? = nil
    /// Texts diverted so far: the number of the next placeholder.
    var count = 0
    /// Decoded text, before it is diverted.
    var decoded: [UInt8] = []
}
