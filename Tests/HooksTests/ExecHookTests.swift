import FeedModel
import Foundation
import Hooks
import TestSupport
import Testing

@Suite("Exec hooks")
struct ExecHookTests {
    @Test("a script receives the payload on stdin and the FEEDD_ variables")
    func recordsInputAndEnvironment() async throws {
        try await withTemporaryDirectory { directory in
            let script = try writeScript(
                "cat > \"$1/stdin.json\"; env | grep '^FEEDD_' | sort > \"$1/env.txt\"; echo done",
                named: "record.sh", in: directory)
            let hook = try ExecHook(
                name: "print",
                configuration: .init(command: [script, directory.path], environment: ["EXTRA": "1"]))
            let report = await hook.run(Sample.delivery(id: "d-42", attempt: 3))
            #expect(report.outcome == .delivered("exit status 0; stdout: done"))
            #expect(report.exitStatus == 0)

            let payload = try parseJSON(Array(try Data(contentsOf: directory.url(for: "stdin.json"))))
            #expect(payload["key"] as? String == "sha256:0123abcd")
            #expect(payload["title"] as? String == "South Korea seeks 'new phase' in ties")
            #expect(payload["event"] as? String == "new")
            let feed = try #require(payload["feed"] as? [String: Any])
            #expect(feed["name"] as? String == "bbc-world")
            #expect(feed["url"] as? String == "https://feeds.example/world.xml")
            let delivery = try #require(payload["delivery"] as? [String: Any])
            #expect(delivery["id"] as? String == "d-42")
            #expect(delivery["attempt"] as? Int == 3)

            let env = try String(contentsOf: directory.url(for: "env.txt"), encoding: .utf8)
            for line in [
                "FEEDD_FEED=bbc-world", "FEEDD_FEED_URL=https://feeds.example/world.xml", "FEEDD_KEY=sha256:0123abcd",
                "FEEDD_TITLE=South Korea seeks 'new phase' in ties", "FEEDD_LINK=https://news.example/a/1",
                "FEEDD_PUBLISHED=2026-11-28T08:02:11Z", "FEEDD_AUTHOR=Jake Kwon", "FEEDD_DELIVERY_ID=d-42",
                "FEEDD_ATTEMPT=3", "FEEDD_EVENT=new",
            ] {
                #expect(env.contains(line + "\n"), "missing \(line)")
            }
        }
    }

    @Test("a failing script is a retry with its status and the end of its stderr")
    func failureIsRetried() async throws {
        try await withTemporaryDirectory { directory in
            let script = try writeScript("echo 'disk on fire' >&2; exit 3", named: "fail.sh", in: directory)
            let hook = try ExecHook(name: "fail", configuration: .init(command: [script]))
            let report = await hook.run(Sample.delivery())
            #expect(report.exitStatus == 3)
            #expect(report.outcome == .retry(after: nil, reason: "exit status 3; stderr: disk on fire"))
        }
    }

    @Test("a program that does not exist is a permanent failure")
    func missingProgramIsPermanent() async throws {
        let hook = try ExecHook(name: "nope", configuration: .init(command: ["/nonexistent/feedd-hook"]))
        guard case .permanent = await hook.deliver(Sample.delivery()) else {
            Issue.record("expected a permanent failure")
            return
        }
    }

    @Test("a script that hangs is killed at the timeout, with the child it forked")
    func hangingProcessGroupIsKilled() async throws {
        try await withTemporaryDirectory { directory in
            let script = try writeScript(
                "sleep 300 &\necho $! > \"$1/child.pid\"\necho started >&2\nwait", named: "hang.sh", in: directory)
            let hook = try ExecHook(
                name: "hang",
                configuration: .init(
                    command: [script, directory.path], timeout: .milliseconds(500), killGrace: .milliseconds(200)))
            let report = await hook.run(Sample.delivery())
            #expect(report.timedOut)
            guard case .retry(nil, let reason) = report.outcome else {
                Issue.record("expected a retry, got \(report.outcome)")
                return
            }
            #expect(reason.hasPrefix("timed out after 0.5s; process group killed"))
            #expect(reason.contains("started"))
            let childText = try String(contentsOf: directory.url(for: "child.pid"), encoding: .utf8)
            let child = try #require(Int32(childText.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(report.processID > 0)
            #expect(await eventually { !isRunning(report.processID) && !isRunning(child) })
        }
    }

