import FeedModel
import Foundation
import Hooks
import TestSupport
import Testing

@Suite("File and mail hooks")
struct FileAndMailHookTests {
    @Test("jsonl appends one payload line per item and rotates by size")
    func jsonLines() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.url(for: "items.jsonl").path
            let hook = try JSONLinesHook(name: "archive", configuration: .init(path: path, maxSize: 1, keep: 2))
            for number in 1...6 {
                let item = Sample.item(title: "Story \(number)", key: "k\(number)")
                #expect(await hook.deliver(Sample.delivery(item, id: "d\(number)")).isDelivered)
            }
            var keys: [String] = []
            for name in ["items.jsonl.2", "items.jsonl.1", "items.jsonl"] {
                let text = try String(contentsOfFile: directory.url(for: name).path, encoding: .utf8)
                #expect(text.hasSuffix("\n"))
                for line in text.split(separator: "\n") {
                    let object = try parseJSON(Array(line.utf8))
                    #expect((object["feed"] as? [String: Any])?["name"] as? String == "bbc-world")
                    keys.append(try #require(object["key"] as? String))
                }
            }
            #expect(!FileManager.default.fileExists(atPath: directory.url(for: "items.jsonl.3").path))
            // Every file passes 1 byte at once: each delivery rotates, and the oldest were dropped.
            #expect(keys == ["k4", "k5", "k6"])
        }
    }

    @Test("jsonl and maildir make their missing folders, parents included; a file in the way is retried")
    func missingFolders() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.url(for: "archive/2026/items.jsonl").path
            let lines = try JSONLinesHook(name: "archive", configuration: .init(path: path))
            #expect(await lines.deliver(Sample.delivery(Sample.item(title: "One"))).isDelivered)
            #expect(try String(contentsOfFile: path, encoding: .utf8).contains("\"title\":\"One\""))

            let root = directory.url(for: "mail/feeds/Maildir").path
            let mail = try MaildirHook(
                name: "mail",
                configuration: .init(path: root, mail: MailSettings(from: "feedd@localhost", to: ["me@example.org"])))
            #expect(await mail.deliver(Sample.delivery(Sample.item(title: "One"))).isDelivered)
            #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/new").count == 1)

            try directory.write("not a folder", to: "blocker")
            let blocked = try JSONLinesHook(
                name: "archive", configuration: .init(path: directory.url(for: "blocker/sub/items.jsonl").path))
            let outcome = await blocked.deliver(Sample.delivery(Sample.item(title: "One")))
            #expect(!outcome.isDelivered)
            #expect("\(outcome)".contains("blocker"), "\(outcome)")
        }
    }

    @Test("a maildir message parses back: headers, encoded subject, both parts")
    func maildir() async throws {
        try await withTemporaryDirectory { directory in
            let root = directory.url(for: "Mail").path
            let hook = try MaildirHook(
                name: "mail",
                configuration: .init(path: root, mail: MailSettings(from: "feedd@localhost", to: ["me@example.org"])))
            let item = Sample.item(
                title: "Zürich: café prices €5 — a story",
                content: "<p>Line one &amp; <a href=\"https://x.example/more\">more</a></p>")
            #expect(await hook.deliver(Sample.delivery(item)).isDelivered)
            #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/tmp").isEmpty)
            let files = try FileManager.default.contentsOfDirectory(atPath: root + "/new")
            #expect(files.count == 1)
            let message = try String(contentsOfFile: root + "/new/" + files[0], encoding: .utf8)
            let parsed = try MailParse(message)
            #expect(parsed.header("To") == "me@example.org")
            #expect(parsed.header("From") == "\"BBC News - World\" <feedd@localhost>")
            #expect(parsed.header("Date") == "Sat, 28 Nov 2026 08:02:11 +0000")
            #expect(parsed.header("List-ID") == "BBC News - World <bbc-world.feedd>")
            #expect(parsed.header("X-Feedd-Key") == "sha256:0123abcd")
            #expect(try parsed.decodedSubject() == "Zürich: café prices €5 — a story")
            #expect(parsed.header("Message-ID")?.hasSuffix(".bbc-world@feedd>") == true)
            // The same item delivered again carries the same Message-ID.
            #expect(await hook.deliver(Sample.delivery(item, id: "d-2", attempt: 2)).isDelivered)
            let again = try FileManager.default.contentsOfDirectory(atPath: root + "/new").first { $0 != files[0] }
            let second = try MailParse(try String(contentsOfFile: root + "/new/" + #require(again), encoding: .utf8))
            #expect(second.header("Message-ID") == parsed.header("Message-ID"))

            #expect(parsed.parts.count == 2)
            #expect(parsed.parts[0].contentType == "text/plain; charset=utf-8")
            #expect(parsed.parts[0].body.contains("Line one & more <https://x.example/more>"))
            #expect(parsed.parts[0].body.contains("https://news.example/a/1"))
            #expect(parsed.parts[1].contentType == "text/html; charset=utf-8")
            #expect(
                parsed.parts[1].body.contains(
                    "<a href=\"https://news.example/a/1\">Zürich: café prices €5 — a story</a>"))
            for line in message.split(separator: "\n") { #expect(line.utf8.count <= 78, "\(line)") }
        }
    }

    @Test("sendmail gets -t -oi and the message on standard input")
    func sendmail() async throws {
        try await withTemporaryDirectory { directory in
            let fake = try writeScript(
                "printf '%s\\n' \"$@\" > \"$(dirname \"$0\")/args.txt\"; cat > \"$(dirname \"$0\")/message.eml\"",
                named: "sendmail", in: directory)
            let hook = try SendmailHook(
                name: "mail",
                configuration: .init(
                    program: fake, mail: MailSettings(from: "feedd@localhost", to: ["a@example.org", "b@example.org"])))
            #expect(await hook.deliver(Sample.delivery()) == .delivered("sendmail accepted the message"))
            #expect(try String(contentsOf: directory.url(for: "args.txt"), encoding: .utf8) == "-t\n-oi\n")
            let parsed = try MailParse(try String(contentsOf: directory.url(for: "message.eml"), encoding: .utf8))
            #expect(parsed.header("To") == "a@example.org, b@example.org")
            #expect(parsed.header("Subject") == "South Korea seeks 'new phase' in ties")
        }
    }

    @Test("sendmail's bad-address status is permanent, its temporary failure retried")
    func sendmailStatuses() async throws {
        try await withTemporaryDirectory { directory in
            let settings = MailSettings(from: "f@localhost", to: ["x@example.org"])
            let unknownUser = try writeScript("cat > /dev/null; exit 67", named: "nouser", in: directory)
            let tempFail = try writeScript(
                "cat > /dev/null; echo 'queue full' >&2; exit 75", named: "tempfail", in: directory)
            let permanent = try SendmailHook(name: "m", configuration: .init(program: unknownUser, mail: settings))
            #expect(await permanent.deliver(Sample.delivery()) == .permanent(reason: "sendmail exit status 67"))
            let retried = try SendmailHook(name: "m", configuration: .init(program: tempFail, mail: settings))
            #expect(
                await retried.deliver(Sample.delivery())
                    == .retry(after: nil, reason: "sendmail exit status 75; stderr: queue full"))
        }
    }

    @Test("the batch payload lists every item under items")
    func batchPayload() throws {
        let delivery = Delivery(
            id: "b-1", attempt: 2, feed: Sample.feed, event: .new,
            content: .batch([Sample.item(), Sample.item(title: "Two", key: "k2")]))
        let payload = try parseJSON(HookPayload.json(for: delivery))
        #expect(Set(payload.keys) == ["feed", "event", "items", "delivery"])
        #expect((payload["items"] as? [[String: Any]])?.map { $0["key"] as? String } == ["sha256:0123abcd", "k2"])
        #expect((payload["delivery"] as? [String: Any])?["attempt"] as? Int == 2)
        let single = try parseJSON(HookPayload.json(for: Sample.delivery()))
        #expect(
            Set(single.keys) == [
                "id", "key", "title", "link", "summary", "content", "published", "updated", "authors", "categories",
                "enclosures", "feed", "event", "delivery",
            ])
    }
}

