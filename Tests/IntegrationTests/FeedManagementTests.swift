import Foundation
import TestSupport
import Testing

/// `feedd add`, `remove`, `import-opml` and `export-opml` as users run them: the built binary as a child
/// process, feeds and pages served on 127.0.0.1, configuration files in a temporary directory.
@Suite("feedd add, remove, import-opml, export-opml")
struct FeedManagementTests {
    /// A configuration with a comment, a hook and a feed, and no final blank line.
    static let configuration = """
        # My feeds.
        state_dir = "state"
        interval = "1h"   # hourly

        [[hook]]
        name = "print"
        type = "exec"
        command = ["/bin/cat"]

        [[feed]]
        name = "local"
        url = "local.xml"

        """

    static let rss = """
        <?xml version="1.0" encoding="utf-8"?>
        <rss version="2.0"><channel><title>Example News</title><link>https://example.org/</link>
        <item><title>First</title><guid>https://example.org/1</guid></item></channel></rss>
        """

    static let atom = """
        <feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Notes</title><id>urn:x</id>
        <entry><title>One</title><id>urn:1</id></entry></feed>
        """

    private func feedd(_ arguments: [String], in directory: TemporaryDirectory) async throws -> ProcessResult {
        try await ProcessRunner.run(
            ParseCommandTests.binary, arguments: arguments, environment: ["PATH": "/usr/bin:/bin"],
            currentDirectory: directory.url)
    }

    private func contents(_ directory: TemporaryDirectory, _ file: String) throws -> String {
        try String(contentsOf: directory.url(for: file), encoding: .utf8)
    }

