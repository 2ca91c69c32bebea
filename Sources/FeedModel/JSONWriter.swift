/// A small streaming JSON writer that appends UTF-8 bytes to a buffer.
///
/// `feedd parse` writes documents item by item through it and flushes the buffer as it grows, so a
/// large feed is never held twice as text. Strings are escaped as RFC 8259 requires; everything
/// else (`/`, non-ASCII) is written as is.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private let pretty: Bool
    private var depth = 0
    /// Whether the current container already has a member (so the next one needs a comma).
    private var hasMember: [Bool] = []

    public init(pretty: Bool = false, reservingCapacity capacity: Int = 0) {
        self.pretty = pretty
        bytes.reserveCapacity(capacity)
    }

    /// Hands over the bytes written so far and starts an empty buffer.
    public mutating func takeBytes() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }

    public mutating func beginObject() {
        beginValue()
        bytes.append(UInt8(ascii: "{"))
        open()
    }

    public mutating func endObject() {
        close(UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        beginValue()
        bytes.append(UInt8(ascii: "["))
        open()
    }

    public mutating func endArray() {
        close(UInt8(ascii: "]"))
    }

    /// Writes a member name; the next value written is its value.
    public mutating func key(_ name: String) {
        separate()
        writeString(name)
        bytes.append(UInt8(ascii: ":"))
        if pretty { bytes.append(UInt8(ascii: " ")) }
        pendingKey = true
    }

    public mutating func string(_ value: String?) {
        guard let value else { return null() }
        beginValue()
        writeString(value)
    }

    public mutating func integer(_ value: Int64?) {
        guard let value else { return null() }
        beginValue()
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func bool(_ value: Bool) {
        beginValue()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    public mutating func null() {
        beginValue()
        bytes.append(contentsOf: "null".utf8)
    }

    public mutating func stringArray(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    // MARK: - Layout

    private var pendingKey = false

    private mutating func open() {
        depth += 1
        hasMember.append(false)
    }

    private mutating func close(_ byte: UInt8) {
        let hadMembers = hasMember.popLast() ?? false
        depth -= 1
        if pretty && hadMembers { newline() }
        bytes.append(byte)
    }

    /// Comma and indentation before a member or element.
    private mutating func separate() {
        guard !hasMember.isEmpty else { return }
        if hasMember[hasMember.count - 1] { bytes.append(UInt8(ascii: ",")) }
        hasMember[hasMember.count - 1] = true
        if pretty { newline() }
    }

    private mutating func beginValue() {
        if pendingKey {
            pendingKey = false
        } else {
            separate()
        }
    }

    private mutating func newline() {
        bytes.append(UInt8(ascii: "\n"))
        for _ in 0..<depth {
            bytes.append(0x20)
            bytes.append(0x20)
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Writes `value` as a JSON string. Only `"`, `\` and the control characters need escaping (RFC 8259);
    /// the bytes between them are copied as whole runs, not byte by byte (a feed's HTML content is most
    /// of the output: appending each byte cost three times the parse, docs/benchmarks.md).
    private mutating func writeString(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        let utf8 = value.utf8
        let span = utf8.span
        let count = span.count
        var runStart = 0
        var index = 0
        while index < count {
            let byte = span[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            if runStart < index { appendRun(of: utf8, from: runStart, to: index) }
            appendEscaped(byte)
            index += 1
            runStart = index
        }
        if runStart < count {
            appendRun(of: utf8, from: runStart, to: count)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends bytes `start..<end` of `utf8` in one copy. (Appending a `Substring.UTF8View` copies byte by
    /// byte through its iterator: 14 instructions a byte.)
    private mutating func appendRun(of utf8: String.UTF8View, from start: Int, to end: Int) {
        let copied: Void? = utf8.withContiguousStorageIfAvailable { storage in
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: storage[start..<end]))
        }
        guard copied == nil else { return }
        let lower = utf8.index(utf8.startIndex, offsetBy: start)
        bytes.append(contentsOf: utf8[lower..<utf8.index(lower, offsetBy: end - start)])
    }

    private mutating func appendEscaped(_ byte: UInt8) {
        bytes.append(0x5C)  // backslash
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            bytes.append(UInt8(ascii: "u"))
            bytes.append(0x30)
            bytes.append(0x30)
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0xF)])
        }
    }
}
