import Glibc

/// A file (or standard input) read front to back in pieces, so that it is never held whole.
public struct FileInput: ~Copyable {
    private let descriptor: Int32
    private let ownsDescriptor: Bool

    /// Opens `path` for reading.
    public init(path: String) throws(SystemError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SystemError("open") }
        self.descriptor = descriptor
        ownsDescriptor = true
    }

    private init(descriptor: Int32) {
        self.descriptor = descriptor
        ownsDescriptor = false
    }

    /// Standard input (left open at the end).
    public static var standardInput: FileInput { FileInput(descriptor: STDIN_FILENO) }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    /// The size of a regular file (what reading it whole will most likely give), or nil for a pipe, a
    /// terminal or anything else whose size is not known in advance.
    public var expectedSize: Int? {
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// Hands each piece of the rest of the input to `body`, at most `pieceSize` bytes at a time, and
    /// returns the number of bytes read. Stops with `tooLarge` as soon as more than `limit` bytes came.
    public func readAll(
        pieceSize: Int = 1 << 16, limit: Int = .max, _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) throws(ReadError) -> Int {
        var buffer = [UInt8](repeating: 0, count: max(pieceSize, 1))
        var total = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system(SystemError("read"))
            }
            if count == 0 { return total }
            total += count
            guard total <= limit else { throw .tooLarge(limit: limit) }
            buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[0..<count])) }
        }
    }

    /// The rest of the input in one array.
    public func readAll(limit: Int = .max) throws(ReadError) -> [UInt8] {
        var bytes: [UInt8] = []
        // One allocation for a regular file, instead of a copy each time the array grows.
        if let size = expectedSize { bytes.reserveCapacity(min(size, limit) + 1) }
        _ = try readAll(pieceSize: 1 << 20, limit: limit) { bytes.append(contentsOf: $0) }
        return bytes
    }

    public enum ReadError: Error, Sendable, CustomStringConvertible {
        case tooLarge(limit: Int)
        case system(SystemError)

        public var description: String {
            switch self {
            case .tooLarge(let limit): return "larger than \(limit) bytes"
            case .system(let error): return error.description
            }
        }
    }
}
