/// Repairs UTF-8 that arrives in pieces, the way `TextDecoder.repairingUTF8` repairs a whole document:
/// each byte that is not part of a valid sequence is read as windows-1252. A sequence cut by the end of
/// a piece waits for the next piece, so the result does not depend on where the input was cut.
public struct UTF8Repairer {
    /// Bytes read as windows-1252 so far.
    public private(set) var invalidCount = 0
    /// The start of a sequence cut by the end of the previous piece (one to three bytes).
    private var pending: [UInt8] = []
    /// Repaired bytes of the current piece, used only when something needed repair.
    private var output: [UInt8] = []

    public init() {}

    /// Repairs the next piece and hands the valid UTF-8 to `emit` (in one or more calls, possibly none).
    /// `isFinal` says no more input follows: a cut sequence left at the end is then invalid.
    public mutating func push(
        _ bytes: UnsafeBufferPointer<UInt8>, isFinal: Bool, emit: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        var start = 0
        if !pending.isEmpty {
            // A sequence is at most four bytes: the carried ones and the first three of this piece finish it.
            var head = pending
            head.append(contentsOf: bytes.prefix(3))
            let carried = pending.count
            pending = []
            let complete = isFinal || bytes.count >= 3
            let reached = head.withUnsafeBufferPointer { process($0, until: carried, isFinal: complete, emit: emit) }
            if reached < carried {
                pending = Array(head[reached...])
                return
            }
            start = reached - carried
        }
        let rest = UnsafeBufferPointer(rebasing: bytes[start...])
        let reached = process(rest, until: rest.count, isFinal: isFinal, emit: emit)
        if reached < rest.count { pending = Array(rest[reached...]) }
    }

    /// Repairs the sequences that start before `until`; returns where it stopped (the start of a cut
    /// sequence when not final, else the end of the last sequence read).
    private mutating func process(
        _ buffer: UnsafeBufferPointer<UInt8>, until: Int, isFinal: Bool, emit: (UnsafeBufferPointer<UInt8>) -> Void
    ) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        let count = buffer.count
        var index = 0
        var runStart = 0
        var repaired = false
        while index < until {
            // Eight ASCII bytes at a time, then straight to the first byte that is not.
            index = ByteWord.skip(raw, from: index, count: count, ByteWord.nonASCII)
            if index >= until { break }
            let byte = buffer[index]
            if byte < 0x80 {
                index += 1
                continue
            }
            let length = TextDecoder.sequenceLength(buffer, at: index)
            if length > 0 {
                index += length
                continue
            }
            if !isFinal && Self.isCut(buffer, at: index) { break }
            if !repaired {
                output.removeAll(keepingCapacity: true)
                repaired = true
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<index]))
            TextDecoder.appendUTF8(TextDecoder.windows1252High[Int(byte - 0x80)], to: &output)
            invalidCount += 1
            index += 1
            runStart = index
        }
        // `index` may pass `until` by the rest of a sequence that started before it.
        if repaired {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<index]))
            output.withUnsafeBufferPointer(emit)
        } else if index > 0 {
            emit(UnsafeBufferPointer(rebasing: buffer[0..<index]))
        }
        return index
    }

    /// Whether the bytes from `index` to the end are the valid start of a longer sequence.
    static func isCut(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let lead = buffer[index]
        let needed: Int
        switch lead {
        case 0xC2...0xDF: needed = 2
        case 0xE0...0xEF: needed = 3
        case 0xF0...0xF4: needed = 4
        default: return false
        }
        let available = buffer.count - index
        guard available < needed else { return false }
        for offset in 1..<available where buffer[index + offset] & 0xC0 != 0x80 { return false }
        guard available >= 2 else { return true }
        let second = buffer[index + 1]
        switch lead {
        case 0xE0: return second >= 0xA0
        case 0xED: return second < 0xA0
        case 0xF0: return second >= 0x90
        case 0xF4: return second < 0x90
        default: return true
        }
    }
}