    /// A temporary directory with `feedd.toml` (`configuration`) and the `local.xml` feed it names.
    private func withConfiguration(_ body: (TemporaryDirectory) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(Self.configuration, to: "feedd.toml")
            try directory.write(Self.rss.replacingOccurrences(of: "Example News", with: "Local"), to: "local.xml")
            try await body(directory)
        }
    }

    @Test("add appends a table for a served feed, leaves the rest byte for byte, and check passes")
    func addFeed() async throws {
        try await HTTPTestServer.withRunning { server, base in
            await server.route("/feed.xml", .text(Self.rss, contentType: "application/rss+xml"))
            try await withConfiguration { directory in
                let result = try await feedd(["add", base + "/feed.xml", "--config", "feedd.toml"], in: directory)
                #expect(result.status == 0, "\(result.stderrText)")
                #expect(result.stdoutText == "added feed `example-news` (\(base)/feed.xml) to feedd.toml\n")
                let text = try contents(directory, "feedd.toml")
                #expect(text.hasPrefix(Self.configuration))
                let added = String(text.dropFirst(Self.configuration.count))
                #expect(added.hasPrefix("\n# Example News (added "))
                #expect(
                    added.hasSuffix(" by feedd add)\n[[feed]]\nname = \"example-news\"\nurl = \"\(base)/feed.xml\"\n"))
                let check = try await feedd(["check", "--config", "feedd.toml"], in: directory)
                #expect(check.status == 0, "\(check.stderrText)")
                #expect(check.stdoutText.contains("name = \"example-news\""))

                // The same URL again is refused; a feed with the same title gets `-2`.
                let again = try await feedd(["add", base + "/feed.xml", "--config", "feedd.toml"], in: directory)
                #expect(again.status == 1)
                #expect(again.stderrText.contains("already configured as `example-news` (feedd.toml:"))
                #expect(try contents(directory, "feedd.toml") == text)
                await server.route("/other.xml", .text(Self.rss, contentType: "application/rss+xml"))
                let other = try await feedd(["add", base + "/other.xml", "--config", "feedd.toml"], in: directory)
                #expect(other.status == 0, "\(other.stderrText)")
                #expect(
                    try contents(directory, "feedd.toml").hasSuffix(
                        "name = \"example-news-2\"\nurl = \"\(base)/other.xml\"\n"))
            }
        }
    }

    @Test("add of a page with two alternate links lists both and takes the first that parses")
    func discovery() async throws {
        try await HTTPTestServer.withRunning { server, base in
            let page = """
                <!doctype html><html><head><title>Blog</title>
                <link rel="stylesheet" href="/s.css">
                <link rel="alternate" type="application/rss+xml" title="Broken" href="feeds/broken.xml">
                <link rel="Alternate feed" type="application/atom+xml; charset=utf-8" href="\(base)/feeds/atom.xml">
                </head><body><p>Hello</body></html>
                """
            await server.route("/blog/index.html", .text(page, contentType: "text/html"))
            await server.route("/blog/feeds/broken.xml", ScriptedResponse(status: 404))
            await server.route("/feeds/atom.xml", .text(Self.atom, contentType: "application/atom+xml"))
            try await withConfiguration { directory in
                let result = try await feedd(
                    ["add", base + "/blog/index.html", "--config", "feedd.toml"], in: directory)
                #expect(result.status == 0, "\(result.stderrText)")
                #expect(result.stdoutText.contains("a page naming 2 feeds:\n"))
                #expect(
                    result.stdoutText.contains("  \(base)/blog/feeds/broken.xml (application/rss+xml, \"Broken\")\n"))
                #expect(result.stdoutText.contains("added feed `atom-notes` (\(base)/feeds/atom.xml)"))
                #expect(result.stderrText.isEmpty)
                #expect(try contents(directory, "feedd.toml").hasSuffix("url = \"\(base)/feeds/atom.xml\"\n"))
                #expect(await server.hits("/blog/feeds/broken.xml") == 1)
            }
        }
    }

    @Test("add of a page without feeds, or whose feeds do not parse, exits 65 and says what was found")
    func noFeed() async throws {
        try await HTTPTestServer.withRunning { server, base in
            await server.route(
                "/plain", .text("<html><head><title>x</title></head><body>hi</body></html>", contentType: "text/html"))
            await server.route(
                "/bad", .text("<html><head><link rel=alternate type=application/rss+xml href=/nothing></head></html>"))
            await server.route("/nothing", .text("not a feed"))
            try await withConfiguration { directory in
                let plain = try await feedd(["add", base + "/plain", "--config", "feedd.toml"], in: directory)
                #expect(plain.status == 65)
                #expect(plain.stderrText.contains("no feed is named in its head"))
                let bad = try await feedd(["add", base + "/bad", "--config", "feedd.toml"], in: directory)
                #expect(bad.status == 65)
                #expect(bad.stderrText.contains("feedd: \(base)/nothing: "))
                #expect(bad.stderrText.contains("none of the 1 feeds the page names could be read"))
                #expect(try contents(directory, "feedd.toml") == Self.configuration)
            }
        }
    }

    @Test("--dry-run prints the table and writes nothing")
    func dryRun() async throws {
        try await withConfiguration { directory in
            try directory.write(Self.atom, to: "atom.xml")
            let result = try await feedd(
                ["add", "--dry-run", "atom.xml", "--name", "notes", "--config", "feedd.toml"], in: directory)
            #expect(result.status == 0, "\(result.stderrText)")
            #expect(
                result.stdoutText.contains("[[feed]]\nname = \"notes\"\nurl = \"file://\(directory.path)/atom.xml\"\n"))
            #expect(try contents(directory, "feedd.toml") == Self.configuration)
            try directory.write(
                "<opml version=\"2.0\"><body><outline text=\"A\" xmlUrl=\"https://a.example/feed\"/></body></opml>",
                to: "list.opml")
            let opml = try await feedd(
                ["import-opml", "--dry-run", "list.opml", "--config", "feedd.toml"], in: directory)
            #expect(opml.status == 0, "\(opml.stderrText)")
            #expect(opml.stdoutText.contains("name = \"a\"\nurl = \"https://a.example/feed\"\n"))
            #expect(try contents(directory, "feedd.toml") == Self.configuration)
        }
    }

    @Test("add then remove gives back the file byte for byte; an unknown name gets a suggestion")
    func removeRoundTrip() async throws {
        try await withConfiguration { directory in
            try directory.write(Self.atom, to: "atom.xml")
            try directory.write(Self.rss, to: "rss.xml")
            #expect(try await feedd(["add", "atom.xml", "--config", "feedd.toml"], in: directory).status == 0)
            let withAtom = try contents(directory, "feedd.toml")
            #expect(try await feedd(["add", "rss.xml", "--config", "feedd.toml"], in: directory).status == 0)

            let unknown = try await feedd(["remove", "atom-note", "--config", "feedd.toml"], in: directory)
            #expect(unknown.status == 1)
            #expect(unknown.stderrText == "feedd: no feed named `atom-note`; did you mean `atom-notes`?\n")

            let removed = try await feedd(["remove", "example-news", "--config", "feedd.toml"], in: directory)
            #expect(removed.status == 0, "\(removed.stderrText)")
            #expect(removed.stdoutText.contains("removed feed `example-news`"))
            #expect(removed.stdoutText.contains("  name = \"example-news\"\n"))
            #expect(removed.stdoutText.contains("stay in the state directory"))
            #expect(try contents(directory, "feedd.toml") == withAtom)
            #expect(try await feedd(["remove", "atom-notes", "--config", "feedd.toml"], in: directory).status == 0)
            #expect(try contents(directory, "feedd.toml") == Self.configuration)

            // A hand-written table in the middle of the file goes with its own lines only.
            #expect(try await feedd(["add", "atom.xml", "--config", "feedd.toml"], in: directory).status == 0)
            #expect(try await feedd(["remove", "local", "--config", "feedd.toml"], in: directory).status == 0)
            let text = try contents(directory, "feedd.toml")
            #expect(text.contains("command = [\"/bin/cat\"]\n\n# Atom Notes (added "))
            #expect(!text.contains("local"))
        }
    }

    @Test("a feed from an OPML file is not removed: the OPML file is named")
    func removeFromOPML() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(
                "<opml version=\"2.0\"><body><outline text=\"A\" xmlUrl=\"https://a.example/feed\"/></body></opml>",
                to: "list.opml")
            try directory.write("state_dir = \"state\"\nopml = [\"list.opml\"]\n", to: "feedd.toml")
            let check = try await feedd(["check", "--config", "feedd.toml"], in: directory)
            let name = try #require(check.stdoutText.split(separator: "\n").first { $0.hasPrefix("name = ") })
                .dropFirst("name = \"".count).dropLast()
            let result = try await feedd(["remove", String(name), "--config", "feedd.toml"], in: directory)
            #expect(result.status == 1)
            #expect(result.stderrText.contains("comes from the OPML file list.opml"))
        }
    }

    @Test("import-opml adds what is new with tags, and export-opml of it imports back to the same feeds")
    func opmlRoundTrip() async throws {
        try await withTemporaryDirectory { directory in
            let opml = """
                <?xml version="1.0"?>
                <opml version="1.0"><head><title>Reader</title></head><body>
                  <outline text="Tech">
                    <outline text="Linux">
                      <outline text="LWN.net" type="rss" xmlUrl="https://lwn.net/headlines/rss"/>
                    </outline>
                    <outline text="Café Society" type="rss" xmlUrl="https://cafe.example/feed"/>
                  </outline>
                  <outline text="LWN again" type="rss" xmlUrl="https://lwn.net/headlines/rss"/>
                  <outline title="News" type="rss" xmlUrl="https://news.example/atom"/>
                </body></opml>
                """
            try directory.write(opml, to: "in.opml")
            try directory.write("state_dir = \"state\"\n", to: "a.toml")
            let imported = try await feedd(["import-opml", "in.opml", "--config", "a.toml"], in: directory)
            #expect(imported.status == 0, "\(imported.stderrText)")
            #expect(imported.stdoutText.hasPrefix("in.opml: added 3 feeds to a.toml, skipped 1\n"))
            let a = try contents(directory, "a.toml")
            #expect(
                a.contains(
                    "name = \"lwn-net\"\nurl = \"https://lwn.net/headlines/rss\"\ntags = [\"Tech\", \"Linux\"]\n"))
            #expect(a.contains("name = \"cafe-society\""))
            let again = try await feedd(["import-opml", "in.opml", "--config", "a.toml"], in: directory)
            #expect(again.stdoutText.hasPrefix("in.opml: added 0 feeds, skipped 4\n"))
            #expect(try contents(directory, "a.toml") == a)

            let exported = try await feedd(
                ["export-opml", "--config", "a.toml", "--output", "out.opml"], in: directory)
            #expect(exported.status == 0, "\(exported.stderrText)")
            try directory.write("state_dir = \"state\"\n", to: "b.toml")
            let reimported = try await feedd(["import-opml", "out.opml", "--config", "b.toml"], in: directory)
            #expect(reimported.status == 0, "\(reimported.stderrText)")
            let checkA = try await feedd(["check", "--config", "a.toml"], in: directory)
            let checkB = try await feedd(["check", "--config", "b.toml"], in: directory)
            func feeds(_ text: String) -> [String] {
                text.split(separator: "\n").filter {
                    $0.hasPrefix("name") || $0.hasPrefix("url") || $0.hasPrefix("tags")
                }
                .map(String.init)
            }
            #expect(feeds(checkA.stdoutText).count == 8)
            #expect(feeds(checkA.stdoutText) == feeds(checkB.stdoutText))
            let exportB = try await feedd(["export-opml", "--config", "b.toml"], in: directory)
            #expect(exportB.stdoutText == (try contents(directory, "out.opml")))
        }
    }
}
