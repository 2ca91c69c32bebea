import Testing

@testable import Fetcher

@Suite("Content-Type parsing")
struct MediaTypeTests {
    @Test(
        "media type and charset are split, lowercased and unquoted",
        arguments: [
            ("text/xml", "text/xml", nil),
            ("text/xml; charset=UTF-8", "text/xml", "utf-8"),
            ("Application/Atom+XML;charset=\"Windows-1252\"", "application/atom+xml", "windows-1252"),
            ("application/rss+xml ; type=feed ; CHARSET = iso-8859-1 ", "application/rss+xml", "iso-8859-1"),
            ("text/html; charset=", "text/html", nil),
            ("text/html; charset=\"\"", "text/html", nil),
        ] as [(String, String, String?)]
    )
    func parses(header: String, type: String, charset: String?) throws {
        let mediaType = try #require(MediaType(headerValue: header))
        #expect(mediaType.type == type)
        #expect(mediaType.charset == charset)
    }

    @Test("an empty value has no media type")
    func empty() {
        #expect(MediaType(headerValue: "") == nil)
        #expect(MediaType(headerValue: " ; charset=utf-8") == nil)
    }
}
