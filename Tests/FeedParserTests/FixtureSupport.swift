import FeedModel
import Foundation
import TestSupport

@testable import FeedParser

/// One feed fixture under `Tests/TestSupport/Fixtures/feeds` and the options it is parsed with.
struct FeedFixture: Sendable, CustomStringConvertible {
    /// The path below `Fixtures/`, e.g. `feeds/rss/rss20.xml`.
    let path: String
    /// The charset the caller gives, as an HTTP `Content-Type` would.
    let charset: String?

    var description: String { path }

    /// The path of the expected normalized document beside the fixture.
    var expectedPath: String {
        guard let dot = path.lastIndex(of: ".") else { return path + ".expected.json" }
        return path[..<dot] + ".expected.json"
    }

    var options: FeedParser.Options {
        .init(baseURL: "http://example.org/feed.xml", charset: charset)
    }

    func bytes() throws -> [UInt8] {
        try Fixtures.bytes(path)
    }

    /// Fixtures that parse to a document; `rejected/` holds those that must throw.
    static let parsed: [FeedFixture] =
        [
            "feeds/rss/rss091.xml",
            "feeds/rss/rss092.xml",
            "feeds/rss/rss10-rdf.xml",
            "feeds/rss/rss20.xml",
            "feeds/atom/atom03.xml",
            "feeds/atom/atom10.xml",
            "feeds/json/json10.json",
            "feeds/json/json11.json",
            "feeds/extensions/content-encoded.xml",
            "feeds/extensions/dublin-core.xml",
            "feeds/extensions/atom-self-in-rss.xml",
            "feeds/extensions/media-rss.xml",
            "feeds/extensions/itunes.xml",
            "feeds/extensions/odd-prefix.xml",
            "feeds/extensions/undeclared-prefix.xml",
            "feeds/base/xml-base.xml",
            "feeds/base/relative-document-url.xml",
            "feeds/broken/unescaped-ampersand.xml",
            "feeds/broken/html-entities-no-dtd.xml",
            "feeds/broken/garbage-after-root.xml",
            "feeds/broken/truncated.xml",
            "feeds/broken/blank-line-before-declaration.xml",
            "feeds/broken/bad-date.xml",
            "feeds/encoding/utf8-stray-cp1252.xml",
            "feeds/encoding/utf16-bom.xml",
        ].map { FeedFixture(path: $0, charset: nil) } + [
            FeedFixture(path: "feeds/encoding/charset-from-caller.xml", charset: "koi8-r")
        ]

    /// Fixtures the parser must recover from: their documents carry warnings, all others none.
    static let broken: Set<String> = [
        "feeds/extensions/undeclared-prefix.xml",
        "feeds/broken/unescaped-ampersand.xml",
        "feeds/broken/html-entities-no-dtd.xml",
        "feeds/broken/garbage-after-root.xml",
        "feeds/broken/truncated.xml",
        "feeds/broken/blank-line-before-declaration.xml",
        "feeds/broken/bad-date.xml",
        "feeds/encoding/utf8-stray-cp1252.xml",
    ]

    /// Fixtures that must throw, with the error.
    static let rejected: [(FeedFixture, ParseError)] = [
        (FeedFixture(path: "feeds/rejected/html-page.xml", charset: nil), .notAFeed(root: "html")),
        (FeedFixture(path: "feeds/rejected/empty.xml", charset: nil), .empty),
    ]
}

/// The source folder of the fixtures, for re-recording expected files (`RECORD_FIXTURES=1`).
func fixtureSourceURL(_ relativePath: String, filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("TestSupport/Fixtures")
        .appendingPathComponent(relativePath)
}

/// The differences between two decoded JSON values, one line per differing path; empty when equal.
func jsonDifferences(_ expected: Any, _ actual: Any, path: String = "$") -> [String] {
    switch (expected, actual) {
    case (let lhs as [String: Any], let rhs as [String: Any]):
        var lines: [String] = []
        for key in Set(lhs.keys).union(rhs.keys).sorted() {
            switch (lhs[key], rhs[key]) {
            case (let left?, let right?):
                lines += jsonDifferences(left, right, path: "\(path).\(key)")
            case (let left?, nil):
                lines.append("\(path).\(key): missing, expected \(render(left))")
            case (nil, let right?):
                lines.append("\(path).\(key): unexpected \(render(right))")
            case (nil, nil):
                break
            }
        }
        return lines
    case (let lhs as [Any], let rhs as [Any]):
        var lines: [String] = []
        if lhs.count != rhs.count {
            lines.append("\(path): expected \(lhs.count) elements, got \(rhs.count)")
        }
        for index in 0..<min(lhs.count, rhs.count) {
            lines += jsonDifferences(lhs[index], rhs[index], path: "\(path)[\(index)]")
        }
        return lines
    default:
        let left = render(expected)
        let right = render(actual)
        return left == right ? [] : ["\(path): expected \(left), got \(right)"]
    }
}

/// A JSON value as compact text, for diffs and scalar comparison.
private func render(_ value: Any) -> String {
    if value is NSNull { return "null" }
    if let text = value as? String { return "\"\(text)\"" }
    if JSONSerialization.isValidJSONObject([value]),
        let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]),
        let text = String(data: data, encoding: .utf8)
    {
        return String(text.dropFirst().dropLast())
    }
    return String(describing: value)
}
