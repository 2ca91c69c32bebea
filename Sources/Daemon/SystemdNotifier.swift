public import Platform

/// systemd's notify protocol (`sd_notify(3)`), written directly: one datagram of `KEY=value` lines to
/// the `AF_UNIX` socket named by `$NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace). With
/// no socket set (not under systemd, or not `Type=notify`) every call does nothing.
public struct SystemdNotifier: Sendable {
    /// The socket's address, or nil when not under systemd.
    public let socketPath: String?
    /// How often to send `WATCHDOG=1`: half of `$WATCHDOG_USEC`, when the watchdog is on for this process.
    public let watchdogInterval: Duration?
    private let socket: DatagramSocket?

    /// Reads `$NOTIFY_SOCKET`, `$WATCHDOG_USEC` and `$WATCHDOG_PID` (the watchdog is ours only when
    /// `WATCHDOG_PID` is unset or names this process).
    public init(environment: (String) -> String? = { OS.environment($0) }) {
        let path = environment("NOTIFY_SOCKET").flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        socket = path == nil ? nil : try? DatagramSocket.forSending()
        let forUs = environment("WATCHDOG_PID").map { Int32($0) == OS.processID } ?? true
        if forUs, let text = environment("WATCHDOG_USEC"), let microseconds = Int64(text), microseconds > 0 {
            watchdogInterval = .microseconds(microseconds / 2)
        } else {
            watchdogInterval = nil
        }
    }

    /// True when a notify socket is set.
    public var isActive: Bool { socket != nil }

    /// Sends `state` (lines of `KEY=value`). Errors are returned, not thrown: systemd going away must not
    /// stop the daemon.
    @discardableResult
    public func send(_ state: String) -> SystemError? {
        guard let socket, let socketPath else { return nil }
        do throws(SystemError) {
            try socket.send(state, to: socketPath)
            return nil
        } catch {
            return error
        }
    }

    /// `READY=1` with a status line.
    public func ready(status: String) { send("READY=1\nSTATUS=\(Self.oneLine(status))") }

    /// `STATUS=…`.
    public func status(_ status: String) { send("STATUS=\(Self.oneLine(status))") }

    /// `RELOADING=1` with the monotonic time systemd asks for.
    public func reloading() { send("RELOADING=1\nMONOTONIC_USEC=\(OS.monotonicMicroseconds())") }

    /// `STOPPING=1`.
    public func stopping() { send("STOPPING=1") }

    /// `WATCHDOG=1`.
    public func watchdog() { send("WATCHDOG=1") }

    private static func oneLine(_ text: String) -> String {
        String(text.map { $0 == "\n" ? " " : $0 })
    }
}
