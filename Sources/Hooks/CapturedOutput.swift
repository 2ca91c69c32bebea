/// What a child process wrote to one stream, kept within a byte limit: the beginning and the end
/// of it, and how much was left out in between.
public struct CapturedOutput: Sendable, Hashable {
    /// The first bytes, up to half the limit.
    private var head: [UInt8] = []
    /// The last bytes, up to half the limit once the head is full.
    private var tail: [UInt8] = []
    private let half: Int
    /// Every byte written, kept or not.
    public private(set) var totalCount = 0

    /// Keeps at most `limit` bytes (64 KiB by default).
    public init(limit: Int = 64 * 1024) {
        half = max(limit / 2, 1)
    }

    /// True when bytes were left out.
    public var isTruncated: Bool { totalCount > head.count + tail.count }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        totalCount += bytes.count
        var rest = bytes[...]
        if head.count < half {
            let taken = rest.prefix(half - head.count)
            head.append(contentsOf: taken)
            rest = rest.dropFirst(taken.count)
        }
        guard !rest.isEmpty else { return }
        tail.append(contentsOf: rest.suffix(half))
        if tail.count > 2 * half {
            tail.removeFirst(tail.count - half)
        }
    }

    /// The kept text, as UTF-8 with invalid bytes replaced; a truncated stream shows
    /// `[… N bytes left out …]` where bytes were dropped.
    public var text: String {
        let kept = tail.suffix(half)
        let omitted = totalCount - head.count - kept.count
        guard omitted > 0 else { return String(decoding: head + kept, as: UTF8.self) }
        return String(decoding: head, as: UTF8.self) + "\n[… \(omitted) bytes left out …]\n"
            + String(decoding: kept, as: UTF8.self)
    }

    /// The last `count` characters of `text` at most, on one line (for a failure reason).
    public func lastCharacters(_ count: Int) -> String {
        let text = self.text.trimmingTrailingWhitespace
        let suffix = text.count > count ? "…" + text.suffix(count) : text
        return suffix.split(whereSeparator: \.isNewline).joined(separator: " | ")
    }
}

extension String {
    var trimmingTrailingWhitespace: String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
