import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The listener's views (the status page, the merged feed) against a running `feedd run`, one test at a
/// time: each starts a daemon, some a browser, and they should not all starve the machine at once.
@Suite("the listener's page and feeds", .serialized)
struct ListenerViewTests {}

/// `feedd run` with `listen = "127.0.0.1:0"`, as users run it (the built binary, a configuration file in
/// a temporary directory), and the port the kernel gave its listener. Killed when it goes away.
struct ListeningDaemon {
    let process: BackgroundProcess
    let port: UInt16

    /// Starts the daemon on `configuration` and waits until its listener is up.
    static func start(_ configuration: URL) async throws -> ListeningDaemon {
        let process = try await BackgroundProcess(
            ParseCommandTests.binary, arguments: ["run", "--config", configuration.path],
            environment: ["NO_COLOR": "1"])
        guard await process.waitForError(containing: "HTTP listener started", timeout: .seconds(30)) else {
            throw DaemonFailure("the listener did not start: \(process.stderr)")
        }
        // `info feedd: HTTP listener started connections.max=256 listen=127.0.0.1:PORT`
        let line = process.stderr.split(separator: "\n").first { $0.contains("HTTP listener started") } ?? ""
        guard let field = line.split(separator: " ").first(where: { $0.hasPrefix("listen=") }),
            let port = field.split(separator: ":").last.flatMap({ UInt16($0) })
        else {
            throw DaemonFailure("no port in \(line)")
        }
        return ListeningDaemon(process: process, port: port)
    }

    func get(_ target: String, headers: [String: String] = [:]) async throws -> SimpleHTTPResponse {
        try await SimpleHTTPClient.get(target, port: port, headers: headers)
    }

    /// `/feeds` as objects.
    func feeds() async throws -> [[String: Any]] {
        let response = try await get("/feeds")
        return (try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]]) ?? []
    }

    /// Waits until `/feeds` satisfies `condition` (up to 60 s: the machine may be loaded).
    func waitForFeeds(_ condition: ([String: [String: Any]]) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        var last: [[String: Any]] = []
        while ContinuousClock.now < deadline {
            last = try await feeds()
            let byName = Dictionary(
                last.compactMap { feed in (feed["name"] as? String).map { ($0, feed) } },
                uniquingKeysWith: { a, _ in a })
            if condition(byName) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DaemonFailure("/feeds never got there: \(last)\n\(process.stderr)")
    }

    /// SIGTERM, then the exit status.
    func stop() async -> Int32? {
        process.signal(SIGTERM)
        return await process.exitStatus(timeout: .seconds(20))
    }
}

struct DaemonFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Three feeds as a test serves them: `lwn` (RSS, one title holding `<script>`, one `javascript:` link),
/// `rust-blog` (Atom) and `status-blog`, whose server answers 503 with `Retry-After` (so it fails, and
/// its host is paused).
enum StatusFixtures {
    /// Runs `body` with a `feedd run` on the fixtures' configuration (two feed servers on 127.0.0.1, one
    /// failing), once every feed has been polled and `ready` (if given) holds; the daemon, servers and
    /// folder are gone when it returns.
    static func withDaemon(
        ready: ((ListeningDaemon) async throws -> Void)? = nil,
        _ body: (ListeningDaemon, TemporaryDirectory) async throws -> Void
    ) async throws {
        try await HTTPTestServer.withRunning { server, base in
            try await HTTPTestServer.withRunning { other, otherBase in
                await serve(on: server, other: other)
                try await withTemporaryDirectory { directory in
                    let daemon = try await ListeningDaemon.start(
                        try configuration(base: base, other: otherBase, in: directory))
                    try await waitUntilPolled(daemon)
                    try await ready?(daemon)
                    try await body(daemon, directory)
                    #expect(await daemon.stop() == 0, "\(daemon.process.stderr)")
                }
            }
        }
    }

    static let hostileTitle = "How feed readers should treat <script> in titles"

