import FeedModel
import Foundation
import Platform
import Store
import Synchronization
import TestSupport

/// Items with keys the way the parser makes them.
func makeItem(_ feed: String, _ number: Int, title: String? = nil, link: String? = nil, summary: String = "text")
    -> FeedItem
{
    let id = "\(feed)/\(number)"
    return FeedItem(
        id: id, key: ItemKey.make(.id(id)), title: title ?? "Item \(number)",
        link: link ?? "https://example.org/\(feed)/\(number)", summary: summary,
        published: Timestamp(secondsSince1970: 1_700_000_000 + Int64(number)))
}

let t0 = Timestamp(secondsSince1970: 1_800_000_000)

func at(_ seconds: Int64) -> Timestamp { Timestamp(secondsSince1970: t0.secondsSince1970 + seconds) }

/// One hook, "log", for every item and event.
let everyItem: @Sendable (StoredItem, ItemEvent) -> [String] = { _, _ in ["log"] }

extension FileStore {
    /// Commits with the default hook and an empty fetch state.
    @discardableResult
    func poll(_ feed: String, _ items: [FeedItem], at time: Timestamp = t0) throws -> CommitResult {
        try commit(
            feed: feed, items: items, fetchState: FeedFetchState(lastSuccess: time), now: time, deliveries: everyItem)
    }
}

/// A file layer that fails writes or syncs on demand, for disk-full and read-only simulations.
final class FaultyFileSystem: StoreFileSystem {
    struct Faults {
        var write: Int32?
        var sync: Int32?
        /// Let this many more writes through before failing (to cut a write in the middle of a commit).
        var writesBeforeFailure = 0
    }

    let faults = Mutex(Faults())
    private let real = SystemFileSystem()

    func fail(write: Int32? = nil, sync: Int32? = nil, after writes: Int = 0) {
        faults.withLock { $0 = Faults(write: write, sync: sync, writesBeforeFailure: writes) }
    }

    func heal() { faults.withLock { $0 = Faults() } }

    func openFile(_ path: String, create: Bool, readOnly: Bool) throws(SystemError) -> any StoreFile {
        FaultyFile(real: try real.openFile(path, create: create, readOnly: readOnly), owner: self)
    }

    func createDirectory(_ path: String) throws(SystemError) { try real.createDirectory(path) }
    func names(in directory: String) throws(SystemError) -> [String] { try real.names(in: directory) }
    func rename(_ source: String, to target: String) throws(SystemError) {
        if let code = faults.withLock({ $0.write }) { throw SystemError("rename", code: code, path: source) }
        try real.rename(source, to: target)
    }
    func removeFile(_ path: String) throws(SystemError) { try real.removeFile(path) }
    func syncDirectory(_ directory: String) throws(SystemError) {
        if let code = faults.withLock({ $0.sync }) { throw SystemError("fsync", code: code, path: directory) }
        try real.syncDirectory(directory)
    }
}

final class FaultyFile: StoreFile {
    let real: any StoreFile
    let owner: FaultyFileSystem

    init(real: any StoreFile, owner: FaultyFileSystem) {
        self.real = real
        self.owner = owner
    }

    func size() throws(SystemError) -> Int { try real.size() }
    func read(at offset: Int, count: Int) throws(SystemError) -> [UInt8] { try real.read(at: offset, count: count) }
    func write(_ bytes: [UInt8], at offset: Int) throws(SystemError) {
        let code = owner.faults.withLock { faults -> Int32? in
            guard let code = faults.write else { return nil }
            if faults.writesBeforeFailure > 0 {
                faults.writesBeforeFailure -= 1
                return nil
            }
            return code
        }
        if let code {
            // A full disk takes part of the write before failing.
            if code == SystemError.noSpace && bytes.count > 1 {
                try real.write(Array(bytes[0..<bytes.count / 2]), at: offset)
            }
            throw SystemError("pwrite", code: code)
        }
        try real.write(bytes, at: offset)
    }
    func sync() throws(SystemError) {
        if let code = owner.faults.withLock({ $0.sync }) { throw SystemError("fsync", code: code) }
        try real.sync()
    }
    func truncate(to size: Int) throws(SystemError) { try real.truncate(to: size) }
}

/// The store files of a kind in a directory, sorted.
func storeFiles(_ directory: TemporaryDirectory, _ prefix: String) throws -> [URL] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(prefix) }.sorted()
        .map { directory.url(for: $0) }
}
