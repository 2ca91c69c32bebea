import Platform

/// Start-up: finds the newest complete snapshot, replays it and the journals after it, cuts a torn
/// tail off the active journal, and opens the files to append to. Damage is noted, never fatal.
struct Recovery {
    let directory: String
    let options: StoreOptions

    struct Loaded {
        var state = StoreState()
        var notes: [RecoveryNote] = []
        var journal: (any StoreFile)?
        var journalNumber: UInt32 = 0
        var journalEnd = 0
        var segment: (any StoreFile)?
        var segmentNumber: UInt32 = 0
        var segmentEnd = 0
    }

    private var fileSystem: any StoreFileSystem { options.fileSystem }
    private func path(_ name: String) -> String { directory + "/" + name }

    /// Loads the store. A read-only load retries when compaction removes a file under it.
    func load() throws(StoreError) -> Loaded {
        var attempt = 0
        while true {
            do {
                return try loadOnce()
            } catch {
                attempt += 1
                guard options.readOnly, attempt < 3, case .io(_, _, let cause) = error, cause.isNotFound else {
                    throw error
                }
            }
        }
    }

    private func loadOnce() throws(StoreError) -> Loaded {
        let names: [String]
        do {
            names = try fileSystem.names(in: directory)
        } catch {
            if options.readOnly && error.isNotFound {
                throw .badFile(path: directory, reason: "no feedd state directory here")
            }
            throw .io(path: directory, offset: nil, cause: error)
        }
        var journals: [UInt32] = []
        var snapshots: [UInt32] = []
        var segments: [UInt32] = []
        for name in names {
            if name.hasSuffix(".tmp") && !options.readOnly {
                try? fileSystem.removeFile(path(name))
                continue
            }
            guard let (kind, number) = StoreFiles.parse(name) else { continue }
            switch kind {
            case .journal: journals.append(number)
            case .snapshot: snapshots.append(number)
            case .segment: segments.append(number)
            }
        }
        var loaded = Loaded()
        var base: UInt32 = 0
        var damaged: (number: UInt32, state: StoreState)? = nil
        for number in snapshots.sorted(by: >) {
            let (state, intact) = try loadSnapshot(number, notes: &loaded.notes)
            if intact {
                loaded.state = state
                base = number
                damaged = nil
                break
            }
            if damaged == nil { damaged = (number, state) }
        }
        if let damaged {
            // No intact snapshot: the newest one's intact records are the best there is.
            loaded.state = damaged.state
            base = damaged.number
        }
        let replay = journals.filter { $0 >= base }.sorted()
        for (index, number) in replay.enumerated() {
            let isLast = index == replay.count - 1
            let end = try replayJournal(number, into: &loaded, cutTail: isLast && !options.readOnly)
            if isLast {
                loaded.journalNumber = number
                loaded.journalEnd = end
            }
        }
        guard !options.readOnly else { return loaded }
        if replay.isEmpty {
            loaded.journalNumber = max(base, 1)
            loaded.journal = try StoreFiles.create(
                .journal, number: loaded.journalNumber, in: directory, fileSystem: fileSystem)
            loaded.journalEnd = RecordFormat.fileHeaderSize
        } else {
            loaded.journal = try open(StoreFiles.journal(loaded.journalNumber))
        }
        if let last = segments.max() {
            let file = try open(StoreFiles.segment(last))
            let size: Int
            do {
                size = try file.size()
            } catch {
                throw .io(path: path(StoreFiles.segment(last)), offset: nil, cause: error)
            }
            if size < RecordFormat.fileHeaderSize {
                loaded.segment = try StoreFiles.create(.segment, number: last, in: directory, fileSystem: fileSystem)
                loaded.segmentEnd = RecordFormat.fileHeaderSize
            } else {
                loaded.segment = file
                loaded.segmentEnd = size
                if !options.readOnly {
                    loaded.segmentEnd = try cutUnreferencedTail(of: file, number: last, size: size, loaded: &loaded)
                }
            }
            loaded.segmentNumber = last
        } else {
            loaded.segmentNumber = 1
            loaded.segment = try StoreFiles.create(.segment, number: 1, in: directory, fileSystem: fileSystem)
            loaded.segmentEnd = RecordFormat.fileHeaderSize
        }
        if loaded.notes.contains(where: \.isDamage) {
            readLostKeys(segments: segments, into: &loaded)
        }
        return loaded
    }

