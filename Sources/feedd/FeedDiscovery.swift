import FeedModel
import FeedParser
import Foundation
import XML

/// `feedd add`'s discovery: what a URL holds, a feed or a web page naming feeds in its head.
enum FeedDiscovery {
    /// A feed a page names with `<link rel="alternate" type="…" href="…">`.
    struct Candidate: Hashable {
        var url: String
        var type: String
        var title: String?

        var shown: String {
            "\(url) (\(type)\(title.map { ", " + ConfigEditingText.quotedTitle($0) } ?? ""))"
        }
    }

    /// The media types of feeds, as pages announce them.
    static let feedTypes: Set<String> = [
        "application/rss+xml", "application/atom+xml", "application/feed+json", "application/json",
        "application/rdf+xml",
    ]

    /// The feeds `head` names, in document order, relative hrefs resolved against `<base href>` (itself
    /// resolved against the page) or else the page's final URL; duplicates dropped.
    static func candidates(in head: HTMLHead, pageURL: String?) -> [Candidate] {
        var base = pageURL.flatMap { URL(string: $0) }
        if let href = head.baseHref?.trimmingCharacters(in: .whitespacesAndNewlines), !href.isEmpty,
            let resolved = URL(string: href, relativeTo: base)
        {
            base = resolved.absoluteURL
        }
        var result: [Candidate] = []
        for link in head.links {
            let relations = (link.value("rel") ?? "").lowercased().split(whereSeparator: \.isWhitespace)
            guard relations.contains("alternate") else { continue }
            let type = (link.value("type") ?? "").split(separator: ";").first.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            }
            guard let type, feedTypes.contains(type) else { continue }
            guard let href = link.value("href")?.trimmingCharacters(in: .whitespacesAndNewlines), !href.isEmpty,
                let url = URL(string: href, relativeTo: base)?.absoluteURL, let scheme = url.scheme?.lowercased(),
                ["http", "https", "file"].contains(scheme)
            else { continue }
            let title = link.value("title").flatMap { $0.isEmpty ? nil : $0 }
            let candidate = Candidate(url: url.absoluteString, type: type, title: title)
            if !result.contains(where: { $0.url == candidate.url }) { result.append(candidate) }
        }
        return result
    }
}

/// Small text helpers for messages.
enum ConfigEditingText {
    /// A title in double quotes for messages, on one line.
    static func quotedTitle(_ title: String) -> String {
        "\"" + title.split(whereSeparator: \.isNewline).joined(separator: " ") + "\""
    }
}
