import Foundation
import Store
import TestSupport
import Testing

/// Nested in the serialized `ProcessTests`: one daemon child at a time, so that these process-heavy tests
/// do not run beside each other and starve the timing-sensitive tests of other suites.
extension ProcessTests {
    /// Credentials in feed URLs never leave the daemon: not through the listener, the log, the stored
    /// errors nor the hooks' payloads. The fetcher still uses them.
    @Suite("Credentials in feed URLs")
    struct CredentialMaskingTests {
        @Test("the listener, the log, stored errors and hook payloads show user:***@, never the password")
        func maskedEverywhere() async throws {
            try await withTemporaryDirectory { directory in
                try await HTTPTestServer.withRunning { server, base in
                    let feeds = FeedServer()
                    feeds.set("/a.xml", items: [1])
                    await feeds.route(["/a.xml"], on: server)
                    let secret = base.replacing("http://", with: "http://reader:hunter2@")
                    let masked = base.replacing("http://", with: "http://reader:***@")
                    let (child, port) = try await ListenerTests.start(
                        in: directory, base: base, limits: "10000,10000,64",
                        feeds: "a=\(secret)/a.xml\nbroken=\(secret)/missing.xml\n")
                    defer { child.end() }
                    let log = directory.path + "/log.jsonl"
                    #expect(await eventually { JSONLines(path: log).titles == ["Item 1"] })
                    // The fetcher used the credentials (curl sends them as Basic authorization).
                    let authorization = await server.requests(for: "/a.xml").first?.header("Authorization")
                    #expect(authorization == "Basic " + Data("reader:hunter2".utf8).base64EncodedString())

                    let payload = try String(contentsOfFile: log, encoding: .utf8)
                    #expect(!payload.contains("hunter2"))
                    let feed = JSONLines(path: log).lines.first?["feed"] as? [String: Any]
                    #expect(feed?["url"] as? String == masked + "/a.xml")

                    var listing = ""
                    #expect(
                        await eventually {
                            listing = (try? await TCPClient.get("/feeds", port: port)) ?? ""
                            return listing.contains("404")
                        }, "\(listing)")
                    #expect(!listing.contains("hunter2"), "\(listing)")
                    let body = String(listing[(listing.range(of: "\r\n\r\n")?.upperBound ?? listing.endIndex)...])
                    let objects = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]
                    #expect(objects?.first?["url"] as? String == masked + "/a.xml")
                    #expect(objects?.first?["fetching"] as? String == masked + "/a.xml")
                    #expect(objects?.last?["url"] as? String == masked + "/missing.xml")

                    child.signal(SIGTERM)
                    #expect(await child.exitStatus() == 0, "\(child.stderr)")
                    #expect(!child.stderr.contains("hunter2"), "\(child.stderr)")
                    #expect(child.stderr.contains("\(masked)/missing.xml"), "\(child.stderr)")

                    let store = try FileStore.open(
                        directory: directory.path + "/state", options: StoreOptions(readOnly: true))
                    let state = try #require(try store.fetchState(feed: "broken"))
                    let error = try #require(state.lastError)
                    #expect(error.contains("404") && !error.contains("hunter2"), "\(error)")
                    // The stored URL to fetch keeps them: it is what the next poll uses.
                    #expect(try store.fetchState(feed: "a")?.url == secret + "/a.xml")
                }
            }
        }
    }
}
