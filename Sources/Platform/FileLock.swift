import Glibc

/// An exclusive `flock` on a lock file, held until the value is dropped (or the process dies, when the
/// kernel releases it: a lock left by a killed process never blocks the next one).
public struct FileLock: ~Copyable, Sendable {
    private let descriptor: Int32

    /// The outcome of trying to take the lock.
    public enum Failure: Error, Sendable {
        /// Another process holds it; `owner` is the process id written in the file, when readable.
        case held(owner: Int32?)
        case system(SystemError)
    }

    /// Takes the lock on `path` (created when missing) without waiting, and writes this process's id into
    /// the file for the message another process will print.
    public init(path: String) throws(Failure) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .system(SystemError("open", path: path)) }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 31, 0) }
            close(descriptor)
            guard code == EWOULDBLOCK else { throw .system(SystemError("flock", code: code, path: path)) }
            let text = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
            throw .held(owner: Int32(text.split(separator: "\n").first.map(String.init) ?? ""))
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
