/// A read position in a date's bytes.
struct ByteCursor {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position >= bytes.count }
    var current: UInt8? { peek(0) }

    func peek(_ offset: Int) -> UInt8? {
        let index = position + offset
        return index >= 0 && index < bytes.count ? bytes[index] : nil
    }

    mutating func advance() { position += 1 }

    /// Skips `character` if it is next.
    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard current == UInt8(ascii: character) else { return false }
        position += 1
        return true
    }

    mutating func skipSpaces() {
        while let byte = current, DateParser.isSpace(byte) { position += 1 }
    }

    /// How many ASCII digits follow.
    var digitRunLength: Int {
        var length = 0
        while let byte = peek(length), DateParser.isDigit(byte) { length += 1 }
        return length
    }

    /// Reads `digits` digits that the caller knows are there (a `digitRunLength` of at least that many).
    mutating func number(digits: Int) -> Int {
        var value = 0
        for _ in 0..<digits {
            guard let byte = current, DateParser.isDigit(byte) else { break }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            position += 1
        }
        return value
    }
}
