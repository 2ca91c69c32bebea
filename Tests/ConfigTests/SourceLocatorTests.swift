import Testing

@testable import Config

@Suite("Finding a key's line in TOML text")
struct SourceLocatorTests {
    let text = """
        # comment = "not a key"
        state_dir = "/var/lib/feedd"
        hooks = [
          "a",
          "[[feed]]",
        ]
        template = '''
        [[feed]]
        name = "inside a string"
        '''

        [retention]
        max_items = 5

        [[feed]]
        name = "first"
        filter.include = ["x"]

        [[feed]]
          name = "second"
          headers = { Authorization = "x" }
          [feed.filter]
          exclude = ["y"]
        "quoted key" = 1

        [[hook]]
        name = "h"
          [hook.retry]
          base = "1s"
        """

    private func line(_ components: [ConfigKeyPath.Component]) -> Int? {
        SourceLocator(text: text).line(for: ConfigKeyPath(components))
    }

    @Test("top-level keys, skipping comments, multi-line arrays and multi-line strings")
    func topLevel() {
        #expect(line([.key("state_dir")]) == 2)
        #expect(line([.key("hooks")]) == 3)
        #expect(line([.key("hooks"), .index(1)]) == 3)
        #expect(line([.key("template")]) == 7)
        #expect(line([.key("comment")]) == nil)
    }

    @Test("tables and arrays of tables, counted per array")
    func tables() {
        #expect(line([.key("retention")]) == 12)
        #expect(line([.key("retention"), .key("max_items")]) == 13)
        #expect(line([.key("feed"), .index(0)]) == 15)
        #expect(line([.key("feed"), .index(0), .key("name")]) == 16)
        #expect(line([.key("feed"), .index(1), .key("name")]) == 20)
        #expect(line([.key("hook"), .index(0), .key("retry"), .key("base")]) == 29)
    }

    @Test("dotted keys, sub-tables of the last array element, quoted keys")
    func dottedAndNested() {
        #expect(line([.key("feed"), .index(0), .key("filter"), .key("include")]) == 17)
        #expect(line([.key("feed"), .index(1), .key("filter"), .key("exclude")]) == 23)
        #expect(line([.key("feed"), .index(1), .key("filter"), .key("quoted key")]) == 24)
    }

    @Test("a key that is not written falls back to its nearest written ancestor")
    func fallback() {
        #expect(line([.key("feed"), .index(1), .key("headers"), .key("Authorization")]) == 21)
        #expect(line([.key("feed"), .index(1), .key("url")]) == 19)
        #expect(line([.key("flood_guard"), .key("share")]) == nil)
    }
}
