import FeedModel
import FeedParser
import Foundation
import TestSupport
import Testing

/// Nested in the serialized `ListenerViewTests`: one listening daemon (and one Chromium) at a time.
extension ListenerViewTests {
    /// `GET /feed.atom` and `GET /feed.json` of a running `feedd run`, read back with feedd's own parser.
    @Suite("the merged feed: /feed.atom and /feed.json", .serialized)
    struct MergedFeedTests {
        private func withDaemon(_ body: (ListeningDaemon, TemporaryDirectory) async throws -> Void) async throws {
            try await StatusFixtures.withDaemon(body)
        }

        private func parse(_ response: SimpleHTTPResponse) throws -> FeedDocument {
            try FeedParser().parse(response.body)
        }

        /// The JSON Feed's items as objects.
        private func jsonItems(_ response: SimpleHTTPResponse) throws -> [[String: Any]] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
            return (object["items"] as? [[String: Any]]) ?? []
        }

        @Test("Atom 1.0 and JSON Feed 1.1 with every required element, newest first, each entry naming its feed")
        func documents() async throws {
            try await withDaemon { daemon, _ in
                let atomResponse = try await daemon.get("/feed.atom")
                #expect(atomResponse.status == 200)
                #expect(atomResponse.header("Content-Type") == "application/atom+xml; charset=utf-8")
                let atom = try parse(atomResponse)
                let origin = "http://127.0.0.1:\(daemon.port)"
                #expect(atom.format == .atom10)
                #expect(atom.warnings == [], "the document is clean: \(atom.warnings)")
                #expect(atom.title == "feedd: all feeds")
                #expect(atom.feedURL == origin + "/feed.atom")
                #expect(atom.link == origin + "/")
                #expect(atom.updated != nil)
                #expect(atomResponse.text.contains("<id>urn:uuid:"))
                let allTitles = Set(StatusFixtures.titles.values.joined())
                #expect(Set(atom.items.compactMap(\.title)) == allTitles)
                #expect(atom.items.count == 5)
                for item in atom.items {
                    #expect(item.id?.hasPrefix("urn:uuid:") == true, "\(item)")
                    #expect(item.updated != nil, "\(item)")
                    #expect(item.link != nil, "\(item)")
                    #expect(item.summary != nil || item.content != nil, "\(item)")
                }
                #expect(Set(atom.items.compactMap(\.id)).count == 5, "ids are unique")
                let kernel = try #require(atom.items.first { $0.title == "Kernel prepatch 6.19-rc3" })
                #expect(kernel.authors.first?.name == "Jonathan Corbet")
                #expect(kernel.link == "https://lwn.net/Articles/1001/")
                #expect(kernel.categories == ["Kernel"])
                #expect(kernel.summary?.contains("<b>6.19-rc3</b>") == true)
                let release = try #require(atom.items.first { $0.title == "Announcing Rust 1.92.0" })
                #expect(release.authors.first?.name == "The Rust Release Team")
                #expect(release.content == "<p>The Rust team is happy to announce a new version.</p>")
                #expect(release.published == Timestamp(rfc3339: "2026-11-27T00:00:00Z"))
                // The hostile title went out escaped and comes back as the same text.
                #expect(atom.items.contains { $0.title == StatusFixtures.hostileTitle })
                #expect(!atomResponse.text.contains("<script>"))
                // Every entry has a source naming its feed.
                let entries = atomResponse.text.components(separatedBy: "<entry>").dropFirst()
                #expect(entries.count == 5)
                for entry in entries {
                    let source = try #require(entry.components(separatedBy: "<source>").dropFirst().first, "\(entry)")
                    if entry.contains("lwn.net/Articles") {
                        #expect(source.contains("<title type=\"text\">LWN.net</title>"), "\(entry)")
                        #expect(source.contains("/lwn.xml\"/>"), "\(entry)")
                    } else if entry.contains("rust-lang.org") {
                        #expect(source.contains("<title type=\"text\">Rust Blog</title>"), "\(entry)")
                    }
                    #expect(source.contains("<id>urn:uuid:"), "\(entry)")
                }

                let jsonResponse = try await daemon.get("/feed.json")
                #expect(jsonResponse.status == 200)
                #expect(jsonResponse.header("Content-Type") == "application/feed+json; charset=utf-8")
                let json = try parse(jsonResponse)
                #expect(json.format == .json11)
                #expect(json.title == "feedd: all feeds")
                #expect(json.feedURL == origin + "/feed.json")
                #expect(json.link == origin + "/")
                #expect(json.items.map(\.id) == atom.items.map(\.id), "the same entries, the same ids, the same order")
                // JSON Feed titles are plain text as they stand (feedd's parser folds markup out of them, so the raw
                // object is compared): the hostile title is there as it was.
                #expect(try jsonItems(jsonResponse).map { $0["title"] as? String } == atom.items.map(\.title))
                #expect(json.items.allSatisfy { $0.summary != nil || $0.content != nil })
                #expect(
                    json.items.first { $0.title == "Kernel prepatch 6.19-rc3" }?.authors.first?.name
                        == "Jonathan Corbet")
                let objects = try jsonItems(jsonResponse)
                let top = try #require(
                    try JSONSerialization.jsonObject(with: Data(jsonResponse.body)) as? [String: Any])
                #expect(top["version"] as? String == "https://jsonfeed.org/version/1.1")
                let feeds = objects.map { ($0["_feedd"] as? [String: Any])?["feed"] as? String }
                #expect(Set(feeds.compactMap { $0 }) == ["lwn", "rust-blog"])
                #expect(feeds.filter { $0 == "lwn" }.count == 3)
                // Newest first by first-seen time.
                let seen = objects.compactMap { (($0["_feedd"] as? [String: Any])?["first_seen"] as? String) }
                #expect(seen.count == 5)
                #expect(seen == seen.sorted(by: >), "\(seen)")

