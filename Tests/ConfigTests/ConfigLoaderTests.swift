import Config
import FeedParser
import Foundation
import TestSupport
import Testing

@Suite("Loading and validating configuration files")
struct ConfigLoaderTests {
    @Test("the example config/feedd.toml loads: feeds from the file, feeds.d and OPML, paths resolved")
    func exampleLoads() throws {
        let path = repositoryRoot.appendingPathComponent("config/feedd.toml").path
        let configuration = try ConfigLoader.load(
            path: path, environment: [:], opmlReader: { try OPMLReader.read($0) })
        let root = repositoryRoot.path
        #expect(configuration.stateDirectory == root + "/state")
        #expect(configuration.feeds.map(\.name) == ["feedd-news", "feedd-releases", "lwn", "feedd-tips"])
        #expect(configuration.feeds[0].url == "file://" + root + "/config/examples/feedd-news.xml")
        #expect(configuration.feeds[2].enabled == false)
        #expect(
            configuration.feeds[2].origin == path.replacingOccurrences(of: "feedd.toml", with: "feeds.d/example.toml")
                + ":5")
        #expect(configuration.feeds[3].tags == ["feedd"])
        #expect(configuration.hookDefinitions.map(\.kind) == [.exec, .jsonl])
        guard case .jsonl(let archive) = configuration.hookDefinitions[1].settings else {
            Issue.record("archive is not a jsonl hook")
            return
        }
        #expect(archive.path == root + "/state/new-items.jsonl")
        guard case .exec(let print) = configuration.hookDefinitions[0].settings else {
            Issue.record("print is not an exec hook")
            return
        }
        #expect(print.command.first == "sh")
        #expect(configuration.hookNames(of: configuration.feeds[0]) == ["print", "archive"])
        #expect(configuration.interval(of: configuration.feeds[0]) == .minutes(10))
        #expect(configuration.interval(of: configuration.feeds[1]) == .minutes(30))
        #expect(configuration.limits(of: configuration.feeds[0]).maxBodySize == .mebibytes(32))
    }

    @Test("notify_existing is true, false or the newest N; globally and per feed")
    func notifyExisting() async throws {
        try await withTemporaryDirectory { directory in
            let text = """
                notify_existing = 3
                [[feed]]
                name = "a"
                url = "https://example.org/a.xml"
                [[feed]]
                name = "b"
                url = "https://example.org/b.xml"
                notify_existing = true
                [[feed]]
                name = "c"
                url = "https://example.org/c.xml"
                notify_existing = 0
                """
            let configuration = try loadConfiguration(["feedd.toml": text], in: directory)
            #expect(configuration.notifyExisting == .newest(3))
            #expect(configuration.feeds.map { configuration.notifyExisting(of: $0) } == [.newest(3), .all, .none])
        }
        let found = try await problems(["feedd.toml": "notify_existing = -2\n"])
        #expect(found.count == 1)
        #expect(found.first?.contains("true, false, or how many of the newest items") == true)
    }

    @Test("defaults: an empty file is a valid configuration")
    func defaults() async throws {
        try await withTemporaryDirectory { directory in
            let configuration = try loadConfiguration(["feedd.toml": ""], in: directory)
            #expect(configuration.stateDirectory == "/var/lib/feedd")
            #expect(configuration.interval == .minutes(30))
            #expect(configuration.concurrency == 64)
            #expect(configuration.perHost == 2)
            #expect(configuration.limits.timeout == .seconds(60))
            #expect(configuration.retention.maxAge == .days(90))
            #expect(configuration.notifyExisting == false)
        }
    }

    @Test("each kind of problem is reported with file, line, key path and message, all at once")
    func everyProblem() async throws {
        let text = """
            intervl = "30m"
            interval = 30
            concurrency = "many"
            hooks = ["prnt"]
            listen = "localhost"
            log_level = "verbose"

            [[hook]]
            name = "print"
            type = "exec"
            command = []
            template = "x"

            [[hook]]
            name = "chat"
            type = "webhook"
            url = "ftp://example.org/"
            secret = 42
            [hook.retry]
            base = "1d"
            max_delay = "1h"

            [[hook]]
            name = "mail"
            type = "maildir"
            path = "Maildir"
            to = ["me"]

            [[hook]]
            name = "odd"
            type = "pigeon"

            [[feed]]
            name = "a"
            url = "https://example.org/feed"
            interval = "10s"
              [feed.filter]
              include = ["/(unclosed/"]

            [[feed]]
            name = "a"
            url = "gopher://example.org/"
            hooks = ["chat", "nope"]
            headers = { "Bad Header" = "x" }

            [[feed]]
            name = "has space"
            url = "example.org/feed"
            proxy = "proxy:3128"
            """
        let lines = try await problems(["feedd.toml": text])
        let expected = [
            "feedd.toml:1: intervl: unknown key `intervl`; did you mean `interval`?",
            #"feedd.toml:2: interval: expected a duration string like "30m" (units ms, s, m, h, d, w; "1h30m"), got 30"#,
            #"feedd.toml:3: concurrency: expected an integer, got "many""#,
            "feedd.toml:4: hooks[0]: no hook named `prnt`; did you mean `print`?",
            #"feedd.toml:5: listen: expected host:port, such as 127.0.0.1:8086, got "localhost""#,
            #"feedd.toml:6: log_level: expected one of "debug", "info", "notice", "warning", "error", got "verbose""#,
            "feedd.toml:11: hook[0].command: the command is empty: give at least the program",
            "feedd.toml:12: hook[0].template: `template` is a key of webhook hooks, not of exec hooks",
            #"feedd.toml:17: hook[1].url: unsupported scheme `ftp` in "ftp://example.org/" (http or https)"#,
            #"feedd.toml:18: hook[1].secret: expected a string, { file = "path" } or { env = "NAME" }, got 42"#,
            "feedd.toml:19: hook[1].retry: retry.base (1d) is longer than retry.max_delay (1h)",
            "feedd.toml:23: hook[2]: missing required key `from`",
            #"feedd.toml:27: hook[2].to: "me" is not a mail address like "feeds@example.org""#,
            #"feedd.toml:31: hook[3].type: expected one of "exec", "webhook", "jsonl", "maildir", "sendmail", got "pigeon""#,
            "feedd.toml:36: feed[0].interval: 10s is shorter than min_interval (1m)",
            #"feedd.toml:38: feed[0].filter.include: "/(unclosed/": not a valid regular expression: expected ')'"#,
            "feedd.toml:41: feed[1].name: feed name `a` is already used (feedd.toml:33)",
            #"feedd.toml:42: feed[1].url: unsupported scheme `gopher` in "gopher://example.org/" (http, https or file)"#,
            "feedd.toml:43: feed[1].hooks[1]: no hook named `nope`",
            #"feedd.toml:44: feed[1].headers: "Bad Header" is not a valid header name"#,
        ]
        for (index, line) in expected.enumerated() {
            #expect(lines.count > index && lines[index] == line, "\(lines.count > index ? lines[index] : "-")")
        }
        let rest = Array(lines.dropFirst(expected.count))
        #expect(rest.count == 3)
        #expect(rest.first?.hasPrefix("feedd.toml:47: feed[2].name: \"has space\" is not a valid name") == true)
        #expect(rest.dropFirst().first?.hasPrefix("feedd.toml:48: feed[2].url: no such file: ") == true)
        #expect(rest.dropFirst().first?.hasSuffix("for a web feed write https://example.org/feed)") == true)
        #expect(rest.last?.hasPrefix(#"feedd.toml:49: feed[2].proxy: expected a proxy URL like"#) == true)
    }

    @Test("backoff_cap is a duration, 1d by default, positive and not shorter than min_interval")
    func backoffCap() async throws {
        try await withTemporaryDirectory { directory in
            #expect(try loadConfiguration(["feedd.toml": ""], in: directory).backoffCap == .days(1))
            let set = try loadConfiguration(["other.toml": "backoff_cap = \"6h\"\n"], in: directory, main: "other.toml")
            #expect(set.backoffCap == .hours(6))
        }
        #expect(
            try await problems(["feedd.toml": "backoff_cap = \"0s\"\n"])
                == ["feedd.toml:1: backoff_cap: must be longer than 0s"])
        #expect(
            try await problems(["feedd.toml": "min_interval = \"10m\"\nbackoff_cap = \"5m\"\n"])
                == ["feedd.toml:2: backoff_cap: backoff_cap (5m) is shorter than min_interval (10m)"])
        #expect(
            try await problems(["feedd.toml": "backoff_cap = 3600\n"]).first?.hasPrefix(
                "feedd.toml:1: backoff_cap: expected a duration string") == true)
    }

    @Test("listen_refresh is a duration in whole seconds, 30s by default, 0s for never")
    func listenRefresh() async throws {
        try await withTemporaryDirectory { directory in
            #expect(try loadConfiguration(["feedd.toml": ""], in: directory).listenRefresh == .seconds(30))
            let off = try loadConfiguration(["off.toml": "listen_refresh = \"0s\"\n"], in: directory, main: "off.toml")
            #expect(off.listenRefresh == .seconds(0))
            let set = try loadConfiguration(["set.toml": "listen_refresh = \"2m\"\n"], in: directory, main: "set.toml")
            #expect(set.listenRefresh == .minutes(2))
        }
        #expect(
            try await problems(["feedd.toml": "listen = \"127.0.0.1:8086\"\nlisten_refresh = \"1500ms\"\n"])
                == ["feedd.toml:2: listen_refresh: must be whole seconds (such as \"30s\"), or \"0s\" for never"])
        #expect(
            try await problems(["feedd.toml": "listen_refresh = 30\n"]).first?.hasPrefix(
                "feedd.toml:1: listen_refresh: expected a duration string") == true)
    }

    @Test("feed and hook names follow one rule, and the error states it")
    func nameRule() async throws {
        let good = ["a", "lwn", "a..b", "lwn.net", "A-1_b.c", "9", String(repeating: "x", count: 100)]
        let bad = ["", ".", "..", ".hidden", "-v", "_x", "a b", "a/b", "a?b", "é", String(repeating: "x", count: 101)]
        for name in good { #expect(NameRule.problem(name) == nil, "\(name)") }
        for name in bad { #expect(NameRule.problem(name) != nil, "\(name)") }
        #expect(ConfigEditing.isValidName("a..b") && !ConfigEditing.isValidName(".."))
        let text = """
            [[feed]]
            name = "a..b"
            url = "https://example.org/a"

            [[feed]]
            name = ".."
            url = "https://example.org/b"

            [[hook]]
            name = "../x"
            type = "jsonl"
            path = "/tmp/x.jsonl"
            """
        let lines = try await problems(["feedd.toml": text])
        let rule = "1 to 100 ASCII letters, digits, -, _ and ., starting with a letter or digit"
        #expect(
            lines == [
                #"feedd.toml:6: feed[1].name: ".." is not a valid name (\#(rule))"#,
                #"feedd.toml:10: hook[0].name: "../x" is not a valid name (\#(rule))"#,
            ])
    }

    @Test("a TOML syntax error names its line; a missing file is one problem")
    func syntaxAndMissing() async throws {
        let syntax = try await problems(["feedd.toml": "interval = \"30m\"\nhooks = [\n"])
        #expect(syntax.count == 1)
        #expect(syntax.first?.hasPrefix("feedd.toml:3: ") == true || syntax.first?.hasPrefix("feedd.toml:2: ") == true)
        let missing = try await problems([:], main: "nowhere.toml")
        #expect(missing == ["nowhere.toml: no such file"])
    }

    @Test("a [feed] table instead of [[feed]], and a missing name and url")
    func tableShapes() async throws {
        let lines = try await problems([
            "feedd.toml": "[feed]\nname = \"a\"\n\n[[hook]]\ntype = \"exec\"\ncommand = [\"x\"]\n"
        ])
        #expect(
            lines == [
                "feedd.toml:1: feed: write each one as a [[feed]] table",
                "feedd.toml:4: hook[0]: missing required key `name`",
            ])
    }

    @Test("includes: glob relative to the including file, only feeds and hooks, errors name the included file")
    func includes() async throws {
        try await withTemporaryDirectory { directory in
            let files = [
                "conf/feedd.toml": "include = [\"feeds.d/*.toml\", \"extra.toml\"]\nhooks = [\"print\"]\n",
                "conf/feeds.d/a.toml": "[[feed]]\nname = \"a\"\nurl = \"https://example.org/a\"\n" + printHook,
                "conf/feeds.d/b.toml": "[[feed]]\nname = \"b\"\nurl = \"https://example.org/b\"\n",
                "conf/feeds.d/notes.txt": "not toml",
                "conf/extra.toml": "[[feed]]\nname = \"c\"\nurl = \"../feed.xml\"\n",
                "feed.xml": "<rss/>",
            ]
            let configuration = try loadConfiguration(files, in: directory, main: "conf/feedd.toml")
            #expect(configuration.feeds.map(\.name) == ["a", "b", "c"])
            #expect(configuration.feeds[0].origin == "conf/feeds.d/a.toml:1")
            #expect(configuration.feeds[2].url == URL(fileURLWithPath: directory.path + "/feed.xml").absoluteString)
            #expect(configuration.hookDefinitions.map(\.name) == ["print"])
        }
        let lines = try await problems([
            "feedd.toml": "include = [\"feeds.d/*.toml\", \"missing.toml\"]\n",
            "feeds.d/a.toml":
                "interval = \"1h\"\n\n[[feed]]\nname = \"a\"\nurl = \"https://example.org/a\"\nurll = 1\n",
            "feeds.d/b.toml": "[[feed]]\nname = \"a\"\nurl = \"https://example.org/b\"\n",
        ])
        #expect(
            lines == [
                "feedd.toml:1: include[1]: missing.toml: no such file",
                "feeds.d/a.toml:1: interval: an included file holds only [[feed]] and [[hook]] tables",
                "feeds.d/a.toml:6: feed[0].urll: unknown key `urll`; did you mean `url`?",
                "feeds.d/b.toml:2: feed[0].name: feed name `a` is already used (feeds.d/a.toml:3)",
            ])
    }

    @Test("OPML outlines become feeds: slugged unique names, folders as tags, TOML feeds win")
    func opmlImport() async throws {
        try await withTemporaryDirectory { directory in
            let opml = """
                <?xml version="1.0"?>
                <opml version="1.0"><head><title>Mine</title></head><body>
                  <outline text="News">
                    <outline text="World">
                      <outline type="rss" text="BBC News – World" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/>
                    </outline>
                    <outline type="rss" title="LWN.net" text="LWN" xmlUrl="https://lwn.net/headlines/rss"/>
                  </outline>
                  <outline type="rss" text="a" xmlUrl="https://example.org/other"/>
                  <outline type="rss" text="BBC News: World!" xmlUrl="https://example.org/bbc-2"/>
                  <outline type="rss" text="Known" xmlUrl="https://example.org/a"/>
                  <outline text="no feed here" htmlUrl="https://example.org/"/>
                </body></opml>
                """
            let files = [
                "feedd.toml": "opml = [\"subs.opml\"]\n\n[[feed]]\nname = \"a\"\nurl = \"https://example.org/a\"\n",
                "subs.opml": opml,
            ]
            let configuration = try loadConfiguration(files, in: directory)
            #expect(configuration.feeds.map(\.name) == ["a", "bbc-news-world", "lwn-net", "a-2", "bbc-news-world-2"])
            #expect(configuration.feeds[1].tags == ["News", "World"])
            #expect(configuration.feeds[2].tags == ["News"])
            #expect(configuration.feeds[3].url == "https://example.org/other")
            #expect(configuration.feeds[1].origin == "subs.opml")
        }
        let lines = try await problems([
            "feedd.toml": "opml = [\"subs.opml\", \"gone.opml\", \"page.html\"]\n",
            "subs.opml": "<opml><body><outline text=\"x\" xmlUrl=\"ftp://example.org/x\"/></body></opml>",
            "page.html": "<html><body>hello</body></html>",
        ])
        #expect(
            lines == [
                "feedd.toml:1: opml[1]: gone.opml: no such file",
                "feedd.toml:1: opml[2]: page.html: not OPML: root element <html> (expected opml)",
                #"subs.opml: outline[0]: "x": unsupported scheme `ftp` in "ftp://example.org/x" (http, https or file)"#,
            ])
    }

    @Test("stateDirectorySetting reads the main file's state_dir alone, relative to the file, with its line")
    func stateDirectorySetting() async throws {
        try await withTemporaryDirectory { directory in
            let loader = ConfigLoader(environment: [:], currentDirectory: directory.path)
            // Problems elsewhere in the file do not matter here.
            _ = try directory.write(
                "# store\nstate_dir = \"../state\"\nnot_a_key = 1\n[[hook]]\nname = \"x\"\n", to: "etc/feedd.toml")
            let found = try #require(try loader.stateDirectorySetting(path: "etc/feedd.toml"))
            #expect(found.directory == directory.path + "/state")
            #expect(found.line == 2)
            _ = try directory.write("interval = \"1h\"\n", to: "none.toml")
            #expect(try loader.stateDirectorySetting(path: "none.toml") == nil)
            _ = try directory.write("interval = \"1h\"\nstate_dir = 3\n", to: "number.toml")
            do throws(ConfigErrors) {
                _ = try loader.stateDirectorySetting(path: "number.toml")
                Issue.record("a number is no state_dir")
            } catch {
                #expect(
                    error.problems.map(\.description) == [
                        "number.toml:2: state_dir: expected a non-empty string, got 3"
                    ])
            }
            do throws(ConfigErrors) {
                _ = try loader.stateDirectorySetting(path: "missing.toml")
                Issue.record("a missing file has no state_dir to give")
            } catch {
                #expect(error.problems.map(\.description) == ["missing.toml: no such file"])
            }
        }
    }

    @Test("precedence: command line, then FEEDD_STATE_DIR, then the file, then STATE_DIRECTORY, then the default")
    func precedence() async throws {
        try await withTemporaryDirectory { directory in
            let withStateDirectory = ["feedd.toml": "state_dir = \"from-file\"\n"]
            let without = ["feedd.toml": "log_level = \"info\"\n"]
            let base = directory.path
            var configuration = try loadConfiguration(without, in: directory)
            #expect(configuration.stateDirectory == "/var/lib/feedd")
            configuration = try loadConfiguration(
                without, in: directory, environment: ["STATE_DIRECTORY": "/srv/a:/srv/b"])
            #expect(configuration.stateDirectory == "/srv/a")
            configuration = try loadConfiguration(
                withStateDirectory, in: directory, environment: ["STATE_DIRECTORY": "/srv/a"])
            #expect(configuration.stateDirectory == base + "/from-file")
            configuration = try loadConfiguration(
                withStateDirectory, in: directory,
                environment: [
                    "STATE_DIRECTORY": "/srv/a", "FEEDD_STATE_DIR": "relative-env", "FEEDD_LOG_LEVEL": "debug",
                ])
            #expect(configuration.stateDirectory == base + "/relative-env")
            #expect(configuration.logLevel == "debug")
            configuration = try loadConfiguration(
                withStateDirectory, in: directory, environment: ["FEEDD_STATE_DIR": "/env"],
                overrides: ["state_dir": "/cli", "interval": "2h"])
            #expect(configuration.stateDirectory == "/cli")
            #expect(configuration.interval == .hours(2))
        }
        let lines = try await problems(
            ["feedd.toml": ""], environment: ["FEEDD_LISTEN": "nowhere", "FEEDD_LOG_LEVEL": "loud"],
            overrides: ["intervall": "1h", "concurrency": "lots"])
        #expect(
            lines == [
                "environment: FEEDD_LOG_LEVEL: expected one of \"debug\", \"info\", \"notice\", \"warning\", \"error\", got \"loud\"",
                "environment: FEEDD_LISTEN: expected host:port, such as 127.0.0.1:8086, got \"nowhere\"",
                "command line: concurrency: expected an integer, got \"lots\"",
                "command line: intervall: unknown key `intervall`; did you mean `interval`?",
            ])
    }

    @Test("secrets: literal, file (resolved against the config folder) and env; the printed config masks literals")
    func secrets() async throws {
        try await withTemporaryDirectory { directory in
            let text = """
                [[hook]]
                name = "chat"
                type = "webhook"
                url = "https://chat.example/hooks/abc"
                headers = { Authorization = "Bearer hunter2", X-Token = { file = "token.txt" } }
                secret = { env = "CHAT_SECRET" }

                [[feed]]
                name = "members"
                url = "https://members.example/feed"
                auth = { username = "me", password = "swordfish" }
                headers = { X-Api-Key = { env = "MEMBERS_KEY" } }
                """
            let configuration = try loadConfiguration(["feedd.toml": text], in: directory)
            guard case .webhook(let chat) = configuration.hookDefinitions[0].settings else {
                Issue.record("not a webhook")
                return
            }
            #expect(chat.headers.map(\.name) == ["Authorization", "X-Token"])
            #expect(chat.headers[0].value == .literal("Bearer hunter2"))
            #expect(chat.headers[1].value == .file(directory.path + "/token.txt"))
            #expect(chat.secret == .env("CHAT_SECRET"))
            #expect(configuration.feeds[0].auth == AuthConfiguration(username: "me", password: .literal("swordfish")))
            let printed = ConfigRenderer.toml(configuration)
            #expect(!printed.contains("hunter2"))
            #expect(!printed.contains("swordfish"))
            #expect(printed.contains(#"Authorization = "********""#))
            #expect(printed.contains(#"X-Token = { file = "\#(directory.path)/token.txt" }"#))
            #expect(printed.contains(#"password = "********""#))
        }
        let lines = try await problems([
            "feedd.toml": """
            [[feed]]
            name = "f"
            url = "https://example.org/f"
            auth = { username = "me", password = { vault = "x" } }
            """
        ])
        #expect(
            lines == [
                #"feedd.toml:4: feed[0].auth.password: expected a string, { file = "path" } or { env = "NAME" }, got a table"#
            ])
    }

    @Test("the default path: --config, then FEEDD_CONFIG, then /etc/feedd/feedd.toml when it exists, then config/")
    func defaultPath() {
        #expect(ConfigLoader.defaultPath(option: "a.toml", environment: ["FEEDD_CONFIG": "b.toml"]) == "a.toml")
        #expect(ConfigLoader.defaultPath(option: nil, environment: ["FEEDD_CONFIG": "b.toml"]) == "b.toml")
        #expect(
            ConfigLoader.defaultPath(option: nil, environment: [:], fileExists: { _ in true })
                == "/etc/feedd/feedd.toml")
        #expect(
            ConfigLoader.defaultPath(option: nil, environment: [:], fileExists: { _ in false }) == "config/feedd.toml")
    }
}
