import Foundation
import TestSupport
import Testing

/// The daemon's log lines as an operator reads them: the built `feedd` as a child process, its standard
/// error read.
@Suite("feedd logs")
struct LogTests {
    private static func feed(_ titles: [String]) -> String {
        let entries = titles.enumerated().map { "<item><title>\($1)</title><guid>s\($0)</guid></item>" }.joined()
        return "<rss version=\"2.0\"><channel><title>News</title>\(entries)</channel></rss>"
    }

    /// One feed, a webhook to `baseURL/hook` and a jsonl hook, every item announced.
    private static func configuration(
        in directory: TemporaryDirectory, baseURL: String, extra: String = ""
    ) throws -> URL {
        try directory.write(
            """
            state_dir = "state"
            interval = "1h"
            hooks = ["chat", "archive"]
            notify_existing = true
            \(extra)
            [[feed]]
            name = "news"
            url = "\(baseURL)/feed.xml"
            [[hook]]
            name = "chat"
            type = "webhook"
            url = "\(baseURL)/hook"
            [[hook]]
            name = "archive"
            type = "jsonl"
            path = "new-items.jsonl"
            """, to: "feedd.toml")
    }

    private func poll(_ arguments: [String], environment: [String: String] = [:]) async throws -> ProcessResult {
        var whole = ProcessInfo.processInfo.environment
        for (key, value) in environment { whole[key] = value }
        whole["JOURNAL_STREAM"] = nil
        return try await ProcessRunner.run(
            ParseCommandTests.binary, arguments: ["poll", "--once"] + arguments, environment: whole)
    }

    /// The lines of `text` that hold every one of `parts`.
    private static func lines(_ text: String, containing parts: [String]) -> [Substring] {
        text.split(separator: "\n").filter { line in parts.allSatisfy { line.contains($0) } }
    }

    @Test("every delivery is logged at info with hook, feed, item title and result, a webhook's too")
    func deliveriesAtInfo() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/feed.xml", ScriptedResponse(body: Array(Self.feed(["Quiet news day"]).utf8)))
            await server.route("/hook", ScriptedResponse(status: 204))
            try await withTemporaryDirectory { directory in
                let config = try Self.configuration(in: directory, baseURL: baseURL)
                let result = try await poll(["--config", config.path])
                #expect(result.status == 0, "\(result.stderrText)")
                for hook in ["chat", "archive"] {
                    let found = Self.lines(
                        result.stderrText,
                        containing: [
                            " info feedd: delivered ", "hook.name=\(hook)", "feed.name=news",
                            "item.title=\"Quiet news day\"", "result=delivered",
                        ])
                    #expect(found.count == 1, "hook \(hook): \(result.stderrText)")
                }
                #expect(
                    Self.lines(result.stderrText, containing: ["hook.name=chat", "details=\"HTTP 204\""]).count == 1)

