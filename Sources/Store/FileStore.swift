import Platform
internal import Synchronization

/// The crash-safe file store of feedd: fetch state per feed, the items seen, and the outbox of hook
/// deliveries, under one state directory (docs/store.md).
///
/// Calls block on disk I/O (a commit waits for `fsync`): call them off Swift's cooperative pool. One
/// process at a time opens a directory for writing (a `flock` on `lock`); a second one gets
/// `StoreError.locked` at once. Any number may open it read-only to list what is there.
public final class FileStore: Sendable {
    /// The state directory.
    public let directory: String
    let options: StoreOptions
    let inner: Mutex<Inner>
    /// Serializes compactions (which run mostly outside `inner`'s lock).
    let compacting = Mutex(false)
    /// What recovery found and did when the store was opened.
    public let recoveryNotes: [RecoveryNote]

    /// The mutable part, behind the lock.
    struct Inner: ~Copyable, Sendable {
        var state: StoreState
        var journal: (any StoreFile)?
        var journalNumber: UInt32
        var journalEnd: Int
        /// Records written since the last `fsync` (outbox progress).
        var unsynced = false
        /// Records not yet written at all (fetch state of polls with nothing new), written before the next
        /// record or at `sync`, and once they pass 64 KiB.
        var buffered: [UInt8] = []
        var segment: (any StoreFile)?
        var segmentNumber: UInt32
        var segmentEnd: Int
        var lock: FileLock?
        var isClosed = false
    }

    /// Opens (creating when needed, unless read-only) the store in `directory` and replays it into memory.
    public static func open(directory: String, options: StoreOptions = StoreOptions()) throws(StoreError) -> FileStore {
        try FileStore(directory: directory, options: options)
    }

    /// Opens the store; see `open(directory:options:)`.
    public init(directory: String, options: StoreOptions = StoreOptions()) throws(StoreError) {
        self.directory = directory
        self.options = options
        var lock: FileLock? = nil
        if !options.readOnly {
            do {
                try options.fileSystem.createDirectory(directory)
            } catch {
                throw .io(path: directory, offset: nil, cause: error)
            }
            do {
                lock = try FileLock(path: directory + "/" + StoreFiles.lock)
            } catch {
                switch error {
                case .held(let owner): throw .locked(directory: directory, owner: owner)
                case .system(let cause): throw .io(path: directory + "/" + StoreFiles.lock, offset: nil, cause: cause)
                }
            }
        }
        let loaded = try Recovery(directory: directory, options: options).load()
        recoveryNotes = loaded.notes
        inner = Mutex(
            Inner(
                state: loaded.state, journal: loaded.journal, journalNumber: loaded.journalNumber,
                journalEnd: loaded.journalEnd, segment: loaded.segment, segmentNumber: loaded.segmentNumber,
                segmentEnd: loaded.segmentEnd, lock: lock))
    }

    /// Flushes what was appended without `fsync` and releases the lock. Later calls fail.
    public func close() throws(StoreError) {
        try locked { (inner) throws(StoreError) in
            guard !inner.isClosed else { return }
            try syncIfNeeded(&inner)
            inner.isClosed = true
            inner.journal = nil
            inner.segment = nil
            inner.lock = nil
        }
    }

    /// Makes everything appended so far durable (fetch state and outbox progress are appended without
    /// their own `fsync`; the daemon calls this now and then and at shutdown).
    public func sync() throws(StoreError) {
        try locked { (inner) throws(StoreError) in
            guard !inner.isClosed, inner.journal != nil else { return }
            try syncIfNeeded(&inner)
        }
    }

    // MARK: - Internals shared by the facets

    func locked<Result: Sendable>(_ body: (inout Inner) throws(StoreError) -> Result) throws(StoreError) -> Result {
        try inner.withLock { (value: inout sending Inner) throws(StoreError) -> Result in try body(&value) }
    }

    func path(_ name: String) -> String { directory + "/" + name }

    /// Fails unless the store is open for writing.
    func checkWritable(_ inner: borrowing Inner) throws(StoreError) {
        guard !inner.isClosed else { throw .closed(directory: directory) }
        guard inner.journal != nil else { throw .readOnly(directory: directory) }
    }

    func syncIfNeeded(_ inner: inout Inner) throws(StoreError) {
        try flushBuffered(&inner)
        guard inner.unsynced, let journal = inner.journal else { return }
        do {
            try journal.sync()
        } catch {
            throw .io(path: path(StoreFiles.journal(inner.journalNumber)), offset: nil, cause: error)
        }
        inner.unsynced = false
    }

