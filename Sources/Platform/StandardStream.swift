import Glibc

/// Standard output or standard error, written without buffering of our own.
public enum StandardStream: Sendable {
    case output, error

    private var descriptor: Int32 {
        self == .output ? STDOUT_FILENO : STDERR_FILENO
    }

    /// Writes all of `bytes`, retrying short writes.
    public func write(_ bytes: [UInt8]) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.write(descriptor, base + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw SystemError("write")
            }
            offset += written
        }
    }

    public func write(_ text: String) throws(SystemError) {
        try write(Array(text.utf8))
    }

    /// Whether the stream is a terminal (`isatty`): a person reads it, so tables get a header,
    /// alignment and colour; a pipe or file gets plain lines.
    public var isTerminal: Bool {
        isatty(descriptor) == 1
    }
}

/// Ends the process with `status`.
public func exitProcess(_ status: Int32) -> Never {
    exit(status)
}
