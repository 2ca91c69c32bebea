import FlyingFox
import FlyingSocks
import Foundation
import Platform

/// One connection of the HTTP listener: HTTP/1.0 and 1.1 requests (keep-alive, pipelining), each
/// answered by `StatusServer`, until the client closes, a request asks to close, a limit is passed or
/// a deadline (kept by `ListenerConnections`) ends it.
///
/// The listener only serves small GET and HEAD views, so this reads a request header of bounded size,
/// ignores a small body given with `Content-Length`, refuses `Transfer-Encoding`, and writes each
/// response whole with `Content-Length`.
struct ListenerConnection: Sendable {
    let socket: AsyncSocket
    let id: UInt64
    let connections: ListenerConnections
    let limits: ListenerLimits
    let handler: StatusServer

    /// A request that cannot be answered: the status to send before closing.
    struct Refusal: Error {
        var status: HTTPStatusCode
        var message: String
    }

    /// Serves requests until the connection ends, then removes it and closes its descriptor.
    func serve() async {
        defer {
            connections.remove(id)
            try? socket.close()
        }
        var buffer: [UInt8] = []
        var isFirst = true
        while !Task.isCancelled {
            let request: HTTPRequest
            do {
                guard let next = try await readRequest(&buffer, isFirst: isFirst) else { return }
                request = next
            } catch let refusal as Refusal {
                let response = StatusServer.json(refusal.status, error: refusal.message)
                _ = try? await write(response, for: nil, keepAlive: false)
                await closeAfterRefusal()
                return
            } catch {
                return
            }
            isFirst = false
            let now = ContinuousClock.now
            connections.update(id, phase: .answering, deadline: now + limits.responseTimeout, now: now)
            let response: HTTPResponse
            do {
                response = try await handler.handleRequest(request)
            } catch {
                response = StatusServer.json(.internalServerError, error: "the request failed: \(error)")
            }
            let keepAlive = Self.keepsAlive(request) && !handler.runtime.isStopping
            do {
                try await write(response, for: request, keepAlive: keepAlive)
            } catch {
                return
            }
            guard keepAlive else { return }
            let done = ContinuousClock.now
            if buffer.isEmpty {
                connections.update(id, phase: .idle, deadline: done + limits.idleTimeout, now: done)
            } else {
                // The next request is already here (pipelined).
                connections.update(id, phase: .reading, deadline: done + limits.headerTimeout, now: done)
            }
        }
    }

    /// Ends the sending side and reads what the client still sends (at most 64 KiB, for at most a
    /// second) before closing: closing with unread bytes makes the kernel send a reset, which can
    /// destroy the refusal before the client reads it.
    private func closeAfterRefusal() async {
        OS.shutdownSocket(socket.socket.file.rawValue, sendingOnly: true)
        let now = ContinuousClock.now
        connections.update(id, phase: .answering, deadline: now + .seconds(1), now: now)
        var drained = 0
        while drained < 64 * 1024, let chunk = try? await socket.read(atMost: 4096) { drained += chunk.count }
    }

    // MARK: Reading

    /// The next request, or nil when the client closed the connection between requests.
    private func readRequest(_ buffer: inout [UInt8], isFirst: Bool) async throws -> HTTPRequest? {
        let tooLong = Refusal(
            status: HTTPStatusCode(431, phrase: "Request Header Fields Too Large"),
            message: "the request header is longer than \(limits.maxHeaderBytes) bytes")
        var headerEnd = Self.headerEnd(in: buffer)
        while headerEnd == nil {
            guard buffer.count <= limits.maxHeaderBytes else { throw tooLong }
            let chunk: [UInt8]
            do {
                chunk = try await socket.read(atMost: 4096)
            } catch SocketError.disconnected where buffer.isEmpty {
                return nil
            }
            if buffer.isEmpty && !isFirst {
                // The first byte of a kept-alive connection's next request starts its header clock.
                let now = ContinuousClock.now
                connections.update(id, phase: .reading, deadline: now + limits.headerTimeout, now: now)
            } else if buffer.isEmpty {
                // A new connection's header clock runs from the accept; only the phase changes.
                connections.update(id, phase: .reading, deadline: nil, now: ContinuousClock.now)
            }
            buffer += chunk
            headerEnd = Self.headerEnd(in: buffer)
        }
        guard let (headerLength, separator) = headerEnd else { return nil }
        guard headerLength <= limits.maxHeaderBytes else { throw tooLong }
        let head = Array(buffer[..<headerLength])
        buffer.removeFirst(headerLength + separator)
        var request = try Self.parse(head)
        if let length = request.headers[.contentLength] {
            guard let count = Int(length), count >= 0 else {
                throw Refusal(status: .badRequest, message: "Content-Length is not a number")
            }
            guard count <= limits.maxBodyBytes else {
                throw Refusal(
                    status: HTTPStatusCode(413, phrase: "Content Too Large"),
                    message: "request bodies over \(limits.maxBodyBytes) bytes are refused; the listener only reads")
            }
            while buffer.count < count { buffer += try await socket.read(atMost: min(4096, count - buffer.count)) }
            buffer.removeFirst(count)
            request.headers[.contentLength] = nil
        }
        return request
    }

