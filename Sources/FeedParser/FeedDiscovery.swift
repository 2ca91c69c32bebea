internal import FoundationEssentials
internal import XML

/// Feed discovery for a web page (`feedd add` with a page's URL): the feeds its head names with
/// `<link rel="alternate" type="…" href="…">`.
public enum FeedDiscovery {
    /// A feed a page names.
    public struct Candidate: Sendable, Hashable {
        /// The feed's URL, resolved (http, https or file).
        public var url: String
        /// The media type the page gives, lower-cased, without parameters.
        public var type: String
        /// The link's `title`, if it has a non-empty one.
        public var title: String?

        public init(url: String, type: String, title: String? = nil) {
            self.url = url
            self.type = type
            self.title = title
        }
    }

    /// The media types of feeds, as pages announce them.
    public static let feedTypes: Set<String> = [
        "application/rss+xml", "application/atom+xml", "application/feed+json", "application/json",
        "application/rdf+xml",
    ]

    /// The feeds the head of the HTML page `bytes` names, in document order, relative hrefs resolved
    /// against `<base href>` (itself resolved against the page) or else `pageURL` (the page's final URL);
    /// duplicates dropped. Empty when the bytes are no page or name no feed.
    public static func candidates(inPage bytes: [UInt8], pageURL: String?) -> [Candidate] {
        candidates(in: HTMLLinkScanner.scan(bytes), pageURL: pageURL)
    }

    static func candidates(in head: HTMLHead, pageURL: String?) -> [Candidate] {
        var base = pageURL.flatMap { URL(string: $0) }
        if let href = head.baseHref.map(trimmed), !href.isEmpty,
            let resolved = URL(string: href, relativeTo: base)
        {
            base = resolved.absoluteURL
        }
        var result: [Candidate] = []
        for link in head.links {
            let relations = (link.value("rel") ?? "").lowercased().split(whereSeparator: \.isWhitespace)
            guard relations.contains("alternate") else { continue }
            let type = (link.value("type") ?? "").split(separator: ";").first.map { trimmed($0).lowercased() }
            guard let type, feedTypes.contains(type) else { continue }
            guard let href = link.value("href").map(trimmed), !href.isEmpty,
                let url = URL(string: href, relativeTo: base)?.absoluteURL, let scheme = url.scheme?.lowercased(),
                ["http", "https", "file"].contains(scheme)
            else { continue }
            let title = link.value("title").flatMap { $0.isEmpty ? nil : $0 }
            let candidate = Candidate(url: url.absoluteString, type: type, title: title)
            if !result.contains(where: { $0.url == candidate.url }) { result.append(candidate) }
        }
        return result
    }

    /// `text` without leading and trailing white space (newlines included).
    private static func trimmed(_ text: some StringProtocol) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(text[first...last])
    }
}

extension FeedParser {
    /// The version of the libxml2 the parser runs with (loaded at run time), for `feedd --version`.
    public static var xmlLibraryVersion: String { XMLLibrary.version }
}