    @Test("a title full of shell syntax reaches the hook intact and runs nothing")
    func shellMetacharactersAreHarmless() async throws {
        try await withTemporaryDirectory { directory in
            let marker = directory.url(for: "pwned").path
            let title =
                "$(touch \(marker)) `touch \(marker)` ; rm -rf \(directory.path)/keep \"quoted\" 'single'\nnext line & | > <"
            try directory.write("keep me", to: "keep")
            let item = Sample.item(title: title)
            // The user's own shell command, quoting the variable as a careful user does.
            let hook = try ExecHook(
                name: "shell",
                configuration: .init(command: [
                    "/bin/sh", "-c", "printf '%s' \"$FEEDD_TITLE\" > \"$0/title.txt\"; cat > \"$0/stdin.json\"",
                    directory.path,
                ]))
            #expect(await hook.deliver(Sample.delivery(item)).isDelivered)
            #expect(!FileManager.default.fileExists(atPath: marker))
            #expect(FileManager.default.fileExists(atPath: directory.url(for: "keep").path))
            #expect(try String(contentsOf: directory.url(for: "title.txt"), encoding: .utf8) == title)
            let payload = try parseJSON(Array(try Data(contentsOf: directory.url(for: "stdin.json"))))
            #expect(payload["title"] as? String == title)
        }
    }

    @Test("output beyond the limit is cut in the middle and says so")
    func outputIsBounded() async throws {
        try await withTemporaryDirectory { directory in
            let script = try writeScript(
                "head -c 100000 /dev/zero | tr '\\\\0' a; echo; echo THE-END", named: "chatty.sh", in: directory)
            let hook = try ExecHook(name: "chatty", configuration: .init(command: [script], outputLimit: 1000))
            let report = await hook.run(Sample.delivery())
            #expect(report.exitStatus == 0)
            #expect(report.standardOutput.isTruncated)
            #expect(report.standardOutput.totalCount == 100_009)
            #expect(report.standardOutput.text.contains("bytes left out"))
            #expect(report.standardOutput.text.hasSuffix("THE-END\n"))
        }
    }

    @Test("a program that exits without reading a large payload is no crash and no failure")
    func unreadInputIsFine() async throws {
        let hook = try ExecHook(name: "true", configuration: .init(command: ["true"]))
        let item = Sample.item(content: String(repeating: "<p>long text</p>", count: 20_000))
        for _ in 0..<5 {
            #expect(await hook.deliver(Sample.delivery(item)) == .delivered("exit status 0"))
        }
    }

    @Test("a 200 KiB title: FEEDD_TITLE is cut to 32 KiB at a character boundary, standard input has it all")
    func longTitleIsCutInTheEnvironment() async throws {
        try await withTemporaryDirectory { directory in
            // 1 + 2 × 100,000 bytes: the 32 KiB limit falls inside a two-byte "é".
            let title = "a" + String(repeating: "é", count: 100_000)
            let hook = try ExecHook(
                name: "long",
                configuration: .init(command: [
                    "/bin/sh", "-c", "printf '%s' \"$FEEDD_TITLE\" > \"$0/title.txt\"; cat > \"$0/stdin.json\"",
                    directory.path,
                ]))
            let report = await hook.run(Sample.delivery(Sample.item(title: title)))
            #expect(report.outcome == .delivered("exit status 0"))
            let cut = try Data(contentsOf: directory.url(for: "title.txt"))
            #expect(cut.count == ExecHook.environmentValueLimit - 1)
            #expect(String(data: cut, encoding: .utf8) == "a" + String(repeating: "é", count: 16_383))
            let payload = try parseJSON(Array(try Data(contentsOf: directory.url(for: "stdin.json"))))
            #expect(payload["title"] as? String == title)
        }
    }

