import Glibc

/// A file opened for writing: appended to (`O_APPEND`) or created new, written with whole-buffer
/// writes that retry short writes and `EINTR`, and closed by its owner.
public struct FileOutput: ~Copyable {
    private let descriptor: Int32

    /// How a file is opened.
    public enum Mode: Sendable {
        /// Appends to the file, creating it when missing. Each `write` lands at the end even when
        /// other processes append to the same file.
        case append
        /// Creates a file that must not exist yet (`O_EXCL`).
        case createNew
    }

    /// Opens `path`; new files get `permissions` (before the umask).
    public init(path: String, mode: Mode, permissions: UInt32 = 0o644) throws(SystemError) {
        let flags: Int32
        switch mode {
        case .append: flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC
        case .createNew: flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC
        }
        let descriptor = open(path, flags, mode_t(permissions))
        guard descriptor >= 0 else { throw SystemError("open \(path)") }
        self.descriptor = descriptor
    }

    deinit {
        // Errors of close after fsync carry nothing the caller can act on; `close()` reports them.
        Glibc.close(descriptor)
    }

    /// Writes all of `bytes` with as few `write` calls as the kernel allows (one for a regular file).
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

    /// Flushes the file's data and metadata to the disk.
    public func sync() throws(SystemError) {
        while fsync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw SystemError("fsync")
        }
    }

    /// The file's size in bytes now.
    public func size() throws(SystemError) -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SystemError("fstat") }
        return Int64(info.st_size)
    }
}

/// Whole-file operations on paths.
public enum FileSystem {
    /// The size of the file at `path`, or nil when it does not exist.
    public static func size(of path: String) throws(SystemError) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw SystemError("stat \(path)")
        }
        return Int64(info.st_size)
    }

    /// Renames `source` to `destination`, replacing it atomically when it exists.
    public static func rename(_ source: String, to destination: String) throws(SystemError) {
        guard Glibc.rename(source, destination) == 0 else { throw SystemError("rename \(source)") }
    }

    /// Removes the file at `path`; a missing file is not an error.
    public static func remove(_ path: String) throws(SystemError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw SystemError("unlink \(path)") }
    }

    /// Creates the directory `path` (not its parents); an existing directory is not an error.
    public static func createDirectory(_ path: String, permissions: UInt32 = 0o700) throws(SystemError) {
        guard mkdir(path, mode_t(permissions)) == 0 || errno == EEXIST else { throw SystemError("mkdir \(path)") }
    }

    /// Creates the directory `path` and any missing parents (`mkdir -p`); existing ones are fine.
    public static func createDirectories(_ path: String, permissions: UInt32 = 0o700) throws(SystemError) {
        guard mkdir(path, mode_t(permissions)) != 0 else { return }
        switch errno {
        case EEXIST: return
        case ENOENT:
            let parent = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            guard !parent.isEmpty, parent != path else { throw SystemError("mkdir \(path)") }
            try createDirectories(parent, permissions: permissions)
            guard mkdir(path, mode_t(permissions)) == 0 || errno == EEXIST else { throw SystemError("mkdir \(path)") }
        default: throw SystemError("mkdir \(path)")
        }
    }

    /// Flushes the directory entry list of `path` (after a rename into it) to the disk.
    public static func syncDirectory(_ path: String) throws(SystemError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SystemError("open \(path)") }
        defer { close(descriptor) }
        while fsync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw SystemError("fsync \(path)")
        }
    }

    /// The whole content of a small file (at most `limit` bytes).
    public static func read(_ path: String, limit: Int = 1 << 20) throws(SystemError) -> [UInt8] {
        let input: FileInput
        do {
            input = try FileInput(path: path)
        } catch {
            throw SystemError(error.operation + " " + path, code: error.code)
        }
        do {
            return try input.readAll(limit: limit)
        } catch {
            switch error {
            case .system(let system): throw system
            case .tooLarge: throw SystemError("read \(path)", code: EFBIG)
            }
        }
    }
}
