import Config
import Daemon
import Hooks
import Store
import TestSupport
import Testing

/// The filtering the poll pipeline does (`DeliveryPlan`): a feed's filter for every hook, then each
/// hook's own, batch hooks included, through the daemon with a real server and store.
@Suite("Filters in the pipeline")
struct FilterPipelineTests {
    @Test("a feed's filter holds items back from every hook; a batch hook's filter drops items from its batch")
    func feedAndHookFilters() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1, 2, 3, 4, 5]]) { bed in
            let digest = RecordingHook(name: "digest")
            let every = RecordingHook(name: "every")
            let daemon = try await bed.daemon(
                [
                    TestFeed(
                        name: "a", url: bed.base + "/a.xml", hooks: ["digest", "every"],
                        exclude: ["item 3"])
                ],
                hooks: [
                    HookSettings(hook: digest, filter: try ItemFilter(exclude: ["/item [12]/"]), batch: true),
                    HookSettings(hook: every),
                ], notifyExisting: true)
            _ = await daemon.pollOnce()
            #expect(
                bed.logged == ["Item 1", "Item 2", "Item 4", "Item 5"])
            #expect(every.calls.flatMap { $0 } == ["Item 1", "Item 2", "Item 4", "Item 5"])
            #expect(digest.calls == [["Item 4", "Item 5"]])

            // A new item the batch hook's filter rejects: no call at all for it, the others get it.
            bed.feeds.set("/a.xml", items: [1, 2, 3, 4, 5, 11])
            _ = await daemon.pollOnce()
            #expect(every.calls.flatMap { $0 } == ["Item 1", "Item 2", "Item 4", "Item 5", "Item 11"])
            #expect(digest.calls == [["Item 4", "Item 5"]])
            #expect(try daemon.files.pendingDeliveries(hook: "digest").isEmpty)
            try await daemon.close()
        }
    }
}

/// The parser's text and the text a hook filter reads come from one converter and one entity table.
@Suite("Parser and hook filters read references alike")
struct ReferenceAgreementTests {
    /// `café été &bogus; ’`: a named, two numeric (one windows-1252), and an unknown reference.
    static let escaped = "caf&amp;eacute; &amp;#233;t&amp;#xE9; &amp;bogus; &amp;#146;"
    static let text = "café été &bogus; \u{2019}"

    @Test("&eacute;, numeric references and an unknown name give the same text to the parser and to a hook filter")
    func sameText() async throws {
        try await withTemporaryDirectory { directory in
            try await HTTPTestServer.withRunning { server, base in
                let rss = """
                    <?xml version="1.0"?><rss version="2.0"><channel><title>f</title>
                    <item><guid>a</guid><title>\(Self.escaped)</title></item>
                    <item><guid>b</guid><title>B</title><description>&lt;p&gt;\(Self.escaped)&lt;/p&gt;</description></item>
                    <item><guid>c</guid><title>C</title><description>&lt;p&gt;cafe ete&lt;/p&gt;</description></item>
                    </channel></rss>
                    """
                await server.route("/refs.xml") { _ in
                    ScriptedResponse(
                        status: 200, headers: ["Content-Type": "application/rss+xml"],
                        body: Array(rss.utf8))
                }
                let hook = RecordingHook(name: "exact")
                // Anchored: a field passes only when its whole plain text is the expected text.
                let filter = try ItemFilter(include: ["/^\(Self.text)$/c"])
                let settings = try testSettings(
                    directory: directory,
                    feeds: [TestFeed(name: "refs", url: base + "/refs.xml", hooks: ["exact"])],
                    extraHooks: [HookSettings(hook: hook, filter: filter)], notifyExisting: true)
                let daemon = try await Daemon(settings: settings, logger: quietLogger)
                _ = await daemon.pollOnce()
                // Item a passes on the parser's title, item b on the filter's text of its summary.
                #expect(hook.calls.flatMap { $0 }.sorted() == ["B", Self.text])
                try await daemon.close()
            }
        }
    }
}
