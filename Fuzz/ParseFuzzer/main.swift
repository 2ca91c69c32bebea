// libFuzzer's target for the feed parser: `scripts/fuzz-parse` builds it with `-sanitize=fuzzer,address`.
//
// Each input must parse without a crash, a trap or a sanitizer report, and give the same result
// (the same document with its update hints, or the same error) read whole, read in pieces cut where
// the input's first byte says, and read with the text diversion off. Warnings are left out of the
// comparison: in garbage that libxml2 recovers from, the line it names for an error may move with
// where text was diverted.
import CLibFuzzer
import FeedModel
@_spi(Testing) import FeedParser
import Platform

var arguments = CommandLine.argc
var argumentValues: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exitProcess(LLVMFuzzerRunDriver(&arguments, &argumentValues) { data, size in fuzzParse(data, size) })

func fuzzParse(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let whole = outcome { () throws(ParseError) in try FeedParser().parse(bytes) }

    let pieceSize = 1 + Int(bytes.first ?? 0) % 97
    let session = FeedParser().session()
    var start = 0
    while start < bytes.count {
        let end = min(start + pieceSize, bytes.count)
        session.push(Array(bytes[start..<end]))
        start = end
    }
    let pieces = outcome { () throws(ParseError) in try session.finish() }

    var options = FeedParser.Options()
    options.divertsText = false
    let direct = outcome { () throws(ParseError) in try FeedParser(options: options).parse(bytes) }

    guard whole == pieces else { fatalError("whole and pieces of \(pieceSize) bytes differ:\n\(whole)\n\(pieces)") }
    guard whole == direct else { fatalError("diverted and direct text differ:\n\(whole)\n\(direct)") }
    return 0
}

/// The document as JSON, or the error's description: comparable, and printable when they differ.
private func outcome(_ parse: () throws(ParseError) -> FeedDocument) -> String {
    do throws(ParseError) {
        var document = try parse()
        document.warnings = []
        // The update hints are not in the JSON; they must read the same too.
        return document.jsonString(pretty: false) + "\n\(document.updateHints)"
    } catch {
        return "error: \(error)"
    }
}
