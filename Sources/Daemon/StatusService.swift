import Config
import FeedModel
import FlyingFox
import FlyingSocks
import Glibc
import Hooks
import Logging
import Platform
import ServiceLifecycle

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
        let limits = runtime.settings.settings.listenerLimits
        let descriptors = (try? DescriptorLimit.current().soft) ?? 1024
        let connectionLimit = limits.connectionLimit(descriptors: descriptors)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let address: any SocketAddress
                do {
                    address = try Self.socketAddress(self.address)
                } catch {
                    logger.error("HTTP listener: not an address", metadata: ["listen": "\(self.address)"])
                    return
                }
                do {
                    let listener = try StatusListener(
                        address: address, handler: handler, limits: limits, connectionLimit: connectionLimit,
                        logger: logger, clock: runtime.clock)
                    let bound = listener.boundAddress.map(Self.describe) ?? self.address.description
                    logger.info(
                        "HTTP listener started",
                        metadata: ["listen": "\(bound)", "connections.max": "\(connectionLimit)"])
                    if !self.address.isLoopback {
                        logger.notice(
                            "HTTP listener is not on a loopback address: every request needs the token",
                            metadata: ["listen": "\(self.address)"])
                    }
                    try await listener.run()
                    return
                } catch {
                    if Task.isCancelled { return }
                    logger.error(
                        "HTTP listener failed; trying again in 30 s",
                        metadata: ["listen": "\(self.address)", "error": "\(error)"])
                    try? await runtime.clock.sleep(for: Self.retryDelay)
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
