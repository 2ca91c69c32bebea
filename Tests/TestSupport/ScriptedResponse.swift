/// A header field of a scripted response or a recorded request.
package struct TestHeader: Sendable, Hashable {
    package var name: String
    package var value: String

    package init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// What the test server answers on one path.
package struct ScriptedResponse: Sendable {
    package var status: Int
    /// Header fields in order; `Content-Length` is added unless given.
    package var headers: [TestHeader]
    package var body: [UInt8]
    /// How long to wait before answering (to test timeouts); nil answers at once.
    package var delay: Duration?
    /// Sends the body slowly, in pieces (to test low-speed limits); nil sends it at once.
    package var trickle: Trickle?
    /// Ignores `body` and sends zero bytes for ever, chunked (to test body-size limits).
    package var isEndless = false

    /// A slow body: `chunkSize` bytes, then a pause of `interval`, and so on.
    package struct Trickle: Sendable {
        package var chunkSize: Int
        package var interval: Duration

        package init(chunkSize: Int, interval: Duration) {
            self.chunkSize = max(chunkSize, 1)
            self.interval = interval
        }
    }

    package init(
        status: Int = 200,
        headers: KeyValuePairs<String, String> = [:],
        body: [UInt8] = [],
        delay: Duration? = nil,
        trickle: Trickle? = nil
    ) {
        self.status = status
        self.headers = headers.map { TestHeader(name: $0.key, value: $0.value) }
        self.body = body
        self.delay = delay
        self.trickle = trickle
    }

    /// A text body with a `Content-Type`.
    package static func text(_ text: String, contentType: String = "text/plain; charset=utf-8", status: Int = 200)
        -> ScriptedResponse
    {
        ScriptedResponse(status: status, headers: ["Content-Type": contentType], body: Array(text.utf8))
    }

    /// A body that never ends.
    package static var endless: ScriptedResponse {
        var response = ScriptedResponse(headers: ["Content-Type": "application/octet-stream"])
        response.isEndless = true
        return response
    }

    /// Headers and the first byte of `body` at once, then nothing for `stall` (to test a server
    /// that stops sending after the headers).
    package static func stallingAfterHeaders(for stall: Duration = .seconds(60)) -> ScriptedResponse {
        ScriptedResponse(body: Array("<rss>".utf8), trickle: Trickle(chunkSize: 1, interval: stall))
    }

    /// A redirect to `location` (absolute, or relative to the request).
    package static func redirect(to location: String, status: Int = 302) -> ScriptedResponse {
        ScriptedResponse(status: status, headers: ["Location": location])
    }

    /// A copy with one more header field.
    package func adding(header name: String, _ value: String) -> ScriptedResponse {
        var copy = self
        copy.headers.append(TestHeader(name: name, value: value))
        return copy
    }

    var reasonPhrase: String {
        switch status {
        case 200: "OK"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 404: "Not Found"
        case 410: "Gone"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

/// One request as the test server received it.
package struct RecordedRequest: Sendable {
    package var method: String
    /// The path without the query string.
    package var path: String
    /// The query string without `?`, empty when there was none.
    package var query: String
    package var headers: [TestHeader]
    package var body: [UInt8]
    /// The client's TCP port: requests with the same port came over the same connection.
    package var clientPort: Int? = nil
    /// When the request arrived (its head and body read).
    package var arrived: ContinuousClock.Instant = .now
    /// The same on the wall clock, in seconds since 1970.
    package var arrivedAt: Double = 0
    /// When its answer was handed to the connection (after any `delay`); nil while it is being answered.
    package var answered: ContinuousClock.Instant? = nil

    /// The first value of header `name`, compared case-insensitively.
    package func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}