    /// After a damaged journal or snapshot record: the keys of item bodies in the segments that no feed
    /// knows any more (the lost record was the commit that stored them) go to `StoreState.lostKeys`, so
    /// that the next poll does not announce them again. Runs only when there was damage; a segment that
    /// cannot be read is passed over (`check` reports it).
    private func readLostKeys(segments: [UInt32], into loaded: inout Loaded) {
        var known = Set<ItemHash>()
        var referenced: [UInt32: Set<UInt32>] = [:]
        for feed in loaded.state.feeds {
            known.formUnion(feed.items.keys)
            known.formUnion(feed.tombstones.keys)
            for entry in feed.items.values { referenced[entry.body.segment, default: []].insert(entry.body.offset) }
        }
        var lost = Set<ItemHash>()
        for number in segments.sorted() {
            guard let bytes = try? readAll(StoreFiles.segment(number)) else { continue }
            RecordFormat.scan(bytes) { piece in
                guard case .record(let found) = piece, found.type == RecordFormat.RecordType.itemBody.rawValue,
                    referenced[number]?.contains(UInt32(found.offset)) != true,
                    let key = ItemJSON.key(bytes[found.payload])
                else { return }
                let hash = ItemHash(key: key)
                if !known.contains(hash) { lost.insert(hash) }
            }
        }
        guard !lost.isEmpty else { return }
        loaded.state.lostKeys = lost
        loaded.notes.append(RecoveryNote(kind: .keysFromBodies, path: directory, offset: 0, bytes: lost.count))
    }

    private func open(_ name: String) throws(StoreError) -> any StoreFile {
        do {
            return try fileSystem.openFile(path(name), create: false, readOnly: options.readOnly)
        } catch {
            throw .io(path: path(name), offset: nil, cause: error)
        }
    }

    /// Reads a whole file of the store.
    func readAll(_ name: String) throws(StoreError) -> [UInt8] {
        let file = try open(name)
        do {
            return try file.read(at: 0, count: try file.size())
        } catch {
            throw .io(path: path(name), offset: 0, cause: error)
        }
    }

    /// The state of a snapshot from its intact records, and whether it is whole (complete, no damage).
    /// Damage is noted; a caller prefers an older whole snapshot to a damaged newer one.
    private func loadSnapshot(
        _ number: UInt32, notes: inout [RecoveryNote]
    ) throws(StoreError) -> (state: StoreState, intact: Bool) {
        let name = StoreFiles.snapshot(number)
        let bytes = try readAll(name)
        _ = try RecordFormat.checkHeader(bytes, kind: .snapshot, path: path(name))
        var state = StoreState()
        var complete = false
        var intact = true
        RecordFormat.scan(bytes) { piece in
            switch piece {
            case .record(let found):
                if found.type == RecordFormat.RecordType.snapshotEnd.rawValue {
                    complete = true
                } else if let operations = Self.decode(bytes, found, state: state) {
                    for operation in operations { state.apply(operation) }
                } else {
                    intact = false
                    notes.append(
                        RecoveryNote(
                            kind: .undecodable, path: path(name), offset: found.offset,
                            bytes: found.end - found.offset))
                }
            case .damaged(let offset, let length):
                intact = false
                notes.append(RecoveryNote(kind: .damagedRecord, path: path(name), offset: offset, bytes: length))
            case .tornTail(let offset, let length):
                intact = false
                notes.append(RecoveryNote(kind: .tornTail, path: path(name), offset: offset, bytes: length))
            }
        }
        return (state, intact && complete)
    }

