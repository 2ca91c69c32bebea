/// What the write and header callbacks fill in during one transfer.
///
/// The easy handle owns one instance for its whole life and hands it to libcurl as the callbacks'
/// user pointer (`Unmanaged`, unretained: the handle's strong reference keeps it alive). Only the
/// thread running the transfer touches it.
final class TransferState {
    /// The largest decoded body accepted; the write callback aborts the transfer past it.
    var maxBodySize: Int = .max
    /// The decoded body so far.
    var body: [UInt8] = []
    /// Set when the write callback refused data because of `maxBodySize`.
    var exceededBodyLimit = false
    /// The header fields of the response being received; reset at each status line, so after the
    /// transfer it holds those of the final response.
    var headers: [HeaderField] = []
    /// The URL last set with `CURLOPT_URL`, for error messages.
    var url = ""

    /// Clears what a previous transfer left.
    func reset() {
        body = []
        exceededBodyLimit = false
        headers = []
    }

    /// Appends decoded body bytes; returns false when they would pass the limit.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count <= maxBodySize - body.count else {
            exceededBodyLimit = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// Takes one raw header line (with its CRLF) of any response in the transfer.
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        var line = Substring(decoding: bytes, as: UTF8.self)
        while let last = line.last, last.isNewline {  // "\r\n" is one Character
            line.removeLast()
        }
        if line.hasPrefix("HTTP/") {
            // A new response starts: a redirect or an interim (1xx) response came before it.
            headers = []
            return
        }
        if let first = line.first, first == " " || first == "\t" {
            // Obsolete line folding: the line continues the previous field's value.
            if !headers.isEmpty {
                headers[headers.count - 1].value += " " + trimmed(line)
            }
            return
        }
        guard let colon = line.firstIndex(of: ":") else {
            return
        }
        let name = trimmed(line[..<colon])
        let value = trimmed(line[line.index(after: colon)...])
        guard !name.isEmpty else {
            return
        }
        headers.append(HeaderField(name: name, value: value))
        if name.lowercased() == "content-length", let length = Int(value), length > 0 {
            // A hint only: the length is of the encoded body, and the limit still applies.
            body.reserveCapacity(min(length, maxBodySize))
        }
    }

    private func trimmed(_ text: Substring) -> String {
        String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