    /// The RSS of `lwn`: three items; the title is escaped twice in the XML, so that the parsed
    /// (plain-text) title holds `<script>` itself.
    static let lwn = """
        <?xml version="1.0" encoding="utf-8"?>
        <rss version="2.0"><channel><title>LWN.net</title><link>https://lwn.net/</link>
        <item><title>Kernel prepatch 6.19-rc3</title><link>https://lwn.net/Articles/1001/</link>
        <guid>https://lwn.net/Articles/1001/</guid><author>corbet@lwn.net (Jonathan Corbet)</author>
        <category>Kernel</category><pubDate>Tue, 01 Dec 2026 09:00:00 GMT</pubDate>
        <description>&lt;p&gt;Linus has released &lt;b&gt;6.19-rc3&lt;/b&gt; for testing.&lt;/p&gt;</description></item>
        <item><title>Security updates for Wednesday</title><link>https://lwn.net/Articles/1002/</link>
        <guid>https://lwn.net/Articles/1002/</guid><pubDate>Wed, 02 Dec 2026 08:00:00 GMT</pubDate>
        <description>Security updates have been issued by Debian, Fedora and SUSE.</description></item>
        <item><title>How feed readers should treat &amp;lt;script&amp;gt; in titles</title>
        <link>javascript:alert(1)</link><guid>hostile-1</guid>
        <description>A title is text, not markup.</description></item>
        </channel></rss>
        """

    static let rust = """
        <?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom"><title>Rust Blog</title><id>https://blog.rust-lang.org/</id>
        <updated>2026-11-27T00:00:00Z</updated><link rel="alternate" href="https://blog.rust-lang.org/"/>
        <entry><title>Announcing Rust 1.92.0</title><id>https://blog.rust-lang.org/2026/11/27/Rust-1.92.0/</id>
        <link rel="alternate" href="https://blog.rust-lang.org/2026/11/27/Rust-1.92.0/"/>
        <published>2026-11-27T00:00:00Z</published><updated>2026-11-27T00:00:00Z</updated>
        <author><name>The Rust Release Team</name></author>
        <content type="html">&lt;p&gt;The Rust team is happy to announce a new version.&lt;/p&gt;</content></entry>
        <entry><title>This Development-cycle in Cargo</title><id>https://blog.rust-lang.org/inside-rust/cargo/</id>
        <link rel="alternate" href="https://blog.rust-lang.org/inside-rust/cargo/"/>
        <updated>2026-11-20T00:00:00Z</updated><author><name>Ed Page</name></author>
        <summary>What the Cargo team worked on.</summary></entry>
        </feed>
        """

    /// The titles of every item, by feed.
    static let titles: [String: [String]] = [
        "lwn": ["Kernel prepatch 6.19-rc3", "Security updates for Wednesday", hostileTitle],
        "rust-blog": ["Announcing Rust 1.92.0", "This Development-cycle in Cargo"],
    ]

    /// Serves `lwn` and `rust-blog` on `server`, and `status-blog` (503, `Retry-After: 3600`) and a
    /// webhook that fails (500) on `other`.
    static func serve(on server: HTTPTestServer, other: HTTPTestServer) async {
        await server.route("/lwn.xml", ScriptedResponse.text(lwn, contentType: "application/rss+xml"))
        await server.route("/rust.atom", ScriptedResponse.text(rust, contentType: "application/atom+xml"))
        await other.route(
            "/status.xml",
            ScriptedResponse.text("down for maintenance", status: 503).adding(header: "Retry-After", "3600"))
        await other.route("/chat", ScriptedResponse.text("no", status: 500))
    }

    /// The configuration of the three feeds, a `jsonl` hook for all and a failing webhook for `lwn`.
    static func configuration(base: String, other: String, in directory: TemporaryDirectory) throws -> URL {
        try directory.write(
            """
            state_dir = "state"
            interval = "1h"
            listen = "127.0.0.1:0"
            listen_refresh = "45s"
            hooks = ["archive"]
            notify_existing = true

            [[feed]]
            name = "lwn"
            url = "\(base)/lwn.xml"
            tags = ["linux", "news"]
            hooks = ["chat"]

            [[feed]]
            name = "rust-blog"
            url = "\(base)/rust.atom"
            tags = ["programming"]

            [[feed]]
            name = "status-blog"
            url = "\(other)/status.xml"
            tags = ["ops"]

            [[hook]]
            name = "archive"
            type = "jsonl"
            path = "new-items.jsonl"

            [[hook]]
            name = "chat"
            type = "webhook"
            url = "\(other)/chat"
            """, to: "feedd.toml")
    }

    /// Waits until both working feeds are stored and `status-blog` has failed.
    static func waitUntilPolled(_ daemon: ListeningDaemon) async throws {
        try await daemon.waitForFeeds { feeds in
            (feeds["lwn"]?["items"] as? Int) == 3 && (feeds["rust-blog"]?["items"] as? Int) == 2
                && ((feeds["status-blog"]?["consecutive_failures"] as? Int) ?? 0) >= 1
        }
    }
}
