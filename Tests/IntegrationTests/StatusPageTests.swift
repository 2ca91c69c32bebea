import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Nested in the serialized `ListenerViewTests`: one listening daemon (and one Chromium) at a time.
extension ListenerViewTests {
    /// The status page `GET /` of a running `feedd run`: as served, and as headless Chromium shows it.
    @Suite("the status page", .serialized)
    struct StatusPageTests {
        private func withDaemon(_ body: (ListeningDaemon, TemporaryDirectory) async throws -> Void) async throws {
            // The failing webhook has been tried (its deliveries wait with an error).
            try await StatusFixtures.withDaemon(
                ready: { daemon in
                    let deadline = ContinuousClock.now + .seconds(60)
                    while ContinuousClock.now < deadline, !(try await daemon.get("/").text.contains("HTTP 500")) {
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }, body)
        }

        @Test(
            "the page as served: HTML, no script allowed, failing feed first, text escaped; /feeds shows the host pause"
        )
        func served() async throws {
            try await withDaemon { daemon, _ in
                let response = try await daemon.get("/")
                #expect(response.status == 200)
                #expect(response.header("Content-Type") == "text/html; charset=utf-8")
                #expect(response.header("Content-Security-Policy")?.hasPrefix("default-src 'none'") == true)
                let html = response.text
                #expect(html.contains("<meta http-equiv=\"refresh\" content=\"45\">"), "listen_refresh = \"45s\"")
                #expect(html.contains("How feed readers should treat &lt;script&gt; in titles"))
                #expect(!html.contains("<script"))
                #expect(!html.contains("javascript:"), "a javascript: link is neither a link nor shown")
                let rows = Self.feedRows(html)
                #expect(rows.map(\.name) == ["status-blog", "lwn", "rust-blog"])
                #expect(rows.first?.html.contains("HTTP 503") == true, "\(rows.first?.html ?? "")")
                #expect(rows.first?.html.contains("paused (HTTP 503)") == true)
                #expect(rows.dropFirst().allSatisfy { !$0.html.contains("failing") })
                #expect(html.contains("<div id=\"stat-failing\" class=\"bad\"><dt>Failing</dt><dd>1</dd></div>"))
                #expect(html.contains("<div id=\"stat-feeds\"><dt>Feeds</dt><dd>3</dd></div>"))
                let chat = try #require(html.components(separatedBy: "<tr data-hook=\"chat\"").dropFirst().first)
                #expect(chat.contains("HTTP 500"), "\(chat)")

                let feeds = try await daemon.feeds()
                let paused = try #require(feeds.first { $0["name"] as? String == "status-blog" })
                let pause = try #require(paused["host_pause"] as? [String: Any], "\(paused)")
                #expect(pause["http_status"] as? Int == 503)
                #expect((pause["host"] as? String)?.hasPrefix("127.0.0.1:") == true)
                #expect(pause["until"] is String)
                let lwn = try #require(feeds.first { $0["name"] as? String == "lwn" })
                #expect(lwn["host_pause"] is NSNull)
            }
        }

        @Test("headless Chromium shows the feeds, the failing one first with its error, a hostile title as text")
        func inChromium() async throws {
            try await withDaemon { daemon, directory in
                let url = "http://127.0.0.1:\(daemon.port)/"
                let dom = try await Chromium.run(["--dump-dom", url], in: directory).stdout
                #expect(dom.contains("<title>feedd: 1 of 3 feeds failing</title>"), "\(dom)")
                let rows = Self.feedRows(dom)
                #expect(rows.map(\.name) == ["status-blog", "lwn", "rust-blog"], "\(dom)")
                #expect(rows.first?.html.contains("HTTP 503") == true, "\(rows.first?.html ?? dom)")
                // The title is text in the DOM (serialized escaped), and no script element was made of it.
                #expect(dom.contains("How feed readers should treat &lt;script&gt; in titles"), "\(dom)")
                #expect(!dom.lowercased().contains("<script"), "\(dom)")
                #expect(!dom.contains("href=\"javascript:"))

                let screenshot = directory.url(for: "status-page.png")
                _ = try await Chromium.run(
                    ["--screenshot=\(screenshot.path)", "--window-size=1200,1000", "--hide-scrollbars", url],
                    in: directory)
                let png = try Data(contentsOf: screenshot)
                #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG")
                // FEEDD_STATUS_SCREENSHOT=docs/status-page.png keeps it (the README shows that file).
                if let keep = ProcessInfo.processInfo.environment["FEEDD_STATUS_SCREENSHOT"] {
                    try? FileManager.default.removeItem(atPath: keep)
                    try FileManager.default.copyItem(at: screenshot, to: URL(fileURLWithPath: keep))
                }
            }
        }

        /// The rows of the feeds table in order: the feed's name and the row's markup.
        static func feedRows(_ html: String) -> [(name: String, html: String)] {
            html.components(separatedBy: "<tr class=\"feed").dropFirst().compactMap { row in
                guard let start = row.range(of: "data-feed=\"") else { return nil }
                let rest = row[start.upperBound...]
                guard let end = rest.firstIndex(of: "\"") else { return nil }
                let markup = row.components(separatedBy: "</tr>").first ?? row
                return (String(rest[..<end]), markup)
            }
        }
    }
}

/// Debian's `chromium` (installed by `scripts/setup`), headless, as root too (`--no-sandbox`), with a
/// profile of its own in the test's directory. It runs in a session of its own, and the whole process
/// group is killed when it is done, pass or fail, so no renderer outlives the test.
enum Chromium {
    static func run(_ arguments: [String], in directory: TemporaryDirectory) async throws -> (
        stdout: String, stderr: String
    ) {
        let executable = URL(fileURLWithPath: "/usr/bin/chromium")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw DaemonFailure("/usr/bin/chromium is missing: run scripts/setup, which installs Debian's chromium")
        }
        let profile = directory.url(for: "chromium-profile-\(UInt32.random(in: 0...UInt32.max))")
        let process = try await BackgroundProcess(
            URL(fileURLWithPath: "/usr/bin/setsid"),
            arguments: [
                executable.path, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--user-data-dir=\(profile.path)",
            ] + arguments,
            environment: ["HOME": directory.path])
        defer {
            kill(-process.processIdentifier, SIGKILL)
        }
        let status = await process.exitStatus(timeout: .seconds(90))
        guard status == 0 else {
            throw DaemonFailure(
                "chromium \(arguments) ended with \(status.map(String.init) ?? "no exit"): \(process.stderr)")
        }
        return (process.stdout, process.stderr)
    }
}
