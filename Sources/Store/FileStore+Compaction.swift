public import FeedModel
import Platform
internal import Synchronization

/// What a compaction did.
public struct CompactionReport: Sendable {
    /// Items dropped by retention (their keys are remembered).
    public var itemsDropped = 0
    /// Remembered keys forgotten (see `StoreOptions.KeyMemory`).
    public var keysForgotten = 0
    /// Size of the snapshot written.
    public var snapshotBytes = 0
    /// Journal, snapshot and segment files removed.
    public var filesRemoved = 0

    public init() {}
}

extension FileStore {
    /// Applies retention, then writes the whole state as a new snapshot and removes what it makes
    /// obsolete (older journals and snapshots, body segments no item refers to).
    ///
    /// Commits go on meanwhile: the lock is held only to apply retention and switch to a new journal and
    /// segment; the snapshot is written from a copy of the state. The new snapshot becomes visible by an
    /// atomic rename; a crash at any point leaves a store that opens with nothing lost.
    @discardableResult
    public func compact(now: Timestamp) throws(StoreError) -> CompactionReport {
        try compacting.withLock { (_: inout sending Bool) throws(StoreError) -> CompactionReport in
            try compactAlone(now: now)
        }
    }

    private func compactAlone(now: Timestamp) throws(StoreError) -> CompactionReport {
        var report = CompactionReport()
        let (state, generation, firstLiveSegment) = try locked {
            (inner) throws(StoreError) -> (StoreState, UInt32, UInt32) in
            try checkWritable(inner)
            (report.itemsDropped, report.keysForgotten) = applyRetention(to: &inner.state, now: now)
            try syncIfNeeded(&inner)
            let next = inner.journalNumber + 1
            let journal = try StoreFiles.create(.journal, number: next, in: directory, fileSystem: options.fileSystem)
            inner.journal = journal
            inner.journalNumber = next
            inner.journalEnd = RecordFormat.fileHeaderSize
            inner.unsynced = false
            if inner.segmentEnd > RecordFormat.fileHeaderSize { try startSegment(&inner) }
            return (inner.state, next, inner.segmentNumber)
        }
        report.snapshotBytes = try writeSnapshot(state, number: generation)

        // The snapshot is durable: older journals and snapshots, and unreferenced sealed segments, go.
        var referenced = Set<UInt32>()
        for feed in state.feeds {
            for entry in feed.items.values { referenced.insert(entry.body.segment) }
        }
        let fileSystem = options.fileSystem
        let names = (try? fileSystem.names(in: directory)) ?? []
        for name in names {
            guard let (kind, number) = StoreFiles.parse(name) else { continue }
            let obsolete: Bool
            switch kind {
            case .journal, .snapshot: obsolete = number < generation
            case .segment: obsolete = number < firstLiveSegment && !referenced.contains(number)
            }
            if obsolete, (try? fileSystem.removeFile(path(name))) != nil { report.filesRemoved += 1 }
        }
        try? fileSystem.syncDirectory(directory)
        return report
    }

    /// Drops items past their feed's retention (never one with a delivery in the outbox) and forgets
    /// remembered keys past `KeyMemory`. Changes memory only: the next snapshot records it.
    func applyRetention(to state: inout StoreState, now: Timestamp) -> (dropped: Int, forgotten: Int) {
        var protected: [String: Set<ItemHash>] = [:]
        for delivery in state.outbox.values {
            protected[delivery.feed, default: []].insert(ItemHash(key: delivery.itemKey))
        }
        var dropped = 0
        var forgotten = 0
        let memory = options.keyMemory
        for index in state.feeds.indices {
            let name = state.feeds[index].name
            let retention = options.retention(for: name)
            let cutoff = now.secondsSince1970 - retention.maxAge.components.seconds
            let polls = state.feeds[index].polls
            let items = state.feeds[index].items
            if items.count > retention.maxItems || items.values.contains(where: { $0.firstSeen < cutoff }) {
                let ordered = items.sorted {
                    $0.value.order > $1.value.order
                }
                let keep = protected[name] ?? []
                for (rank, (key, entry)) in ordered.enumerated()
                where (rank >= retention.maxItems || entry.firstSeen < cutoff) && !keep.contains(key) {
                    state.apply(
                        .tombstone(
                            feed: UInt32(index), key: key,
                            tombstone: Tombstone(lastSeenPoll: polls, lastSeenTime: now.secondsSince1970)))
                    dropped += 1
                }
            }
            let ageLimit = now.secondsSince1970 - memory.age.components.seconds
            let expired = state.feeds[index].tombstones.filter {
                Int(polls) - Int($0.value.lastSeenPoll) > memory.polls && $0.value.lastSeenTime < ageLimit
            }
            for key in expired.keys { state.feeds[index].tombstones[key] = nil }
            forgotten += expired.count
        }
        return (dropped, forgotten)
    }

    /// Writes `state` as snapshot `number`: a temporary file, fsync, rename, fsync of the directory.
    private func writeSnapshot(_ state: StoreState, number: UInt32) throws(StoreError) -> Int {
        let fileSystem = options.fileSystem
        let final = path(StoreFiles.snapshot(number))
        let temporary = final + ".tmp"
        var offset = 0
        do {
            let file = try fileSystem.openFile(temporary, create: true, readOnly: false)
            try file.truncate(to: 0)
            var buffer = RecordFormat.fileHeader(.snapshot, number: number)
            var items: UInt64 = 0
            var keys: UInt64 = 0
            func flush(_ force: Bool) throws(StoreError) {
                guard force || buffer.count >= 4 << 20 else { return }
                do {
                    try file.write(buffer, at: offset)
                } catch {
                    throw .io(path: temporary, offset: offset, cause: error)
                }
                offset += buffer.count
                buffer.removeAll(keepingCapacity: true)
            }
            try state.snapshotOperations { (operations) throws(StoreError) in
                var writer = ByteWriter(capacity: 96 * operations.count)
                for operation in operations {
                    operation.write(to: &writer)
                    if case .putItem = operation { items += 1 }
                    if case .tombstone = operation { keys += 1 }
                }
                buffer += RecordFormat.record(.operations, payload: writer.bytes)
                try flush(false)
            }
            var end = ByteWriter()
            end.u32(UInt32(state.feeds.count))
            end.u64(items)
            end.u64(keys)
            end.u64(UInt64(state.outbox.count))
            buffer += RecordFormat.record(.snapshotEnd, payload: end.bytes)
            try flush(true)
            try file.sync()
            try fileSystem.rename(temporary, to: final)
            try fileSystem.syncDirectory(directory)
        } catch {
            try? fileSystem.removeFile(temporary)
            if let error = error as? StoreError { throw error }
            let cause = error as? SystemError ?? SystemError("write", code: SystemError.ioError)
            throw .io(path: temporary, offset: offset, cause: cause)
        }
        return offset
    }
}