    /// The length of the header and of the blank line ending it, when it is all in `buffer`.
    static func headerEnd(in buffer: [UInt8]) -> (Int, Int)? {
        var index = 0
        while index < buffer.count {
            if buffer[index] == 0x0A {
                if index + 1 < buffer.count, buffer[index + 1] == 0x0A { return (index + 1, 1) }
                if index + 2 < buffer.count, buffer[index + 1] == 0x0D, buffer[index + 2] == 0x0A {
                    return (index + 1, 2)
                }
            }
            index += 1
        }
        return nil
    }

    /// The request line and header fields of `head` (CRLF or LF line ends).
    static func parse(_ head: [UInt8]) throws -> HTTPRequest {
        // Split as bytes: as Characters, "\r\n" is one, and a String split on "\n" would miss it.
        var lines = head.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let requestLine = lines.first else { throw Refusal(status: .badRequest, message: "no request line") }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[1].hasPrefix("/") else {
            throw Refusal(status: .badRequest, message: "the request line is not METHOD /path HTTP/1.1")
        }
        let version = String(parts[2])
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            throw Refusal(
                status: HTTPStatusCode(505, phrase: "HTTP Version Not Supported"), message: "only HTTP/1.0 and 1.1")
        }
        var headers = HTTPHeaders()
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), line.first != " ", line.first != "\t" else {
                throw Refusal(status: .badRequest, message: "a header line is not NAME: value")
            }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.addValue(value, for: HTTPHeader(name))
        }
        if headers[HTTPHeader("Transfer-Encoding")] != nil {
            throw Refusal(
                status: HTTPStatusCode(501, phrase: "Not Implemented"),
                message: "Transfer-Encoding is not accepted; the listener only reads")
        }
        let target = parts[1]
        let question = target.firstIndex(of: "?")
        let path = String(target[..<(question ?? target.endIndex)])
        let query = question.map { String(target[target.index(after: $0)...]) } ?? ""
        return HTTPRequest(
            method: HTTPMethod(String(parts[0])), version: HTTPVersion(version),
            target: HTTPRequest.Target(path: path, query: query), headers: headers, body: HTTPBodySequence())
    }

    /// HTTP/1.1 keeps the connection unless asked to close; HTTP/1.0 only when asked to keep it.
    static func keepsAlive(_ request: HTTPRequest) -> Bool {
        let tokens = (request.headers[.connection] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        return request.version == .http11 ? !tokens.contains("close") : tokens.contains("keep-alive")
    }

    // MARK: Writing

    /// Writes `response` whole: status line, its headers, `Content-Length`, `Connection`, and the body
    /// (none for HEAD).
    private func write(_ response: HTTPResponse, for request: HTTPRequest?, keepAlive: Bool) async throws {
        let body = try await response.bodyData
        var head = "HTTP/1.1 \(response.statusCode.code) \(response.statusCode.phrase)\r\n"
        for (name, value) in response.headers where name != .contentLength && name != .connection {
            head += "\(name.rawValue): \(value)\r\n"
        }
        // A 304 has no body, and its Content-Length would have to be the full answer's: none is sent.
        if response.statusCode != .notModified { head += "Content-Length: \(body.count)\r\n" }
        head += keepAlive ? (request?.version == .http11 ? "" : "Connection: keep-alive\r\n") : "Connection: close\r\n"
        head += "\r\n"
        var bytes = Data(head.utf8)
        if request?.method != .HEAD { bytes += body }
        try await socket.write(bytes)
    }
}
