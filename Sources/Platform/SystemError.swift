import Glibc

/// A failed system call: what was attempted and the `errno` it ended with.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What failed, e.g. `read` or `open`.
    public var operation: String
    public var code: Int32

    public init(_ operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }

    /// The failure of `operation`, with the current `errno`.
    init(_ operation: String) {
        self.init(operation, code: errno)
    }

    /// The C library's message for the code, e.g. "No such file or directory".
    public var reason: String {
        String(cString: strerror(code))
    }

    /// ENOENT: the file or a directory on its path does not exist.
    public var isNotFound: Bool { code == ENOENT }
    /// EACCES or EPERM.
    public var isPermissionDenied: Bool { code == EACCES || code == EPERM }
    /// EISDIR: a directory where a file was expected.
    public var isDirectory: Bool { code == EISDIR }

    public var description: String {
        "\(operation) failed: \(reason)"
    }
}
