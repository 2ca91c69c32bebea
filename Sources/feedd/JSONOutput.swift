import FeedModel
import Platform

/// Writes a document to standard output as JSON, item by item, so a large feed is never held twice.
enum JSONOutput {
    static func write(_ document: FeedDocument, pretty: Bool) throws(SystemError) {
        let output = StandardStream.output
        var writer = JSONWriter(pretty: pretty, reservingCapacity: 1 << 16)
        document.writeHead(to: &writer)
        for item in document.items {
            item.writeJSON(to: &writer)
            if writer.bytes.count >= 1 << 16 { try output.write(writer.takeBytes()) }
        }
        document.writeTail(warnings: document.warnings, to: &writer)
        var tail = writer.takeBytes()
        tail.append(0x0A)
        try output.write(tail)
    }
}
