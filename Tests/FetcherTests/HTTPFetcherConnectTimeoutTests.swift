import Fetcher
import Foundation
import Testing

/// A server on 127.0.0.1 whose accept queue is full: Linux drops further SYNs, so a new connection
/// never completes and the connect timeout must end the fetch.
@Suite("HTTPFetcher: connect timeout")
struct HTTPFetcherConnectTimeoutTests {
    /// Listens with a backlog of 0 and never accepts; `fill()` queues connections until a new one hangs.
    final class FullListener {
        let descriptor: Int32
        let port: Int
        var clients: [Int32] = []

        init() throws {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, length) == 0 && listen(descriptor, 0) == 0
                        && getsockname(descriptor, $0, &length) == 0
                }
            }
            guard descriptor >= 0, ok else { throw POSIXError(.EADDRNOTAVAIL) }
            self.descriptor = descriptor
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        /// Opens non-blocking connections until one stays in progress (the queue is full).
        func fill() -> Bool {
            for _ in 0..<16 {
                let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                _ = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                clients.append(client)
                var poller = pollfd(fd: client, events: Int16(POLLOUT), revents: 0)
                if poll(&poller, 1, 200) == 0 { return true }  // still connecting after 200 ms: full
            }
            return false
        }

        deinit {
            clients.forEach { close($0) }
            close(descriptor)
        }
    }

    @Test("a server that never completes the handshake ends in a connect timeout")
    func connectTimeout() async throws {
        let listener = try FullListener()
        try #require(listener.fill(), "could not fill the accept queue on this kernel")
        try await withFetcher { fetcher in
            var limits = FetchLimits()
            limits.connectTimeout = .milliseconds(500)
            let result = await fetcher.fetch(
                FetchRequest(url: "http://127.0.0.1:\(listener.port)/feed.xml", limits: limits))
            guard case .failure(let error) = result, case .timeout(_, let kind, _, _) = error else {
                Issue.record("expected a timeout, got \(result)")
                return
            }
            #expect(kind == .connect)
        }
    }
}
