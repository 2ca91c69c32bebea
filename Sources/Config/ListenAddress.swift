/// Where the HTTP listener binds (config `listen`): an IPv4 address, a bracketed IPv6 address,
/// `localhost`, or nothing (every IPv4 address), then a port. Port 0 lets the kernel pick one (the log
/// says which). No other host names: the daemon does not look names up to start.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Host: Sendable, Hashable {
        case ipv4(String)
        case ipv6(String)
    }

    public var host: Host
    public var port: UInt16

    public init(host: Host, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Reads `127.0.0.1:8086`, `[::1]:8086`, `localhost:8086` (127.0.0.1) or `:8086` (0.0.0.0).
    public init(parsing text: String) throws(ListenAddressError) {
        guard let colon = text.lastIndex(of: ":") else {
            throw ListenAddressError(text: text, reason: "expected host:port, such as 127.0.0.1:8086")
        }
        let hostText = text[..<colon]
        let portText = text[text.index(after: colon)...]
        guard let port = UInt16(portText) else {
            throw ListenAddressError(text: text, reason: "the port must be a number from 0 to 65535")
        }
        if hostText == "localhost" {
            host = .ipv4("127.0.0.1")
        } else if hostText.isEmpty {
            host = .ipv4("0.0.0.0")
        } else if hostText.hasPrefix("[") && hostText.hasSuffix("]") && hostText.count > 2 {
            let address = hostText.dropFirst().dropLast()
            guard address.contains(":"), address.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw ListenAddressError(text: text, reason: "not an IPv6 address")
            }
            host = .ipv6(String(address))
        } else {
            let parts = hostText.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4,
                parts.allSatisfy({ part in part.count <= 3 && part.allSatisfy(\.isASCII) && (UInt8(part) != nil) })
            else {
                throw ListenAddressError(
                    text: text, reason: "the host must be an IPv4 address, [an IPv6 address], localhost or empty")
            }
            host = .ipv4(String(hostText))
        }
        self.port = port
    }

    public var description: String {
        switch host {
        case .ipv4(let address): return "\(address):\(port)"
        case .ipv6(let address): return "[\(address)]:\(port)"
        }
    }

    /// Whether only this machine can reach it.
    public var isLoopback: Bool {
        switch host {
        case .ipv4(let address): return address.hasPrefix("127.")
        case .ipv6(let address): return address == "::1"
        }
    }
}

public struct ListenAddressError: Error, Sendable, CustomStringConvertible {
    public var text: String
    public var reason: String

    public var description: String { "listen = \"\(text)\": \(reason)" }
}