                // Behind a reverse proxy that ends TLS, the links are https.
                let proxied = try parse(try await daemon.get("/feed.json", headers: ["X-Forwarded-Proto": "https"]))
                #expect(proxied.feedURL == "https://127.0.0.1:\(daemon.port)/feed.json")

                // The same request gives the same document.
                let again = try await daemon.get("/feed.atom")
                #expect(again.body == atomResponse.body)
                #expect(again.header("ETag") == atomResponse.header("ETag"))
            }
        }

        @Test("conditional GET: ETag and Last-Modified, 304 on If-None-Match and If-Modified-Since")
        func conditionalGet() async throws {
            try await withDaemon { daemon, _ in
                for path in ["/feed.atom", "/feed.json"] {
                    let first = try await daemon.get(path)
                    let etag = try #require(first.header("ETag"), "\(path)")
                    let lastModified = try #require(first.header("Last-Modified"), "\(path)")
                    #expect(etag.hasPrefix("\"") && etag.hasSuffix("\""), "\(etag)")
                    #expect(Timestamp(httpDate: lastModified) != nil, "\(lastModified)")

                    let matched = try await daemon.get(path, headers: ["If-None-Match": etag])
                    #expect(matched.status == 304, "\(path)")
                    #expect(matched.body.isEmpty)
                    #expect(matched.header("ETag") == etag)
                    #expect(matched.header("Content-Length") == nil)
                    let listed = try await daemon.get(path, headers: ["If-None-Match": "\"other\", W/\(etag)"])
                    #expect(listed.status == 304, "\(path)")
                    let other = try await daemon.get(path, headers: ["If-None-Match": "\"other\""])
                    #expect(other.status == 200, "\(path)")
                    #expect(other.body == first.body)

                    let since = try await daemon.get(path, headers: ["If-Modified-Since": lastModified])
                    #expect(since.status == 304, "\(path)")
                    let earlier = try #require(Timestamp(httpDate: lastModified)).secondsSince1970 - 3600
                    let before = try await daemon.get(
                        path, headers: ["If-Modified-Since": Self.httpDate(Timestamp(secondsSince1970: earlier))])
                    #expect(before.status == 200, "\(path)")
                    // If-None-Match decides when both are sent.
                    let both = try await daemon.get(
                        path, headers: ["If-None-Match": "\"other\"", "If-Modified-Since": lastModified])
                    #expect(both.status == 200, "\(path)")
                }
                // Another selection is another document.
                let all = try await daemon.get("/feed.atom")
                let one = try await daemon.get(
                    "/feed.atom?feed=lwn", headers: ["If-None-Match": all.header("ETag") ?? ""])
                #expect(one.status == 200)
            }
        }

        /// RFC 9110's IMF-fixdate, as a client sends it.
        private static func httpDate(_ timestamp: Timestamp) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(timestamp.secondsSince1970)))
        }

        @Test("?feed=, ?tag= and ?limit= select; bad values answer 400 or 404 saying why")
        func selections() async throws {
            try await withDaemon { daemon, _ in
                let all = try parse(try await daemon.get("/feed.json"))
                let lwn = try await daemon.get("/feed.json?feed=lwn")
                #expect(try jsonItems(lwn).allSatisfy { ($0["_feedd"] as? [String: Any])?["feed"] as? String == "lwn" })
                #expect(
                    Set(try jsonItems(lwn).compactMap { $0["title"] as? String })
                        == Set(StatusFixtures.titles["lwn"] ?? [])
                )
                #expect(try parse(lwn).title == "feedd: feed lwn")

                let tagged = try parse(try await daemon.get("/feed.atom?tag=programming"))
                #expect(Set(tagged.items.compactMap(\.title)) == Set(StatusFixtures.titles["rust-blog"] ?? []))
                #expect(tagged.title == "feedd: tag programming")
                let both = try parse(try await daemon.get("/feed.atom?tag=linux&limit=1"))
                #expect(both.items.count == 1)
                #expect(StatusFixtures.titles["lwn"]?.contains(both.items.first?.title ?? "") == true)

                let two = try parse(try await daemon.get("/feed.atom?limit=2"))
                #expect(two.items.map(\.id) == Array(all.items.prefix(2)).map(\.id))
                let many = try parse(try await daemon.get("/feed.atom?limit=100000"))
                #expect(many.items.count == 5, "a limit over 1,000 is capped, not refused")

                for (target, status, words) in [
                    ("/feed.atom?limit=0", 400, "limit must be a whole number from 1 to 1000, got \"0\""),
                    ("/feed.json?limit=ten", 400, "limit must be a whole number from 1 to 1000, got \"ten\""),
                    ("/feed.atom?feed=", 400, "feed must name a feed"),
                    ("/feed.atom?feed=nope", 404, "no feed is named \"nope\""),
                    ("/feed.json?tag=nope", 404, "no feed has the tag \"nope\""),
                ] {
                    let response = try await daemon.get(target)
                    #expect(response.status == status, "\(target)")
                    let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
                    #expect(object?["error"] as? String == words, "\(target): \(response.text)")
                }
            }
        }

        @Test("entry ids are the same after a restart")
        func idsAcrossRestarts() async throws {
            try await HTTPTestServer.withRunning { server, base in
                try await HTTPTestServer.withRunning { other, otherBase in
                    await StatusFixtures.serve(on: server, other: other)
                    try await withTemporaryDirectory { directory in
                        let configuration = try StatusFixtures.configuration(
                            base: base, other: otherBase, in: directory)
                        let first = try await ListeningDaemon.start(configuration)
                        try await StatusFixtures.waitUntilPolled(first)
                        let before = try parse(try await first.get("/feed.atom"))
                        let beforeJSON = try parse(try await first.get("/feed.json"))
                        #expect(await first.stop() == 0, "\(first.process.stderr)")

                        let second = try await ListeningDaemon.start(configuration)
                        let after = try parse(try await second.get("/feed.atom"))
                        let afterJSON = try parse(try await second.get("/feed.json"))
                        #expect(await second.stop() == 0, "\(second.process.stderr)")
                        #expect(before.items.count == 5)
                        #expect(after.items.map(\.id) == before.items.map(\.id))
                        #expect(afterJSON.items.map(\.id) == beforeJSON.items.map(\.id))
                    }
                }
            }
        }

        @Test("feedd add subscribes to the daemon's own /feed.atom, and a poll reads its items")
        func subscribeWithFeeddAdd() async throws {
            try await withDaemon { daemon, _ in
                try await withTemporaryDirectory { reader in
                    try reader.write(
                        """
                        state_dir = "state"
                        hooks = ["archive"]
                        notify_existing = true

                        [[hook]]
                        name = "archive"
                        type = "jsonl"
                        path = "read.jsonl"

                        """, to: "feedd.toml")
                    let url = "http://127.0.0.1:\(daemon.port)/feed.atom"
                    let add = try await ProcessRunner.run(
                        ParseCommandTests.binary, arguments: ["add", url, "--config", "feedd.toml"],
                        currentDirectory: reader.url)
                    #expect(add.status == 0, "\(add.stderrText)")
                    let configuration = try String(contentsOf: reader.url(for: "feedd.toml"), encoding: .utf8)
                    #expect(configuration.contains("url = \"\(url)\""), "\(configuration)")

                    let poll = try await ProcessRunner.run(
                        ParseCommandTests.binary, arguments: ["poll", "--once", "--config", "feedd.toml"],
                        currentDirectory: reader.url)
                    #expect(poll.status == 0, "\(poll.stderrText)")
                    let lines = try String(contentsOf: reader.url(for: "read.jsonl"), encoding: .utf8)
                        .split(separator: "\n")
                    let titles = lines.compactMap { line in
                        (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["title"]
                            as? String
                    }
                    #expect(Set(titles) == Set(StatusFixtures.titles.values.joined()), "\(lines)")

                    // The next poll is conditional: nothing new, nothing announced twice.
                    let again = try await ProcessRunner.run(
                        ParseCommandTests.binary, arguments: ["poll", "--once", "--config", "feedd.toml"],
                        currentDirectory: reader.url)
                    #expect(again.status == 0, "\(again.stderrText)")
                    let after = try String(contentsOf: reader.url(for: "read.jsonl"), encoding: .utf8)
                    #expect(after.split(separator: "\n").count == lines.count)
                }
            }
        }
    }
}
