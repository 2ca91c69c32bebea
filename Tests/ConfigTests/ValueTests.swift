import Foundation
import TestSupport
import Testing

@testable import Config

@Suite("Durations, sizes, secrets, suggestions and globs")
struct ValueTests {
    @Test("durations parse with units and combinations, and print in their shortest form")
    func durations() {
        #expect(ConfigDuration(parsing: "90s") == .seconds(90))
        #expect(ConfigDuration(parsing: "10m") == .minutes(10))
        #expect(ConfigDuration(parsing: "2h") == .hours(2))
        #expect(ConfigDuration(parsing: "1d") == .days(1))
        #expect(ConfigDuration(parsing: "1w") == .days(7))
        #expect(ConfigDuration(parsing: "1h30m") == .minutes(90))
        #expect(ConfigDuration(parsing: "500ms")?.milliseconds == 500)
        #expect(ConfigDuration(parsing: "0s") == .seconds(0))
        for bad in ["", "30", "m", "1x", "-5m", "1.5h", "1h 30m", " 1h", "99999999999999999999s"] {
            #expect(ConfigDuration(parsing: bad) == nil, "\(bad)")
        }
        #expect(ConfigDuration.minutes(90).description == "1h30m")
        #expect(ConfigDuration.days(90).description == "90d")
        #expect(ConfigDuration(milliseconds: 1500).description == "1s500ms")
        #expect(ConfigDuration.seconds(0).description == "0s")
        #expect(ConfigDuration.minutes(90).duration == .seconds(5400))
    }

    @Test("sizes are bytes or a number with a binary or decimal unit")
    func sizes() {
        #expect(ByteSize(parsing: "32MiB") == .mebibytes(32))
        #expect(ByteSize(parsing: "64 KiB") == .kibibytes(64))
        #expect(ByteSize(parsing: "10MB")?.bytes == 10_000_000)
        #expect(ByteSize(parsing: "512")?.bytes == 512)
        #expect(ByteSize(parsing: "1TB") == nil)
        #expect(ByteSize(parsing: "MiB") == nil)
        #expect(ByteSize.mebibytes(32).description == "32MiB")
        #expect(ByteSize(bytes: 1000).description == "1000B")
    }

    @Test("a secret's description never holds a literal value")
    func secretMasking() {
        let secret = Secret.literal("hunter2")
        #expect(!secret.description.contains("hunter2"))
        #expect(!"\(secret)".contains("hunter2"))
        #expect(!String(reflecting: secret).contains("hunter2"))
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        #expect(Secret.file("/etc/feedd/token").description == #"{ file = "/etc/feedd/token" }"#)
        #expect(Secret.env("TOKEN").description == #"{ env = "TOKEN" }"#)
    }

    @Test("suggestions come from close names only")
    func suggestions() {
        let keys = ["interval", "min_interval", "state_dir", "hooks", "url"]
        #expect(Suggestion.closest(to: "intervl", in: keys) == "interval")
        #expect(Suggestion.closest(to: "statedir", in: keys) == "state_dir")
        #expect(Suggestion.closest(to: "hook", in: keys) == "hooks")
        #expect(Suggestion.closest(to: "colour", in: keys) == nil)
        #expect(Suggestion.closest(to: "caht", in: ["chat", "print"]) == "chat")
        #expect(Suggestion.editDistance("kitten", "sitting") == 3)
        #expect(Suggestion.editDistance("caht", "chat") == 1)
    }

    @Test("glob patterns match one path component each")
    func globs() {
        #expect(Glob.matches("*.toml", "news.toml"))
        #expect(!Glob.matches("*.toml", "news.toml.bak"))
        #expect(Glob.matches("feed-?.toml", "feed-1.toml"))
        #expect(Glob.matches("[a-c]*", "bbc"))
        #expect(!Glob.matches("[!a-c]*", "bbc"))
        #expect(Glob.matches("[abc", "[abc"))
    }
}

@Suite("Resolving secrets")
struct SecretResolutionTests {
    @Test("a file secret loses its trailing line break; an unset variable is an error naming it, not a value")
    func resolve() async throws {
        try await withTemporaryDirectory { directory in
            let file = try directory.write("s3cret\n", to: "token")
            #expect(try Secret.file(file.path).resolve(environment: [:]) == "s3cret")
            #expect(try Secret.env("TOKEN").resolve(environment: ["TOKEN": "x"]) == "x")
            #expect(try Secret.literal("y").resolve(environment: [:]) == "y")
            #expect(throws: SecretReadError.self) { try Secret.env("NOPE").resolve(environment: [:]) }
            do throws(SecretReadError) {
                _ = try Secret.file(directory.path + "/missing").resolve(environment: [:])
                Issue.record("a missing file resolved")
            } catch {
                #expect(error.description.hasPrefix("cannot read secret { file = "))
            }
        }
    }
}

@Suite("Comparing definitions on reload")
struct ReloadComparisonTests {
    @Test("a feed or hook moved to another line has the same settings; a changed interval does not")
    func sameSettings() {
        var feed = FeedConfiguration(name: "a", url: "https://example.org/a")
        feed.origin = "feedd.toml:3"
        var moved = feed
        moved.origin = "feedd.toml:9"
        #expect(feed.hasSameSettings(as: moved))
        moved.interval = .hours(1)
        #expect(!feed.hasSameSettings(as: moved))
        var hook = HookConfiguration(name: "h", settings: .jsonl(JSONLinesHookSettings()))
        let other = hook
        hook.origin = "x.toml:1"
        #expect(hook.hasSameSettings(as: other))
    }
}
