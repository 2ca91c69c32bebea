import FeedModel

// Temporary stand-in until the date parser lands (branch `dates`).
struct DateParseResult: Sendable, Equatable {
    var timestamp: Timestamp?
    var warning: String?
}

enum DateParser {
    static func parse(_ text: String) -> DateParseResult {
        DateParseResult(timestamp: nil, warning: "unreadable date \"\(text)\"")
    }
}
