import FlyingSocks
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A response as `SimpleHTTPClient` read it.
package struct SimpleHTTPResponse: Sendable {
    package var status: Int
    /// Header fields, names lower case.
    package var headers: [String: String]
    package var body: [UInt8]

    package var text: String { String(decoding: body, as: UTF8.self) }

    package func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// One HTTP/1.1 GET to 127.0.0.1 with `Connection: close`, read to the end: enough to check a daemon's
/// listener byte for byte (status, each header, a 304 without a body) with no client library between.
package enum SimpleHTTPClient {
    package static func get(
        _ target: String, port: UInt16, headers: [String: String] = [:], within limit: Duration = .seconds(20)
    ) async throws -> SimpleHTTPResponse {
        let socket = try Socket(domain: AF_INET, type: .stream)
        defer { try? socket.close() }
        try socket.connect(to: sockaddr_in.inet(ip4: "127.0.0.1", port: port))
        try socket.setFlags(.nonBlocking)
        var request = "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let data = Data(request.utf8)
        var index = data.startIndex
        let deadline = ContinuousClock.now + limit
        while index < data.endIndex {
            do {
                index = try socket.write(data, from: index)
            } catch SocketError.blocked {
                guard ContinuousClock.now < deadline else { throw SimpleHTTPError("GET \(target): the request hung") }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        var bytes: [UInt8] = []
        while true {
            do {
                let chunk = try socket.read(atMost: 65536)
                bytes += chunk
            } catch SocketError.blocked {
                guard ContinuousClock.now < deadline else {
                    throw SimpleHTTPError("GET \(target): no end of response within \(limit)")
                }
                try await Task.sleep(for: .milliseconds(10))
            } catch SocketError.disconnected {
                break
            }
        }
        return try parse(bytes, target: target)
    }

    private static func parse(_ bytes: [UInt8], target: String) throws -> SimpleHTTPResponse {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else {
            throw SimpleHTTPError("GET \(target): no header end in \(String(decoding: bytes, as: UTF8.self))")
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw SimpleHTTPError("GET \(target): bad status line \(head.first ?? "")")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                .trimmingCharacters(in: .whitespaces)
        }
        return SimpleHTTPResponse(status: status, headers: headers, body: Array(bytes[(end + 4)...]))
    }
}

/// Why `SimpleHTTPClient.get` got no response.
package struct SimpleHTTPError: Error, CustomStringConvertible {
    package var description: String

    init(_ description: String) { self.description = description }
}