    @Test("a program the kernel refuses to start (E2BIG: an environment too large) is a permanent failure")
    func unstartableProgramIsPermanent() async throws {
        // The configured `env` is the user's and is not cut; 200 KiB in one string is more than execve takes.
        let hook = try ExecHook(
            name: "big",
            configuration: .init(command: ["/bin/true"], environment: ["HUGE": String(repeating: "x", count: 200_000)]))
        let report = await hook.run(Sample.delivery())
        guard case .permanent(let reason) = report.outcome else {
            Issue.record("expected a permanent failure, got \(report.outcome)")
            return
        }
        #expect(reason.contains("cannot run /bin/true"), "\(reason)")
        #expect(report.processID == 0)
    }

    @Test("a hook command that does not exist is a dead letter at the first attempt, not retried")
    func missingProgramIsDeadAtOnce() async throws {
        let hook = try ExecHook(name: "nope", configuration: .init(command: ["feedd-no-such-hook-program"]))
        let runner = HookRunner(hook: hook, policy: RetryPolicy(maxAttempts: 10), clock: ManualClock())
        let step = await runner.attempt(Sample.delivery(), firstAttemptAt: ManualClock().now())
        guard case .dead(let reason) = step else {
            Issue.record("expected a dead letter, got \(step)")
            return
        }
        #expect(reason.contains("feedd-no-such-hook-program"), "\(reason)")
    }

    @Test("the argument vector is exactly the configured one, whatever the item holds")
    func argumentsAreAsConfigured() async throws {
        try await withTemporaryDirectory { directory in
            let script = try writeScript(
                "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$1/argv.txt\"", named: "argv.sh", in: directory)
            let hook = try ExecHook(
                name: "argv",
                configuration: .init(command: [script, directory.path, "--title", "{title}", "$FEEDD_TITLE"]))
            let item = Sample.item(title: "x; rm -rf / `id` $(id)\n--evil")
            #expect(await hook.deliver(Sample.delivery(item)).isDelivered)
            let argv = try String(contentsOf: directory.url(for: "argv.txt"), encoding: .utf8)
            #expect(argv == "\(directory.path)\n--title\n{title}\n$FEEDD_TITLE\n")
        }
    }

    @Test("credentials in the feed URL are masked on standard input and in FEEDD_FEED_URL")
    func feedCredentialsAreMasked() async throws {
        try await withTemporaryDirectory { directory in
            let hook = try ExecHook(
                name: "print",
                configuration: .init(command: [
                    "/bin/sh", "-c", "printf '%s' \"$FEEDD_FEED_URL\" > \"$0/url.txt\"; cat > \"$0/stdin.json\"",
                    directory.path,
                ]))
            let feed = HookFeed(name: "private", url: "https://reader:hunter2@feeds.example/private.xml")
            let delivery = Delivery(id: "d-1", attempt: 1, feed: feed, event: .new, item: Sample.item())
            #expect(await hook.deliver(delivery).isDelivered)
            let masked = "https://reader:***@feeds.example/private.xml"
            #expect(try String(contentsOf: directory.url(for: "url.txt"), encoding: .utf8) == masked)
            let stdin = try Data(contentsOf: directory.url(for: "stdin.json"))
            let payload = try parseJSON(Array(stdin))
            #expect((payload["feed"] as? [String: Any])?["url"] as? String == masked)
            #expect(!String(decoding: stdin, as: UTF8.self).contains("hunter2"))
        }
    }

    @Test("an empty command is a configuration error")
    func emptyCommandIsRejected() {
        #expect(throws: HookError.invalidSetting(hook: "x", key: "command", reason: "must name a program to run")) {
            try ExecHook(name: "x", configuration: .init(command: []))
        }
    }
}
