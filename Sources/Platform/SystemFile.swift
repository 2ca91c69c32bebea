import Glibc

/// A file opened for positioned reads and writes, closed when the last reference goes.
///
/// The store appends with `write(_:at:)` at offsets it tracks itself (not `O_APPEND`), so that a
/// failed write can be cut off with `truncate(to:)` and the next one written over it.
public final class SystemFile: Sendable {
    private let descriptor: Int32
    /// The path the file was opened with, for messages.
    public let path: String

    /// Opens `path` for reading and writing; `create` makes it (mode 0644) when missing.
    public init(path: String, create: Bool, readOnly: Bool = false) throws(SystemError) {
        var flags = O_CLOEXEC | (readOnly ? O_RDONLY : O_RDWR)
        if create { flags |= O_CREAT }
        let descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else { throw SystemError("open", path: path) }
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        close(descriptor)
    }

    /// The file's size in bytes.
    public func size() throws(SystemError) -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SystemError("fstat", path: path) }
        return Int(info.st_size)
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    public func read(at offset: Int, count: Int) throws(SystemError) -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { raw in
                pread(descriptor, raw.baseAddress! + done, count - done, off_t(offset + done))
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw SystemError("pread", path: path)
            }
            if got == 0 { break }
            done += got
        }
        if done < count { bytes.removeLast(count - done) }
        return bytes
    }

    /// Writes all of `bytes` at `offset`, retrying short writes.
    public func write(_ bytes: [UInt8], at offset: Int) throws(SystemError) {
        var done = 0
        while done < bytes.count {
            let wrote = bytes.withUnsafeBytes { raw in
                pwrite(descriptor, raw.baseAddress! + done, raw.count - done, off_t(offset + done))
            }
            if wrote < 0 {
                if errno == EINTR { continue }
                throw SystemError("pwrite", path: path)
            }
            done += wrote
        }
    }

    /// Flushes the file's data and metadata to the device (`fsync`).
    public func sync() throws(SystemError) {
        guard fsync(descriptor) == 0 else { throw SystemError("fsync", path: path) }
    }

    /// Cuts the file to `size` bytes.
    public func truncate(to size: Int) throws(SystemError) {
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw SystemError("ftruncate", path: path) }
    }
}