                // A failing webhook: a warning with the same fields and the result.
                await server.route(
                    "/feed.xml", ScriptedResponse(body: Array(Self.feed(["Quiet news day", "Storm"]).utf8)))
                await server.route("/hook", ScriptedResponse(status: 503))
                let failed = try await poll(["--config", config.path])
                let retry = Self.lines(
                    failed.stderrText,
                    containing: [
                        " warning feedd: delivery failed", "hook.name=chat", "item.title=Storm", "result=retry",
                    ])
                #expect(retry.count == 1, "\(failed.stderrText)")
            }
        }
    }

    @Test("log_format json, FEEDD_LOG_FORMAT or --log-format: each line one JSON object with the metadata as fields")
    func jsonLines() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/feed.xml", ScriptedResponse(body: Array(Self.feed(["A \"quoted\" title"]).utf8)))
            await server.route("/hook", ScriptedResponse(status: 200))
            try await withTemporaryDirectory { directory in
                let cases: [(extra: String, arguments: [String], environment: [String: String])] = [
                    ("log_format = \"json\"", [], [:]),
                    ("", [], ["FEEDD_LOG_FORMAT": "json"]),
                    ("log_format = \"text\"", ["--log-format", "json"], ["FEEDD_LOG_FORMAT": "text"]),
                ]
                for (index, (extra, arguments, environment)) in cases.enumerated() {
                    try? FileManager.default.removeItem(atPath: directory.path + "/state")
                    let config = try Self.configuration(in: directory, baseURL: baseURL, extra: extra)
                    let result = try await poll(["--config", config.path] + arguments, environment: environment)
                    #expect(result.status == 0, "case \(index): \(result.stderrText)")
                    let lines = result.stderrText.split(separator: "\n")
                    #expect(!lines.isEmpty)
                    var delivered: [[String: Any]] = []
                    for line in lines {
                        let object = try #require(
                            try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                            "case \(index): not a JSON object: \(line)")
                        #expect(object["time"] is String && object["level"] is String && object["message"] is String)
                        if object["message"] as? String == "delivered" { delivered.append(object) }
                    }
                    #expect(delivered.count == 2, "case \(index): \(result.stderrText)")
                    let chat = delivered.first { $0["hook.name"] as? String == "chat" }
                    #expect(chat?["level"] as? String == "info")
                    #expect(chat?["feed.name"] as? String == "news")
                    #expect(chat?["item.title"] as? String == "A \"quoted\" title")
                    #expect(chat?["result"] as? String == "delivered")
                }
                let bad = try await poll(["--config", directory.path + "/feedd.toml", "--log-format", "xml"])
                #expect(bad.status == 64)
                #expect(bad.stderrText.contains("--log-format"), "\(bad.stderrText)")
            }
        }
    }

    @Test("with listen set, SIGTERM stops the daemon with status 0 and no critical line")
    func cleanStopWithListener() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/feed.xml", ScriptedResponse(body: Array(Self.feed(["One"]).utf8)))
            await server.route("/hook", ScriptedResponse(status: 200))
            try await withTemporaryDirectory { directory in
                let config = try Self.configuration(in: directory, baseURL: baseURL, extra: "listen = \"127.0.0.1:0\"")
                let daemon = try await BackgroundProcess(
                    ParseCommandTests.binary, arguments: ["run", "--config", config.path],
                    environment: ["JOURNAL_STREAM": nil, "NOTIFY_SOCKET": nil])
                #expect(await daemon.waitForError(containing: "HTTP listener started"), "\(daemon.stderr)")
                // The store it uses, so that an operator can tell `feedd items` where to look.
                #expect(daemon.stderr.contains("notice feedd: started feeds=1 state.dir=\(directory.path)/state\n"))
                #expect(await daemon.waitForError(containing: "result=delivered"), "\(daemon.stderr)")
                daemon.signal(SIGTERM)
                #expect(await daemon.exitStatus() == 0, "\(daemon.stderr)")
                #expect(!daemon.stderr.contains("critical"), "\(daemon.stderr)")
                #expect(!daemon.stderr.contains(" error "), "\(daemon.stderr)")
            }
        }
    }

    @Test("a reload of a configuration with several problems logs one line per problem and keeps running")
    func reloadProblems() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/feed.xml", ScriptedResponse(body: Array(Self.feed(["One"]).utf8)))
            await server.route("/hook", ScriptedResponse(status: 200))
            try await withTemporaryDirectory { directory in
                let config = try Self.configuration(in: directory, baseURL: baseURL)
                let daemon = try await BackgroundProcess(
                    ParseCommandTests.binary, arguments: ["run", "--config", config.path],
                    environment: ["JOURNAL_STREAM": nil, "NOTIFY_SOCKET": nil])
                #expect(await daemon.waitForError(containing: "result=delivered"), "\(daemon.stderr)")
                _ = try Self.configuration(
                    in: directory, baseURL: baseURL, extra: "concurrency = 0\nnot_an_option = true\n")
                daemon.signal(SIGHUP)
                #expect(await daemon.waitForError(containing: "reload failed"), "\(daemon.stderr)")
                let problems = Self.lines(daemon.stderr, containing: [" error feedd: reload: configuration problem "])
                #expect(problems.count == 2, "\(daemon.stderr)")
                #expect(problems.contains { $0.contains("feedd.toml:5") && $0.contains("concurrency") })
                #expect(problems.contains { $0.contains("feedd.toml:6") && $0.contains("not_an_option") })
                #expect(Self.lines(daemon.stderr, containing: ["reload failed", "problems=2"]).count == 1)
                daemon.signal(SIGTERM)
                #expect(await daemon.exitStatus() == 0, "\(daemon.stderr)")
            }
        }
    }
}
