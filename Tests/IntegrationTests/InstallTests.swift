import Foundation
import TestSupport
import Testing

/// `scripts/install` and `scripts/uninstall` as systemd/README.md runs them, into a staging root
/// (`DESTDIR`), with the built debug binary (`FEEDD_BINARY`) so that no release build runs here:
/// `FEEDD_TEST_RELEASE=1 scripts/test` runs scripts/install with the release build and its static-link
/// check once, before the tests.
@Suite("scripts/install and scripts/uninstall")
struct InstallTests {
    private static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// swift-argument-parser's man page generator, built beside `feedd` by `scripts/test`
    /// (`swift build --product generate-manual`: no target can depend on it, and a test cannot build).
    private static var generateManual: URL {
        ParseCommandTests.binary.deletingLastPathComponent().appendingPathComponent("generate-manual")
    }

    private static let systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    private func script(
        _ name: String, stage: String, environment extra: [String: String] = [:]
    ) async throws -> ProcessResult {
        var environment = [
            "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "PREFIX": "/usr", "DESTDIR": stage,
            "FEEDD_BINARY": ParseCommandTests.binary.path, "FEEDD_GENERATE_MANUAL": Self.generateManual.path,
        ]
        if let temporary = ProcessInfo.processInfo.environment["TMPDIR"] { environment["TMPDIR"] = temporary }
        environment.merge(extra) { _, new in new }
        return try await ProcessRunner.run(
            URL(fileURLWithPath: "/bin/sh"), arguments: [Self.repositoryRoot.path + "/scripts/" + name],
            environment: environment, currentDirectory: Self.repositoryRoot, timeout: .seconds(180))
    }

