import Config
import FeedModel
import Fetcher
import Foundation
import Hooks
import Store
import TestSupport
import Testing

@testable import Daemon

/// The composition root: configuration text, overrides and environment in, a daemon out.
@Suite("Composition root")
struct BlueprintTests {
    @Test("settings come from the text, the overrides beat the environment and the file, secrets from the environment")
    func precedence() async throws {
        try await withTemporaryDirectory { directory in
            let text = """
                state_dir = "from-file"
                interval = "45m"
                hooks = ["log"]

                [[hook]]
                name = "log"
                type = "jsonl"
                path = "log.jsonl"

                [[feed]]
                name = "a"
                url = "https://example.org/a.xml"
                headers = { Authorization = { env = "A_TOKEN" } }
                """
            let blueprint = DaemonBlueprint(
                .text(text, path: directory.path + "/feedd.toml"),
                overrides: ["state_dir": directory.path + "/from-command-line"],
                environment: ["FEEDD_STATE_DIR": "from-environment", "FEEDD_LISTEN": "127.0.0.1:0", "A_TOKEN": "t0k"])
            let settings = try blueprint.settings().settings
            #expect(settings.stateDirectory == directory.path + "/from-command-line")
            // The file's own relative paths start from the file's folder.
            let fromFile = DaemonBlueprint(
                .text(text, path: directory.path + "/feedd.toml"), environment: ["A_TOKEN": ""])
            #expect(try fromFile.settings().settings.stateDirectory == directory.path + "/from-file")
            #expect(settings.schedule.defaultInterval == .seconds(45 * 60))
            #expect(settings.listen?.port == 0)
            #expect(settings.feeds.map(\.name) == ["a"])
            #expect(settings.feeds.first?.headers.first?.value == "t0k")
            #expect(settings.hooks.map(\.name) == ["log"])
            // Without the override, the environment beats the file.
            let fromEnvironment = DaemonBlueprint(
                .text(text, path: directory.path + "/feedd.toml"),
                environment: ["FEEDD_STATE_DIR": directory.path + "/env", "A_TOKEN": "x"])
            #expect(try fromEnvironment.settings().settings.stateDirectory == directory.path + "/env")
        }
    }

    @Test("hooks made in code replace the configuration's hook of their name; adjust comes last")
    func hooksInCode() async throws {
        try await withTemporaryDirectory { directory in
            let text = """
                hooks = ["log"]
                [[hook]]
                name = "log"
                type = "jsonl"
                path = "log.jsonl"
                [[hook]]
                name = "other"
                type = "jsonl"
                path = "other.jsonl"
                """
            let recording = RecordingHook(name: "log")
            let blueprint = DaemonBlueprint(
                .text(text, path: directory.path + "/feedd.toml"), environment: [:],
                hooks: [HookSettings(hook: recording, batch: true), HookSettings(hook: RecordingHook(name: "extra"))],
                adjust: { $0.shutdownGrace = .seconds(1) })
            let settings = try blueprint.settings().settings
            #expect(settings.hooks.map(\.name) == ["log", "other", "extra"])
            #expect(settings.hooks[0].hook is RecordingHook)
            #expect(settings.hooks[0].batch)
            #expect(settings.shutdownGrace == .seconds(1))
        }
    }

    @Test("a configuration with problems: Daemon.build names each with the file and line, and opens no store")
    func problems() async throws {
        try await withTemporaryDirectory { directory in
            let text = """
                state_dir = "state"
                interval = "soon"

                [[feed]]
                name = "a"
                url = "htp://example.org/a.xml"
                """
            let blueprint = DaemonBlueprint(.text(text, path: directory.path + "/feedd.toml"), environment: [:])
            do throws(DaemonError) {
                _ = try await Daemon.build(blueprint, logger: quietLogger)
                Issue.record("built a daemon from a bad configuration")
            } catch {
                guard case .configuration(let failure) = error else {
                    Issue.record("expected a configuration failure, got \(error)")
                    return
                }
                #expect(failure.problems.count == 2, "\(failure.problems)")
                #expect(failure.problems.contains { $0.hasPrefix(directory.path + "/feedd.toml:2:") })
                #expect(failure.problems.contains { $0.hasPrefix(directory.path + "/feedd.toml:6:") })
                #expect(failure.description.hasSuffix("feedd.toml: 2 problems"))
            }
            #expect(!FileManager.default.fileExists(atPath: directory.path + "/state"))
        }
    }

    @Test("a built daemon polls what its configuration text names, into the state directory it names")
    func buildsAndPolls() async throws {
        try await DaemonTestbed.with(feeds: ["/a.xml": [1, 2]]) { bed in
            let text = """
                state_dir = "state"
                hooks = ["log"]
                notify_existing = true
                [[hook]]
                name = "log"
                type = "jsonl"
                path = "log.jsonl"
                [[feed]]
                name = "a"
                url = "\(bed.base)/a.xml"
                """
            let daemon = try await Daemon.build(
                DaemonBlueprint(.text(text, path: bed.directory.path + "/feedd.toml"), environment: [:]),
                logger: quietLogger)
            let summary = await daemon.pollOnce()
            #expect(summary.newItems == 2 && summary.delivered == 2)
            #expect(bed.logged == ["Item 1", "Item 2"])
            #expect(try daemon.files.items(feed: "a").count == 2)
            try await daemon.close()
            #expect(FileManager.default.fileExists(atPath: bed.directory.path + "/state/lock"))
        }
    }
}