    /// How far an append goes before it returns.
    enum WriteMode {
        /// Kept in memory and written with the next record (state whose loss costs only an extra poll).
        case buffered
        /// Written to the file (survives `kill -9`), not synced.
        case written
        /// Written and synced (survives power loss).
        case durable
    }

    /// Appends one record of `operations` to the journal as `mode` says, then applies the operations to
    /// the state. On failure the file is cut back and nothing is applied.
    func append(_ operations: [Operation], mode: WriteMode, to inner: inout Inner) throws(StoreError) {
        guard !operations.isEmpty, let journal = inner.journal else { return }
        var writer = ByteWriter(capacity: 128 * operations.count)
        for operation in operations { operation.write(to: &writer) }
        let record = RecordFormat.record(.operations, payload: writer.bytes)
        if mode == .buffered {
            inner.buffered += record
            for operation in operations { inner.state.apply(operation) }
            if inner.buffered.count >= 64 << 10 { try? flushBuffered(&inner) }
            return
        }
        let bytes = inner.buffered.isEmpty ? record : inner.buffered + record
        let offset = inner.journalEnd
        do {
            try journal.write(bytes, at: offset)
            if mode == .durable { try journal.sync() }
        } catch {
            try? journal.truncate(to: offset)
            throw .io(path: path(StoreFiles.journal(inner.journalNumber)), offset: offset, cause: error)
        }
        inner.journalEnd = offset + bytes.count
        inner.buffered.removeAll(keepingCapacity: true)
        inner.unsynced = mode != .durable
        for operation in operations { inner.state.apply(operation) }
    }

    /// Writes the buffered records (without `fsync`).
    func flushBuffered(_ inner: inout Inner) throws(StoreError) {
        guard !inner.buffered.isEmpty, let journal = inner.journal else { return }
        let offset = inner.journalEnd
        do {
            try journal.write(inner.buffered, at: offset)
        } catch {
            try? journal.truncate(to: offset)
            throw .io(path: path(StoreFiles.journal(inner.journalNumber)), offset: offset, cause: error)
        }
        inner.journalEnd = offset + inner.buffered.count
        inner.buffered.removeAll(keepingCapacity: true)
        inner.unsynced = true
    }

    /// Starts the next body segment file.
    func startSegment(_ inner: inout Inner) throws(StoreError) {
        let number = inner.segmentNumber + 1
        let file = try StoreFiles.create(
            .segment, number: number, in: directory, fileSystem: options.fileSystem)
        inner.segment = file
        inner.segmentNumber = number
        inner.segmentEnd = RecordFormat.fileHeaderSize
    }
}

/// File names in the state directory and creating a file of the store.
enum StoreFiles {
    static let lock = "lock"

    static func journal(_ number: UInt32) -> String { "journal-\(digits(number)).log" }
    static func snapshot(_ number: UInt32) -> String { "snapshot-\(digits(number)).snap" }
    static func segment(_ number: UInt32) -> String { "segment-\(digits(number)).items" }

    private static func digits(_ number: UInt32) -> String {
        let text = String(number)
        return String(repeating: "0", count: max(0, 8 - text.count)) + text
    }

    /// The kind and number of a store file's name, or nil for anything else.
    static func parse(_ name: String) -> (RecordFormat.Kind, UInt32)? {
        let kinds: [(String, String, RecordFormat.Kind)] = [
            ("journal-", ".log", .journal), ("snapshot-", ".snap", .snapshot), ("segment-", ".items", .segment),
        ]
        for (prefix, suffix, kind) in kinds where name.hasPrefix(prefix) && name.hasSuffix(suffix) {
            let middle = name.dropFirst(prefix.count).dropLast(suffix.count)
            if middle.count == 8, let number = UInt32(middle) { return (kind, number) }
        }
        return nil
    }

    static func name(_ kind: RecordFormat.Kind, _ number: UInt32) -> String {
        switch kind {
        case .journal: return journal(number)
        case .snapshot: return snapshot(number)
        case .segment: return segment(number)
        }
    }

    /// Creates (or empties) a journal or segment file with its header, durably: the file and its
    /// directory entry are synced before it is used.
    static func create(
        _ kind: RecordFormat.Kind, number: UInt32, in directory: String, fileSystem: any StoreFileSystem
    ) throws(StoreError) -> any StoreFile {
        let path = directory + "/" + name(kind, number)
        do {
            let file = try fileSystem.openFile(path, create: true, readOnly: false)
            try file.truncate(to: 0)
            try file.write(RecordFormat.fileHeader(kind, number: number), at: 0)
            try file.sync()
            try fileSystem.syncDirectory(directory)
            return file
        } catch {
            throw .io(path: path, offset: 0, cause: error)
        }
    }
}
