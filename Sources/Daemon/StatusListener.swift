import FeedModel
import FlyingFox
import FlyingSocks
import Foundation
import Logging
import Platform

/// The HTTP listener's socket, accept loop and connection limits, around `StatusServer`'s views.
///
/// FlyingFox's `HTTPServer` (0.27.1) has a handler timeout only: no header or idle timeout and no
/// connection limit, so a thousand idle clients could take every descriptor of the daemon. This
/// listener keeps FlyingFox's request and response types and its socket layer (FlyingSocks' epoll
/// pool) and owns the rest: each connection has a deadline (`ListenerLimits`), a sweeper shuts down
/// those past it, the number of connections is capped, and a failed `accept` (no descriptors left)
/// is logged once a minute and waited out rather than spun on.
struct StatusListener: Sendable {
    let socket: Socket
    let handler: StatusServer
    let limits: ListenerLimits
    let connections: ListenerConnections
    let logger: Logger
    /// The sweeper's clock.
    let clock: any TimeSource

    /// Binds and listens on `address` (throws when it cannot: the port taken, an address not here).
    init(
        address: some SocketAddress, handler: StatusServer, limits: ListenerLimits, connectionLimit: Int,
        logger: Logger, clock: any TimeSource = SystemClock()
    ) throws {
        let socket = try Socket(domain: Int32(type(of: address).family), type: .stream)
        do {
            try socket.setValue(true, for: .localAddressReuse)
            try socket.bind(to: address)
            try socket.listen()
        } catch {
            try? socket.close()
            throw error
        }
        self.socket = socket
        self.handler = handler
        self.limits = limits
        self.connections = ListenerConnections(limit: connectionLimit)
        self.logger = logger
        self.clock = clock
    }

    /// The address the socket is bound to (the port the kernel picked for port 0).
    var boundAddress: Socket.Address? { try? socket.sockname() }

    /// Serves until the task is cancelled, then closes every connection and the socket.
    func run() async throws {
        defer { try? socket.close() }
        let pool = HTTPServer.defaultPool()
        try await pool.prepare()
        let listening = try AsyncSocket(socket: socket, pool: pool)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await pool.run() }
            group.addTask { await sweep() }
            try await acceptLoop(listening, pool: pool, group: &group)
            group.cancelAll()
        }
    }

    private func acceptLoop(
        _ listening: AsyncSocket, pool: some AsyncSocketPool, group: inout ThrowingDiscardingTaskGroup<any Error>
    ) async throws {
        var lastAcceptError: ContinuousClock.Instant? = nil
        var acceptErrors = 0
        while !Task.isCancelled {
            let client: AsyncSocket
            do {
                client = try await listening.accept()
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                // EMFILE or ENFILE (no descriptors), ECONNABORTED, ENOMEM: the pending connection stays
                // queued; wait a little instead of spinning, and say so once a minute, not per failure.
                acceptErrors += 1
                let now = ContinuousClock.now
                if lastAcceptError.map({ now - $0 >= .seconds(60) }) ?? true {
                    logger.warning(
                        "HTTP listener: cannot accept a connection; waiting",
                        metadata: ["error": "\(error)", "failures": "\(acceptErrors)"])
                    lastAcceptError = now
                    acceptErrors = 0
                }
                try await Task.sleep(for: .milliseconds(100))
                continue
            }
            let now = ContinuousClock.now
            switch connections.admit(
                descriptor: client.socket.file.rawValue, deadline: now + limits.headerTimeout, now: now)
            {
            case .refused:
                // Every connection is busy with a request: say so at once rather than queue the client.
                _ = try? client.socket.write(Self.busyResponse)
                try? client.close()
            case .admitted(let id):
                let connection = ListenerConnection(
                    socket: client, id: id, connections: connections, limits: limits, handler: handler)
                group.addTask { await connection.serve() }
            }
        }
    }

    /// Shuts down the connections past their deadline, a few times per shortest timeout.
    private func sweep() async {
        let shortest = min(limits.headerTimeout, limits.idleTimeout, limits.responseTimeout)
        let period = max(min(shortest / 4, .milliseconds(500)), .milliseconds(20))
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: period)
            } catch {
                return
            }
            let ended = connections.endOverdue(now: clock.monotonicNow())
            if ended > 0 {
                logger.debug("HTTP listener: connections timed out", metadata: ["connections": "\(ended)"])
            }
        }
    }

    private static let busyResponse: Data = {
        let body = "{\"error\":\"too many connections; try again\"}\n"
        return Data(
            ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
                + "Connection: close\r\nRetry-After: 1\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body).utf8)
    }()
}
