import Testing
import XML

@Suite("Encodings and byte-level repair")
struct XMLInputTests {
    private func text(_ prepared: XMLInput.Prepared) -> String { String(decoding: prepared.utf8, as: UTF8.self) }

    @Test("the XML declaration names the encoding")
    func declaration() {
        let bytes: [UInt8] = Array("<?xml version='1.0' encoding='KOI8-R'?><a>".utf8) + [0xC1] + Array("</a>".utf8)
        let prepared = XMLInput.prepare(bytes)
        #expect(prepared.encoding == "koi8-r")
        #expect(text(prepared).contains("<a>а</a>"))
        #expect(prepared.diagnostics.isEmpty)
    }

    @Test("a byte order mark wins, and UTF-16 becomes UTF-8")
    func byteOrderMark() {
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in "<a>é</a>".utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let prepared = XMLInput.prepare(bytes, charset: "iso-8859-1")
        #expect(prepared.encoding == "utf-16le")
        #expect(text(prepared) == "<a>é</a>")
    }

    @Test("ISO-8859-1 is read as windows-1252, as browsers do")
    func latin1IsWindows1252() {
        let bytes: [UInt8] = Array("<?xml version='1.0' encoding='ISO-8859-1'?><a>".utf8) + [0x93, 0x80, 0x94]
        #expect(text(XMLInput.prepare(bytes)).hasSuffix("<a>“€”"))
    }

    @Test("UTF-8 with stray windows-1252 bytes keeps its UTF-8 and reads the strays, with a warning")
    func mixedUTF8() {
        let bytes: [UInt8] =
            Array("<?xml version='1.0' encoding='utf-8'?><a>é".utf8) + [0x92] + Array("s</a>".utf8)
        let prepared = XMLInput.prepare(bytes)
        #expect(text(prepared).hasSuffix("<a>é’s</a>"))
        #expect(prepared.diagnostics.count == 1)
    }

    @Test("an unknown encoding name is reported and UTF-8 is assumed")
    func unknownEncoding() {
        let prepared = XMLInput.prepare(Array("<?xml version='1.0' encoding='bogus-42'?><a>x</a>".utf8))
        #expect(prepared.encoding == "utf-8")
        #expect(prepared.diagnostics.first?.message.contains("bogus-42") == true)
    }

    @Test("repair escapes bare ampersands and decodes HTML entities, outside CDATA and comments only")
    func repair() {
        let input = "<a>AT&T &nbsp;&eacute; &bogus; &#X41; <![CDATA[x & y]]><!-- & --></a>"
        let result = XMLRepair.repair(Array(input.utf8))
        #expect(
            String(decoding: result.utf8, as: UTF8.self)
                == "<a>AT&amp;T &#160;&#233; &amp;bogus; &#65; <![CDATA[x & y]]><!-- & --></a>")
        #expect(result.diagnostics.count == 3)
    }

    @Test("clean input is returned unchanged but for predefined entities, without warnings")
    func cleanInput() {
        let input = Array("<?xml version=\"1.0\"?><rss><channel><title>a &#233;</title></channel></rss>".utf8)
        let result = XMLRepair.repair(input)
        #expect(result.utf8 == input)
        #expect(result.diagnostics.isEmpty)
        // libxml2 drops entity references in text after any error, never character references.
        let entities = XMLRepair.repair(Array("<a b='&quot;&apos;'>&lt;&gt;&amp;</a>".utf8))
        #expect(String(decoding: entities.utf8, as: UTF8.self) == "<a b='&#34;&#39;'>&#60;&#62;&#38;</a>")
        #expect(entities.diagnostics.isEmpty)
    }
}
