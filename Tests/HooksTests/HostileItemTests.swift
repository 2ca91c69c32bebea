import FeedModel
import Foundation
import Hooks
import TestSupport
import Testing

/// Items written by an attacker: what mail hooks make of line breaks in headers, and where maildir
/// files land whatever the names hold.
@Suite("Hostile items in mail hooks")
struct HostileItemTests {
    static let injected = "\r\nBcc: victim@evil.example\r\nX-Injected: yes\n\nbody"

    /// An item whose every text field tries to end the header and add its own.
    static func hostileDelivery() -> Delivery {
        let item = FeedItem(
            id: "https://evil.example/1", key: "sha256:abc" + injected, title: "Hello" + injected,
            link: "https://evil.example/1" + injected, summary: "<p>text</p>",
            published: Timestamp(secondsSince1970: 1_800_000_000), authors: [Author(name: "Mallory" + injected)])
        let feed = HookFeed(name: "evil", title: "Evil feed" + injected, url: "https://evil.example/feed.xml")
        return Delivery(id: "d-1", attempt: 1, feed: feed, event: .new, item: item)
    }

    /// The header field names of `message` (continuation lines folded in), or a failure when a line
    /// of the header is neither a field nor a continuation.
    static func headerNames(_ message: String) throws -> [String] {
        var names: [String] = []
        // By scalars: as Characters, "\r\n" is one and would hide a line break.
        for raw in message.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(String.UnicodeScalarView(raw))
            if line.unicodeScalars.last == "\r" {
                line = String(String.UnicodeScalarView(line.unicodeScalars.dropLast()))
            }
            if line.isEmpty { break }
            if line.first == " " || line.first == "\t" { continue }
            guard let colon = line.firstIndex(of: ":") else { throw TestFailure("not a header line: \(line)") }
            names.append(String(line[..<colon]))
        }
        return names
    }

    static let expectedNames: Set<String> = [
        "From", "To", "Subject", "Date", "Message-ID", "List-ID", "X-Feedd-Feed", "X-Feedd-Event",
        "X-Feedd-Delivery", "X-Feedd-Key", "X-Feedd-Link", "MIME-Version", "Content-Type",
    ]

    static func checkHeader(_ message: String) throws {
        let names = try headerNames(message)
        #expect(Set(names).isSubset(of: expectedNames), "\(names)")
        #expect(names.count == Set(names).count, "a header appears twice: \(names)")
        let header = String(message[..<(message.range(of: "\n\n")?.lowerBound ?? message.endIndex)])
            .unicodeScalars.map { $0 == "\r" ? "<CR>" : String($0) }.joined()
        #expect(!header.contains("<CR>"), "a carriage return in the header")
        #expect(!header.lowercased().contains("\nbcc:"))
        #expect(!header.lowercased().contains("\nx-injected:"))
    }

    @Test("CR/LF and Bcc: in a title, link, author or feed title add no header to a maildir message")
    func maildirHeaderInjection() async throws {
        try await withTemporaryDirectory { directory in
            let root = directory.url(for: "Mail").path
            let hook = try MaildirHook(
                name: "mail",
                configuration: .init(path: root, mail: MailSettings(from: "feedd@localhost", to: ["me@example.org"])))
            #expect(await hook.deliver(Self.hostileDelivery()).isDelivered)
            let files = try FileManager.default.contentsOfDirectory(atPath: root + "/new")
            #expect(files.count == 1)
            try Self.checkHeader(try String(contentsOfFile: root + "/new/" + files[0], encoding: .utf8))
        }
    }

    @Test("CR/LF and Bcc: in item fields add no header to what sendmail -t reads")
    func sendmailHeaderInjection() async throws {
        try await withTemporaryDirectory { directory in
            let fake = try writeScript("cat > \"$(dirname \"$0\")/message.eml\"", named: "sendmail", in: directory)
            let hook = try SendmailHook(
                name: "mail",
                configuration: .init(program: fake, mail: MailSettings(from: "feedd@localhost", to: ["me@example.org"]))
            )
            #expect(await hook.deliver(Self.hostileDelivery()) == .delivered("sendmail accepted the message"))
            try Self.checkHeader(try String(contentsOf: directory.url(for: "message.eml"), encoding: .utf8))
        }
    }

    @Test("names and fields with ../ write nothing outside the maildir's new/ folder")
    func maildirPathTraversal() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory.path + "/box", withIntermediateDirectories: true)
            let root = directory.url(for: "box/Mail").path
            let hook = try MaildirHook(
                name: "../../escape",
                configuration: .init(path: root, mail: MailSettings(from: "feedd@localhost", to: ["me@example.org"])))
            let item = FeedItem(
                id: "../../../../tmp/x", key: "../../../../tmp/key", title: "../../../../etc/passwd",
                link: "file:///../../etc/shadow", authors: [Author(name: "../..")])
            let feed = HookFeed(name: "../../../outside", title: "/etc/passwd", url: "file:///../x")
            let delivery = Delivery(id: "../../id", attempt: 1, feed: feed, event: .new, item: item)
            let outcome = await hook.deliver(delivery)
            #expect(outcome.isDelivered, "\(outcome)")
            var files: [String] = []
            let walker = FileManager.default.enumerator(atPath: directory.path)
            while let path = walker?.nextObject() as? String {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: directory.path + "/" + path, isDirectory: &isDirectory),
                    !isDirectory.boolValue
                {
                    files.append(path)
                }
            }
            #expect(files.count == 1, "\(files)")
            #expect(files.allSatisfy { $0.hasPrefix("box/Mail/new/") && !$0.contains("..") }, "\(files)")
        }
    }
}
