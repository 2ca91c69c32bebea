import Config
import FeedModel
import FlyingFox
import FlyingSocks
import Glibc
import Hooks
import Logging
import ServiceLifecycle
import Synchronization

/// Runs the HTTP listener (`StatusServer`) until graceful shutdown. A listener that cannot bind (the
/// port taken, an address this machine does not have) is logged as an error and tried again every
/// 30 seconds: monitoring must never keep the daemon from polling.
struct StatusService: Service {
    let daemon: Daemon
    let address: ListenAddress

    static let retryDelay = Duration.seconds(30)

    func run() async {
        let runtime = daemon.runtime
        let logger = runtime.logger
        let handler = StatusServer(runtime: runtime, startedAt: runtime.clock.now())
        let stopping = StopFlag()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let server: HTTPServer
                do {
                    server = HTTPServer(
                        address: try Self.socketAddress(address), timeout: 15,
                        logger: LoggerBridge(logger: logger, stopping: stopping),
                        handler: handler)
                } catch {
                    logger.error("HTTP listener: not an address", metadata: ["listen": "\(address)"])
                    return
                }
                let task = Task { try await server.run() }
                do {
                    try await server.waitUntilListening(timeout: 5)
                    let bound = await server.listeningAddress.map(Self.describe) ?? address.description
                    logger.info("HTTP listener started", metadata: ["listen": "\(bound)"])
                    if !address.isLoopback {
                        logger.warning(
                            "HTTP listener is not on a loopback address: anyone who can reach it can read feeds and items",
                            metadata: ["listen": "\(address)"])
                    }
                    try await withTaskCancellationHandler {
                        try await task.value
                    } onCancel: {
                        stopping.set()
                        Task { await server.stop(timeout: 1) }
                    }
                    return
                } catch {
                    task.cancel()
                    if Task.isCancelled { return }
                    logger.error(
                        "HTTP listener failed; trying again in 30 s",
                        metadata: ["listen": "\(address)", "error": "\(error)"])
                    try? await Task.sleep(for: Self.retryDelay)
                }
            }
        }
    }

    static func socketAddress(_ address: ListenAddress) throws -> any SocketAddress {
        switch address.host {
        case .ipv4(let host): return try sockaddr_in.inet(ip4: host, port: address.port)
        case .ipv6(let host): return try sockaddr_in6.inet6(ip6: host, port: address.port)
        }
    }

    static func describe(_ address: Socket.Address) -> String {
        switch address {
        case .ip4(let host, let port): return "\(host):\(port)"
        case .ip6(let host, let port): return "[\(host)]:\(port)"
        case .unix(let path): return path
        }
    }
}

/// Set once the daemon stops the listener itself.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)

    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}

/// FlyingFox's log lines into the daemon's logger: its connection chatter at debug, its failures as they are.
///
/// `HTTPServer.run()` logs every end of its accept loop as a critical "server error", including the
/// end that `stop()` causes (the loop is cancelled: `CancellationError`). Once the daemon has asked the
/// server to stop (`stopping`), such a line is what a normal shutdown looks like, and goes to debug.
struct LoggerBridge: FlyingSocks.Logging {
    let logger: Logger
    var stopping = StopFlag()

    func logDebug(_ debug: @autoclosure () -> String) { logger.debug("HTTP: \(debug())") }
    func logInfo(_ info: @autoclosure () -> String) { logger.debug("HTTP: \(info())") }
    func logWarning(_ warning: @autoclosure () -> String) { logger.warning("HTTP: \(warning())") }
    func logError(_ error: @autoclosure () -> String) {
        logger.log(level: stopping.isSet ? .debug : .error, "HTTP: \(error())")
    }
    func logCritical(_ critical: @autoclosure () -> String) {
        logger.log(level: stopping.isSet ? .debug : .critical, "HTTP: \(critical())")
    }
}
