import Foundation
import TestSupport
import Testing

/// `feedd parse` given a web page instead of a feed.
@Suite("feedd parse of a web page")
struct ParseWebPageTests {
    static let page = """
        <!DOCTYPE html><html><head><title>Blog</title>
        <link rel="alternate" type="application/rss+xml" title="Posts" href="/feed.xml">
        </head><body><p>Hello</p></body></html>
        """

    @Test("a page at a URL is named a web page, with the feeds it names and `feedd add URL`; exit 65")
    func pageAtURL() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/blog", ScriptedResponse(body: Array(Self.page.utf8)))
            let result = try await ProcessRunner.run(ParseCommandTests.binary, arguments: ["parse", "\(baseURL)/blog"])
            #expect(result.status == 65)
            #expect(result.stdoutText.isEmpty)
            #expect(result.stderrText.contains("\(baseURL)/blog: a web page (HTML), not a feed; it names 1 feed:\n"))
            #expect(result.stderrText.contains("  \(baseURL)/feed.xml (application/rss+xml, \"Posts\")\n"))
            #expect(result.stderrText.contains("`feedd add \(baseURL)/blog`"))
        }
    }

    @Test("a page in a file or on standard input is named a web page and `feedd add` is suggested")
    func pageInFile() async throws {
        try await withTemporaryDirectory { directory in
            let file = try directory.write(Self.page, to: "page.html")
            let result = try await ProcessRunner.run(ParseCommandTests.binary, arguments: ["parse", file.path])
            #expect(result.status == 65)
            #expect(
                result.stderrText == "feedd: \(file.path): a web page (HTML), not a feed\n"
                    + "subscribe with `feedd add \(file.path)` (it finds the feed a page names)\n")
            let piped = try await ProcessRunner.run(
                ParseCommandTests.binary, arguments: ["parse", "-"], stdin: Array(Self.page.utf8))
            #expect(piped.status == 65)
            #expect(piped.stderrText.contains("`feedd add URL`"))
        }
    }
}