/// A small reader of the messages feedd writes: headers (unfolded), the two MIME parts decoded.
struct MailParse {
    struct Part {
        var contentType: String
        var body: String
    }

    var headers: [(String, String)] = []
    var parts: [Part] = []

    init(_ message: String) throws {
        let sections = message.components(separatedBy: "\n\n")
        var unfolded: [String] = []
        for line in sections[0].split(separator: "\n") {
            if line.hasPrefix(" "), !unfolded.isEmpty {
                unfolded[unfolded.count - 1] += String(line)
            } else {
                unfolded.append(String(line))
            }
        }
        for line in unfolded {
            guard let colon = line.firstIndex(of: ":") else { throw TestFailure("bad header \(line)") }
            headers.append((String(line[..<colon]), String(line[line.index(colon, offsetBy: 2)...])))
        }
        let contentType = headers.first { $0.0 == "Content-Type" }?.1 ?? ""
        guard let start = contentType.range(of: "boundary=\"") else { throw TestFailure("no boundary") }
        let boundary = String(contentType[start.upperBound...].dropLast())
        let body = message[message.range(of: "\n\n")!.upperBound...]
        for chunk in body.components(separatedBy: "--\(boundary)").dropFirst() where !chunk.hasPrefix("--") {
            let pieces = chunk.components(separatedBy: "\n\n")
            let partHeaders = pieces[0]
            let encoded = pieces.dropFirst().joined(separator: "\n\n")
            let type = partHeaders.split(separator: "\n").first { $0.hasPrefix("Content-Type: ") }?.dropFirst(14) ?? ""
            parts.append(Part(contentType: String(type), body: Self.decodeQuotedPrintable(encoded)))
        }
    }

    func header(_ name: String) -> String? {
        headers.first { $0.0 == name }?.1
    }

    func decodedSubject() throws -> String {
        let raw = try #require(header("Subject"))
        var text = ""
        for word in raw.split(separator: " ") {
            guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?=") else { return raw }
            let data = try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
            text += String(decoding: data, as: UTF8.self)
        }
        return text
    }

    static func decodeQuotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        let input = Array(text.utf8)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "="), index + 1 < input.count, input[index + 1] == 0x0A {
                index += 2
            } else if input[index] == UInt8(ascii: "="), index + 2 < input.count,
                let value = UInt8(String(decoding: input[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