    /// Replays one journal into `loaded.state`; returns the offset where the next record goes.
    /// Cuts what follows the last body the journal refers to in the newest segment: bodies of a commit
    /// that never reached the journal (a crash between the two fsyncs), or one torn by the crash. New
    /// bodies then start on a record boundary, and `check` finds the segment whole. Returns the new end.
    private func cutUnreferencedTail(
        of file: any StoreFile, number: UInt32, size: Int, loaded: inout Loaded
    ) throws(StoreError) -> Int {
        var end = RecordFormat.fileHeaderSize
        for feed in loaded.state.feeds {
            for entry in feed.items.values where entry.body.segment == number {
                end = max(end, Int(entry.body.offset) + Int(entry.body.length))
            }
        }
        guard end < size else { return size }
        if loaded.notes.contains(where: \.isDamage) {
            // A damaged journal record may have been the commit of these bodies: keep the whole ones (their
            // keys are read back, `readLostKeys`), cut only a torn one.
            let bytes = try readAll(StoreFiles.segment(number))
            while let found = RecordFormat.record(in: bytes, at: end) { end = found.end }
            guard end < size else { return size }
        }
        do {
            try file.truncate(to: end)
            try file.sync()
        } catch {
            throw .io(path: path(StoreFiles.segment(number)), offset: end, cause: error)
        }
        loaded.notes.append(
            RecoveryNote(
                kind: .unfinishedCommit, path: path(StoreFiles.segment(number)), offset: end, bytes: size - end))
        return end
    }

    private func replayJournal(_ number: UInt32, into loaded: inout Loaded, cutTail: Bool) throws(StoreError) -> Int {
        let name = StoreFiles.journal(number)
        let bytes = try readAll(name)
        if bytes.count < RecordFormat.fileHeaderSize && cutTail {
            // Created but its header never made it to disk: start it again.
            loaded.journal = try StoreFiles.create(.journal, number: number, in: directory, fileSystem: fileSystem)
            return RecordFormat.fileHeaderSize
        }
        _ = try RecordFormat.checkHeader(bytes, kind: .journal, path: path(name))
        var end = bytes.count
        var notes: [RecoveryNote] = []
        var state = loaded.state
        loaded.state = StoreState()
        RecordFormat.scan(bytes) { piece in
            switch piece {
            case .record(let found):
                if let operations = Self.decode(bytes, found, state: state) {
                    for operation in operations { state.apply(operation) }
                } else {
                    notes.append(
                        RecoveryNote(
                            kind: .undecodable, path: path(name), offset: found.offset,
                            bytes: found.end - found.offset))
                }
            case .damaged(let offset, let length):
                notes.append(RecoveryNote(kind: .damagedRecord, path: path(name), offset: offset, bytes: length))
            case .tornTail(let offset, let length):
                notes.append(RecoveryNote(kind: .tornTail, path: path(name), offset: offset, bytes: length))
                end = offset
            }
        }
        loaded.state = state
        loaded.notes += notes
        if cutTail && end < bytes.count {
            let file = try open(name)
            do {
                try file.truncate(to: end)
                try file.sync()
            } catch {
                throw .io(path: path(name), offset: end, cause: error)
            }
        }
        return end
    }

    /// The operations of a record, or nil when it is no operations record or does not decode whole.
    static func decode(_ bytes: [UInt8], _ found: RecordFormat.Found, state: StoreState) -> [Operation]? {
        guard found.type == RecordFormat.RecordType.operations.rawValue else { return nil }
        var reader = ByteReader(bytes, range: found.payload)
        var operations: [Operation] = []
        var names: [UInt32: String] = [:]
        do {
            while !reader.isAtEnd {
                let operation = try Operation.read(from: &reader) { number in
                    names[number] ?? state.feedName(number)
                }
                if case .defineFeed(let number, let name) = operation { names[number] = name }
                operations.append(operation)
            }
        } catch {
            return nil
        }
        return operations
    }
}
