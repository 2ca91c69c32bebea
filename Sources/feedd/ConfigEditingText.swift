import FeedParser

/// Small text helpers for messages.
enum ConfigEditingText {
    /// A title in double quotes for messages, on one line.
    static func quotedTitle(_ title: String) -> String {
        "\"" + title.split(whereSeparator: \.isNewline).joined(separator: " ") + "\""
    }
}

extension FeedDiscovery.Candidate {
    /// The candidate as `feedd add` lists it: URL, type and title.
    var shown: String {
        "\(url) (\(type)\(title.map { ", " + ConfigEditingText.quotedTitle($0) } ?? ""))"
    }
}
