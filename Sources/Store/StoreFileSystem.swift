public import Platform

/// A file of the store, read and written at offsets the store tracks.
public protocol StoreFile: AnyObject, Sendable {
    func size() throws(SystemError) -> Int
    /// Up to `count` bytes at `offset` (fewer only at the end of the file).
    func read(at offset: Int, count: Int) throws(SystemError) -> [UInt8]
    func write(_ bytes: [UInt8], at offset: Int) throws(SystemError)
    /// `fsync`.
    func sync() throws(SystemError)
    func truncate(to size: Int) throws(SystemError)
}

/// The file operations the store uses, behind a protocol so that tests can inject faults (a full disk,
/// a read-only file system) without mount rights.
public protocol StoreFileSystem: Sendable {
    func openFile(_ path: String, create: Bool, readOnly: Bool) throws(SystemError) -> any StoreFile
    func createDirectory(_ path: String) throws(SystemError)
    func names(in directory: String) throws(SystemError) -> [String]
    func rename(_ source: String, to target: String) throws(SystemError)
    func removeFile(_ path: String) throws(SystemError)
    /// Makes renames and new files in `directory` durable.
    func syncDirectory(_ directory: String) throws(SystemError)
}

extension SystemFile: StoreFile {}

/// The real file system, through Platform.
public struct SystemFileSystem: StoreFileSystem {
    public init() {}

    public func openFile(_ path: String, create: Bool, readOnly: Bool) throws(SystemError) -> any StoreFile {
        try SystemFile(path: path, create: create, readOnly: readOnly)
    }

    public func createDirectory(_ path: String) throws(SystemError) { try Directory.create(path) }
    public func names(in directory: String) throws(SystemError) -> [String] { try Directory.names(in: directory) }
    public func rename(_ source: String, to target: String) throws(SystemError) {
        try Directory.rename(source, to: target)
    }
    public func removeFile(_ path: String) throws(SystemError) { try Directory.removeFile(path) }
    public func syncDirectory(_ directory: String) throws(SystemError) { try Directory.sync(directory) }
}
