import Glibc

/// A failed system call: what was attempted, on which file, and the `errno` it ended with.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What failed, e.g. `read` or `open`.
    public var operation: String
    public var code: Int32
    /// The file or directory concerned, when there is one.
    public var path: String?

    public init(_ operation: String, code: Int32, path: String? = nil) {
        self.operation = operation
        self.code = code
        self.path = path
    }

    /// The failure of `operation`, with the current `errno`.
    init(_ operation: String, path: String? = nil) {
        self.init(operation, code: errno, path: path)
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
    /// ENOSPC or EDQUOT: the file system (or the user's quota) is full.
    public var isNoSpace: Bool { code == ENOSPC || code == EDQUOT }
    /// EROFS: the file system is mounted read-only.
    public var isReadOnly: Bool { code == EROFS }

    /// The codes the store's tests inject: no space left, read-only file system, I/O error.
    public static let noSpace = ENOSPC
    public static let readOnlyFileSystem = EROFS
    public static let ioError = EIO

    public var description: String {
        "\(operation) failed: \(reason)"
    }
}
