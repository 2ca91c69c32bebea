import Testing
import XML

@Suite("Plain text from HTML and HTML references")
struct PlainTextTests {
    @Test("one table: HTML 4 names with their code points, case-sensitive; unknown and over-long names are nil")
    func entityTable() {
        #expect(HTMLEntities.codePoint(named: "eacute") == 0xE9)
        #expect(HTMLEntities.codePoint(named: "Eacute") == 0xC9)
        #expect(HTMLEntities.codePoint(named: "apos") == 0x27)
        #expect(HTMLEntities.codePoint(named: "thetasym") == 0x3D1)
        #expect(HTMLEntities.codePoint(named: "EACUTE") == nil)
        #expect(HTMLEntities.codePoint(named: "bogus") == nil)
        #expect(HTMLEntities.codePoint(named: "") == nil)
        #expect(HTMLEntities.codePoint(named: String(repeating: "a", count: 41)) == nil)
    }

    @Test("one decoder: numeric references (windows-1252 for C1), named ones with a semicolon, the rest as text")
    func decoder() {
        #expect(
            HTMLEntities.decoded("caf&eacute; &#233; &#xE9; &#XE9; &#146; &bogus; AT&T &eacute")
                == "café é é é ’ &bogus; AT&T &eacute")
        // A numeric reference may lack its semicolon; 0, surrogates and values past U+10FFFF are not references.
        #expect(HTMLEntities.decoded("&#65B &#0; &#xD800; &#x110000;") == "AB &#0; &#xD800; &#x110000;")
    }

    @Test("line layout: each tag or comment separates words, references decoded, white space folded")
    func line() {
        #expect(PlainText.fromHTML("  <b>caf&eacute;</b>\n<!-- a > b -->ol&#233;\t&bogus;  ") == "café olé &bogus;")
        #expect(PlainText.fromHTML("H<i>ello</i>") == "H ello")
        // A `<` that opens no tag is text; a quoted `>` does not end a tag.
        #expect(PlainText.fromHTML("1 < 2 <a title=\"x>y\">z</a>") == "1 < 2 z")
        // U+00A0 is no white space; `&#10;` is.
        #expect(PlainText.fromHTML("a&nbsp;b&#10;&#10;c") == "a\u{A0}b c")
        #expect(PlainText.fromHTML("no markup at all") == "no markup at all")
        #expect(PlainText.fromHTML("") == "")
    }

    @Test("blocks layout: paragraphs, list items, line breaks; script and style dropped; inline tags join")
    func blocks() {
        let html = """
            <h1>Title</h1><p>First &amp; <b>bo</b>ld<br>next</p><script>var x = "<p>";</script>
            <ul><li>one</li><li>two</li></ul><style>p { }</style><p><img src="a.png" alt="caf&eacute;"> 1 < 2</p>
            """
        #expect(
            PlainText.fromHTML(html, layout: .blocks(keepLinks: false))
                == "Title\n\nFirst & bold\nnext\n\n- one\n- two\n\ncafé 1 < 2")
    }

    @Test("blocks layout with links: a link's URL follows its text unless the text shows it")
    func links() {
        let html = """
            <p>Read <a href="https://x.example/a?b=1&amp;c=2">more</a>, or <A HREF=https://y.example/>https://y.example/</A>.</p>
            """
        #expect(
            PlainText.fromHTML(html, layout: .blocks(keepLinks: true))
                == "Read more <https://x.example/a?b=1&c=2>, or https://y.example/.")
        #expect(PlainText.fromHTML(html, layout: .blocks(keepLinks: false)) == "Read more, or https://y.example/.")
    }
}
