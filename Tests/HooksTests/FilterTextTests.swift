import FeedModel
import Hooks
import Testing

/// What a filter reads of an item's HTML (docs/hooks.md, Filters).
@Suite("Filter text")
struct FilterTextTests {
    @Test("filters read decoded references; a no-break space is kept, and \\s matches it")
    func references() throws {
        let item = Sample.item(
            title: "T", summary: "<p>caf&eacute;&nbsp;cr&#232;me <i>br</i>&#xFB;l&#233;e &bogus;</p>")
        #expect(try ItemFilter(include: ["café"]).accepts(item))
        #expect(try ItemFilter(include: ["/café\\scrème brûlée &bogus;/c"]).accepts(item))
        #expect(!(try ItemFilter(include: ["café crème"]).accepts(item)))
        #expect(!(try ItemFilter(include: ["eacute"]).accepts(item)))
    }

    @Test("script and style content and markup are not text; a < that opens no tag is")
    func markup() throws {
        let item = Sample.item(title: "T", summary: "<script>secret()</script><style>.x{}</style><p>1 < 2</p>")
        #expect(!(try ItemFilter(include: ["secret"]).accepts(item)))
        #expect(!(try ItemFilter(include: [".x"]).accepts(item)))
        #expect(try ItemFilter(include: ["1 < 2"]).accepts(item))
    }
}
