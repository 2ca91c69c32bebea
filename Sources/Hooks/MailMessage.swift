internal import Crypto
public import FeedModel
internal import XML

/// The settings shared by the `maildir` and `sendmail` hooks (config keys in parentheses).
public struct MailSettings: Sendable, Hashable {
    /// The sender address (`from`), e.g. `feedd@localhost`; the display name is the feed's title.
    public var from: String
    /// The recipient addresses (`to`).
    public var to: [String]
    /// Put before the item title in the subject (`subject_prefix`), e.g. `[feeds] `; none by default.
    public var subjectPrefix: String

    public init(from: String, to: [String], subjectPrefix: String = "") {
        self.from = from
        self.to = to
        self.subjectPrefix = subjectPrefix
    }
}

/// An RFC 5322 message for a delivery, as rss2email users expect one: `From` (the feed's title
/// and the configured address), `To`, `Subject` (the item's title, RFC 2047 encoded when not
/// ASCII), `Date` (published, else now), `Message-ID` made from the item key (the same on every
/// re-delivery, so a mail client can see a repeat), `List-ID` and `X-Feedd-*` headers, and a
/// multipart/alternative body: a text/plain part (the text of the HTML, then the link) and a
/// text/html part, both UTF-8 and quoted-printable (lines within 76 characters). A batch
/// becomes one digest message with every item.
public enum MailMessage {
    /// The whole message, lines ending in LF.
    public static func build(_ delivery: Delivery, settings: MailSettings, now: Timestamp) -> [UInt8] {
        let items = delivery.items
        let feedTitle = delivery.feed.title ?? delivery.feed.name
        let subject: String
        let date: Timestamp
        let messageID: String
        switch delivery.content {
        case .item(let item):
            subject = settings.subjectPrefix + (item.title ?? item.link ?? "(untitled)")
            date = item.published ?? item.updated ?? now
            messageID = Self.messageID(seed: "\(delivery.feed.name)\u{0}\(item.key)", feed: delivery.feed.name)
        case .batch(let batch):
            subject = settings.subjectPrefix + "\(feedTitle): \(batch.count) new item\(batch.count == 1 ? "" : "s")"
            date = now
            messageID = Self.messageID(seed: "batch\u{0}\(delivery.id)", feed: delivery.feed.name)
        }
        let boundary = "=_feedd_" + String(hex(Array(SHA256.hash(data: Array(delivery.id.utf8)))).prefix(24))
        var headers: [(String, String)] = [
            ("From", address(settings.from, displayName: feedTitle)),
            ("To", settings.to.joined(separator: ", ")),
            ("Subject", MailEncoding.headerValue(subject, nameLength: 7)),
            ("Date", MailEncoding.date(secondsSince1970: date.secondsSince1970, components: components(date))),
            ("Message-ID", messageID),
            ("List-ID", "\(MailEncoding.headerValue(feedTitle, nameLength: 7)) <\(label(delivery.feed.name)).feedd>"),
            ("X-Feedd-Feed", MailEncoding.headerValue(delivery.feed.name, nameLength: 12)),
            ("X-Feedd-Event", delivery.event.rawValue),
            ("X-Feedd-Delivery", delivery.id),
        ]
        if case .item(let item) = delivery.content {
            // Raw values only when they are one printable ASCII word: a line break would start a header.
            let isWord = { (text: String) in text.utf8.allSatisfy { (0x21...0x7E).contains($0) } }
            if isWord(item.key) { headers.append(("X-Feedd-Key", item.key)) }
            if let link = item.link, isWord(link) {
                headers.append(("X-Feedd-Link", link))
            }
        }
        headers.append(("MIME-Version", "1.0"))
        headers.append(("Content-Type", "multipart/alternative;\n boundary=\"\(boundary)\""))

        var text = ""
        for (name, value) in headers { text += "\(name): \(value)\n" }
        text += "\n"
        text += "--\(boundary)\n"
        text += "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
        text += MailEncoding.quotedPrintable(plainBody(items, isBatch: delivery.isBatch)) + "\n"
        text += "--\(boundary)\n"
        text += "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
        text += MailEncoding.quotedPrintable(htmlBody(items, feedTitle: feedTitle)) + "\n"
        text += "--\(boundary)--\n"
        return Array(text.utf8)
    }

    private static func plainBody(_ items: [FeedItem], isBatch: Bool) -> String {
        var sections: [String] = []
        for item in items {
            var lines: [String] = []
            if isBatch, let title = item.title { lines.append(title) }
            let body = PlainText.fromHTML(item.content ?? item.summary ?? "", layout: .blocks(keepLinks: true))
            if !body.isEmpty { lines.append(body) }
            if let link = item.link { lines.append(link) }
            sections.append(lines.joined(separator: "\n\n"))
        }
        return sections.joined(separator: "\n\n----\n\n") + "\n"
    }

    private static func htmlBody(_ items: [FeedItem], feedTitle: String) -> String {
        var html =
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>\(escape(feedTitle))</title></head>\n<body>\n"
        for item in items {
            let title = escape(item.title ?? item.link ?? "(untitled)")
            if let link = item.link {
                html += "<h1><a href=\"\(escape(link))\">\(title)</a></h1>\n"
            } else {
                html += "<h1>\(title)</h1>\n"
            }
            html += "<div>\(item.content ?? item.summary ?? "")</div>\n"
        }
        html += "<p><small>\(escape(feedTitle)), by feedd</small></p>\n</body></html>\n"
        return html
    }

    /// `<hex@feedd>`: 32 hex digits of SHA-256 of the seed, and the feed's label.
    static func messageID(seed: String, feed: String) -> String {
        let digest = hex(Array(SHA256.hash(data: Array(seed.utf8))))
        return "<\(digest.prefix(32)).\(label(feed))@feedd>"
    }

    /// The feed name reduced to letters, digits and `-` for ids.
    private static func label(_ name: String) -> String {
        let label = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" })
        return label.isEmpty ? "feed" : label
    }

    private static func address(_ address: String, displayName: String) -> String {
        let name = displayName.replacingAll("\"", with: "'").replacingAll("\\", with: "/")
        if name.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) {
            return "\"\(name)\" <\(address)>"
        }
        return "\(MailEncoding.headerValue(name, nameLength: 6)) <\(address)>"
    }

    private static func escape(_ text: String) -> String {
        var output = ""
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            default: output.append(character)
            }
        }
        return output
    }

    private static func components(_ timestamp: Timestamp) -> (Int, Int, Int, Int, Int, Int) {
        let c = timestamp.components
        return (c.year, c.month, c.day, c.hour, c.minute, c.second)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".unicodeScalars)
        var text = ""
        for byte in bytes {
            text.unicodeScalars.append(digits[Int(byte >> 4)])
            text.unicodeScalars.append(digits[Int(byte & 0xF)])
        }
        return text
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var output = ""
        for character in self {
            if character == target { output += replacement } else { output.append(character) }
        }
        return output
    }
}
