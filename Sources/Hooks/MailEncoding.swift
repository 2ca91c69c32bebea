/// The encodings of a mail message: base64, quoted-printable, RFC 2047 encoded-words and
/// RFC 5322 dates. Lines end in LF, as local delivery (Maildir files, `sendmail` input) expects.
enum MailEncoding {
    private static let base64Digits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// Base64 of `bytes` on one line.
    static func base64(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index < input.count {
            let first = input[index]
            let second = index + 1 < input.count ? input[index + 1] : 0
            let third = index + 2 < input.count ? input[index + 2] : 0
            output.append(base64Digits[Int(first >> 2)])
            output.append(base64Digits[Int((first & 0x03) << 4 | second >> 4)])
            output.append(index + 1 < input.count ? base64Digits[Int((second & 0x0F) << 2 | third >> 6)] : 0x3D)
            output.append(index + 2 < input.count ? base64Digits[Int(third & 0x3F)] : 0x3D)
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Quoted-printable (RFC 2045 section 6.7) of UTF-8 text, lines at most 76 characters, with
    /// soft line breaks (`=` at the end of a line) where a long line is cut.
    static func quotedPrintable(_ text: String) -> String {
        var output: [UInt8] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (number, line) in lines.enumerated() {
            var bytes = Array(line.utf8)
            if bytes.last == 0x0D { bytes.removeLast() }
            var length = 0
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                var piece: [UInt8]
                switch byte {
                case 0x21...0x3C, 0x3E...0x7E:
                    piece = [byte]
                case 0x20 where !isLast, 0x09 where !isLast:
                    piece = [byte]
                default:
                    piece = [0x3D, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
                }
                // Keep room for the soft break's "=" within 76 characters.
                if length + piece.count > (isLast ? 76 : 75) {
                    output.append(contentsOf: [0x3D, 0x0A])
                    length = 0
                }
                output.append(contentsOf: piece)
                length += piece.count
            }
            if number < lines.count - 1 { output.append(0x0A) }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// A header value as it may be written after `Name: `: ASCII text folded at spaces, or, when
    /// it holds anything but printable ASCII, RFC 2047 `=?UTF-8?B?…?=` words of at most 75
    /// characters, one per folded line. Line breaks in `text` become spaces.
    static func headerValue(_ text: String, nameLength: Int) -> String {
        let flat = text.map { $0.isNewline ? " " : String($0) }.joined()
        let isPlain = flat.utf8.allSatisfy { (0x20...0x7E).contains($0) } && !flat.contains("=?")
        if isPlain { return fold(flat, firstLineUsed: nameLength + 2) }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in flat {
            let bytes = Array(String(character).utf8)
            // 45 bytes give 60 base64 characters: with "=?UTF-8?B?" and "?=", 72 per word.
            if chunk.count + bytes.count > 45, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(base64(chunk))?=")
                chunk = []
            }
            chunk.append(contentsOf: bytes)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(base64(chunk))?=") }
        return words.joined(separator: "\n ")
    }

    /// Folds ASCII text at spaces so that lines stay within 78 characters where words allow.
    private static func fold(_ text: String, firstLineUsed: Int) -> String {
        var lines: [String] = []
        var line = ""
        var room = 78 - firstLineUsed
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if line.isEmpty && lines.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count > room, !line.isEmpty {
                lines.append(line)
                line = String(word)
                room = 77  // a continuation line starts with a space
            } else {
                line += " " + word
            }
        }
        lines.append(line)
        return lines.joined(separator: "\n ")
    }

    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// An RFC 5322 date in UTC: `Sat, 28 Nov 2026 08:02:11 +0000`.
    static func date(secondsSince1970 seconds: Int64, components: (Int, Int, Int, Int, Int, Int)) -> String {
        var days = seconds / 86_400
        if seconds % 86_400 < 0 { days -= 1 }
        let weekday = weekdays[Int(((days % 7) + 7) % 7)]
        let (year, month, day, hour, minute, second) = components
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekday), \(day) \(months[month - 1]) \(year) \(two(hour)):\(two(minute)):\(two(second)) +0000"
    }
}
