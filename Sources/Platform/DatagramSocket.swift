import Glibc

/// An `AF_UNIX` datagram socket: what systemd's notify protocol (`sd_notify`) speaks.
///
/// A path starting with `@` names a socket in Linux's abstract namespace (the `@` becomes a NUL byte),
/// as systemd writes it in `$NOTIFY_SOCKET`. The descriptor is closed when the value goes away.
///
/// `Sendable`: the descriptor is immutable and `sendto`/`recv` on one descriptor are thread-safe.
public final class DatagramSocket: Sendable {
    private let descriptor: Int32
    /// The path bound by `bound(to:)`, removed again on close (not for abstract names).
    private let boundPath: String?

    private init(descriptor: Int32, boundPath: String?) {
        self.descriptor = descriptor
        self.boundPath = boundPath
    }

    deinit {
        close(descriptor)
        if let boundPath, !boundPath.hasPrefix("@") { unlink(boundPath) }
    }

    /// An unbound socket for sending.
    public static func forSending() throws(SystemError) -> DatagramSocket {
        DatagramSocket(descriptor: try makeSocket(), boundPath: nil)
    }

    /// A socket bound to `path` (a file path, or `@name` for an abstract name), for receiving.
    public static func bound(to path: String) throws(SystemError) -> DatagramSocket {
        let descriptor = try makeSocket()
        let result = try withAddress(path) { address, length in bind(descriptor, address, length) }
        guard result == 0 else {
            let code = errno
            close(descriptor)
            throw SystemError("bind", code: code, path: path)
        }
        return DatagramSocket(descriptor: descriptor, boundPath: path)
    }

    /// Sends one datagram to the socket at `path`.
    public func send(_ message: String, to path: String) throws(SystemError) {
        let bytes = Array(message.utf8)
        let sent = try Self.withAddress(path) { address, length in
            bytes.withUnsafeBytes { buffer in
                sendto(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), address, length)
            }
        }
        guard sent >= 0 else { throw SystemError("sendto", code: errno, path: path) }
    }

    /// Waits up to `timeoutMilliseconds` for one datagram and returns it as text, or nil on timeout.
    public func receive(timeoutMilliseconds: Int32) throws(SystemError) -> String? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, timeoutMilliseconds)
        if ready < 0 {
            if errno == EINTR { return nil }
            throw SystemError("poll", code: errno)
        }
        guard ready > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { throw SystemError("recv", code: errno) }
        return String(decoding: buffer.prefix(count), as: UTF8.self)
    }

    private static func makeSocket() throws(SystemError) -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SystemError("socket", code: errno) }
        return descriptor
    }

    /// Calls `body` with a `sockaddr_un` for `path` and its length.
    private static func withAddress<Result>(
        _ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Result
    ) throws(SystemError) -> Result {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let isAbstract = bytes.first == UInt8(ascii: "@")
        if isAbstract { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw SystemError("socket address", code: ENAMETOOLONG, path: path)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            if !isAbstract { raw[bytes.count] = 0 }
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        // An abstract name is exactly its bytes; a file path carries its terminating NUL.
        let length = socklen_t(pathOffset + bytes.count + (isAbstract ? 0 : 1))
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