    /// Every regular file and symbolic link under `root`, as paths relative to it, sorted.
    private func files(under root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var found: [String] = []
        while let path = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                found.append(path)
            }
        }
        return found.sorted()
    }

    /// The man page names of a command and its subcommands, as generate-manual names them
    /// (`feedd.1`, `feedd.store.check.1`), from `feedd --experimental-dump-help`.
    private func manualPages() async throws -> [String] {
        let dump = try await ProcessRunner.run(ParseCommandTests.binary, arguments: ["--experimental-dump-help"])
        #expect(dump.status == 0, "\(dump.stderrText)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout)) as? [String: Any])
        var pages: [String] = []
        func visit(_ command: [String: Any], path: [String]) {
            guard let name = command["commandName"] as? String else { return }
            let names = path + [name]
            pages.append("usr/share/man/man1/" + names.joined(separator: ".") + ".1")
            for subcommand in command["subcommands"] as? [[String: Any]] ?? [] { visit(subcommand, path: names) }
        }
        visit(try #require(json["command"] as? [String: Any]), path: [])
        return pages
    }

    @Test(
        "install into a DESTDIR: binary, a man page per command, completions, a unit that verifies and a configuration that checks; uninstall keeps the configuration"
    )
    func installThenUninstall() async throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: Self.generateManual.path),
            "no \(Self.generateManual.path): build it with `swift build --product generate-manual` (scripts/test does)")
        let analyze = try #require(Self.systemdAnalyze, "systemd-analyze is missing: scripts/setup installs systemd")
        try await withTemporaryDirectory { directory in
            let stage = directory.path + "/stage"
            let installed = try await script("install", stage: stage)
            #expect(installed.status == 0, "\(installed.stdoutText)\(installed.stderrText)")

            let expected =
                [
                    "etc/feedd/feedd.toml", "usr/bin/feedd", "usr/lib/systemd/system/feedd.service",
                    "usr/share/bash-completion/completions/feedd", "usr/share/feedd/installed-files",
                    "usr/share/fish/vendor_completions.d/feedd.fish", "usr/share/zsh/site-functions/_feedd",
                ] + (try await manualPages())
            #expect(files(under: stage) == expected.sorted())
            #expect(try await manualPages().contains("usr/share/man/man1/feedd.store.check.1"))

            // The manifest lists every installed file but the configuration, as absolute paths.
            let manifest = try String(contentsOfFile: stage + "/usr/share/feedd/installed-files", encoding: .utf8)
            let listed: [String] = manifest.split(separator: "\n").map(String.init).sorted()
            let copied: [String] = expected.filter { !$0.hasPrefix("etc/") && !$0.hasSuffix("installed-files") }
            #expect(listed == copied.map { "/" + $0 }.sorted())

            // The binary runs and says what it is.
            let version = try await ProcessRunner.run(
                URL(fileURLWithPath: stage + "/usr/bin/feedd"), arguments: ["--version"])
            #expect(version.status == 0)
            #expect(version.stdoutText.hasPrefix("feedd "), "\(version.stdoutText)")

            // Man pages come from the --help texts; completions know the subcommands.
            let page = try String(contentsOfFile: stage + "/usr/share/man/man1/feedd.check.1", encoding: .utf8)
            #expect(page.contains("Validate the configuration and print it resolved."), "\(page)")
            for shell in [
                "usr/share/bash-completion/completions/feedd", "usr/share/zsh/site-functions/_feedd",
                "usr/share/fish/vendor_completions.d/feedd.fish",
            ] {
                let text = try String(contentsOfFile: stage + "/" + shell, encoding: .utf8)
                #expect(text.contains("import-opml"), "\(shell)")
            }

            // The unit runs the installed binary on the installed configuration, and verifies.
            let unit = try String(
                contentsOfFile: stage + "/usr/lib/systemd/system/feedd.service", encoding: .utf8)
            #expect(unit.contains("\nExecStart=/usr/bin/feedd run --config /etc/feedd/feedd.toml\n"))
            #expect(unit.contains("\nStateDirectory=feedd\n"))
            // verify wants ExecStart's program on this system: a copy points at the staged binary.
            let copy = try directory.write(
                unit.replacingOccurrences(of: "=/usr/bin/feedd ", with: "=\(stage)/usr/bin/feedd "), to: "feedd.service"
            )
            let verify = try await ProcessRunner.run(
                URL(fileURLWithPath: analyze), arguments: ["verify", "--man=no", copy.path], timeout: .seconds(60))
            #expect(verify.status == 0, "\(verify.stdoutText)\(verify.stderrText)")
            #expect(!verify.stderrText.contains("feedd.service"), "\(verify.stderrText)")

            // The configuration is valid as installed: no feeds, the unit's state directory, silent first polls.
            let configuration = stage + "/etc/feedd/feedd.toml"
            let check = try await ProcessRunner.run(
                URL(fileURLWithPath: stage + "/usr/bin/feedd"), arguments: ["check", "--config", configuration],
                environment: ["PATH": "/usr/bin:/bin"])
            #expect(check.status == 0, "\(check.stderrText)")
            #expect(check.stdoutText.contains("state_dir = \"/var/lib/feedd\"\n"), "\(check.stdoutText)")
            #expect(check.stdoutText.contains("notify_existing = false\n"), "\(check.stdoutText)")
            #expect(!check.stdoutText.contains("[[feed]]"), "\(check.stdoutText)")
            #expect(!check.stdoutText.contains("[[hook]]"), "\(check.stdoutText)")
            let text = try String(contentsOfFile: configuration, encoding: .utf8)
            #expect(text.contains("\n# [[hook]]\n"))

            // Installing again keeps the configuration as it was edited.
            try (text + "# mine\n").write(toFile: configuration, atomically: false, encoding: .utf8)
            let again = try await script("install", stage: stage)
            #expect(again.status == 0, "\(again.stderrText)")
            #expect(try String(contentsOfFile: configuration, encoding: .utf8) == text + "# mine\n")

            // Uninstalling removes everything else.
            let removed = try await script("uninstall", stage: stage)
            #expect(removed.status == 0, "\(removed.stderrText)")
            #expect(files(under: stage) == ["etc/feedd/feedd.toml"])
            let twice = try await script("uninstall", stage: stage)
            #expect(twice.status == 1)
            #expect(twice.stderrText.contains("installed-files not found"), "\(twice.stderrText)")
        }
    }

    @Test("PREFIX must be absolute, and FEEDD_BINARY must name an executable")
    func badEnvironment() async throws {
        try await withTemporaryDirectory { directory in
            let relative = try await script("install", stage: directory.path, environment: ["PREFIX": "usr"])
            #expect(relative.status == 1)
            #expect(
                relative.stderrText.contains("PREFIX must be an absolute path, got 'usr'"), "\(relative.stderrText)")
            let missing = try await script(
                "install", stage: directory.path, environment: ["FEEDD_BINARY": directory.path + "/none"])
            #expect(missing.status == 1)
            #expect(missing.stderrText.contains("is not an executable file"), "\(missing.stderrText)")
            #expect(files(under: directory.path).isEmpty)
        }
    }
}
