import Platform

/// What `FileStore.check()` found.
public struct StoreCheckReport: Sendable {
    /// One file of the store and what was wrong with it.
    public struct FileReport: Sendable {
        public var name: String
        public var bytes: Int
        public var records: Int
        public var problems: [String]

        public init(name: String, bytes: Int, records: Int, problems: [String] = []) {
            self.name = name
            self.bytes = bytes
            self.records = records
            self.problems = problems
        }
    }

    public var files: [FileReport] = []
    public var feeds = 0
    public var items = 0
    public var rememberedKeys = 0
    public var deliveries = 0
    /// Items whose body cannot be read back intact.
    public var badBodies: [String] = []

    /// True when every record of every file checks out and every kept item's body is intact.
    public var isHealthy: Bool { badBodies.isEmpty && files.allSatisfy(\.problems.isEmpty) }

    public init() {}
}

extension FileStore {
    /// Reads every file of the store, verifies every record's checksum, and checks that each kept item's
    /// body is an intact record. Works on a read-only store while the daemon runs.
    public func check() throws(StoreError) -> StoreCheckReport {
        let state = try locked { (inner) throws(StoreError) -> StoreState in inner.state }
        var report = StoreCheckReport()
        report.feeds = state.feedNumbers.count
        report.deliveries = state.outbox.count
        let names: [String]
        do {
            names = try options.fileSystem.names(in: directory).sorted()
        } catch {
            throw .io(path: directory, offset: nil, cause: error)
        }
        var bodies: [UInt32: Set<UInt32>] = [:]
        let reader = Recovery(directory: directory, options: options)
        for name in names {
            guard let (kind, _) = StoreFiles.parse(name) else { continue }
            let bytes: [UInt8]
            do {
                bytes = try reader.readAll(name)
            } catch {
                if case .io(_, _, let cause) = error, cause.isNotFound { continue }  // removed by a compaction
                throw error
            }
            var file = StoreCheckReport.FileReport(name: name, bytes: bytes.count, records: 0, problems: [])
            let number: UInt32
            do {
                number = try RecordFormat.checkHeader(bytes, kind: kind, path: path(name))
            } catch {
                file.problems.append(error.description)
                report.files.append(file)
                continue
            }
            var offsets = Set<UInt32>()
            RecordFormat.scan(bytes) { piece in
                switch piece {
                case .record(let found):
                    file.records += 1
                    if kind == .segment { offsets.insert(UInt32(found.offset)) }
                    if kind != .segment, found.type == RecordFormat.RecordType.operations.rawValue,
                        Recovery.decode(bytes, found, state: state) == nil
                    {
                        file.problems.append("offset \(found.offset): record does not decode")
                    }
                case .damaged(let offset, let length):
                    file.problems.append("offset \(offset): \(length) bytes fail their checksum (skipped on open)")
                case .tornTail(let offset, let length):
                    file.problems.append("offset \(offset): incomplete last record, \(length) bytes (cut on open)")
                }
            }
            if kind == .segment { bodies[number] = offsets }
            report.files.append(file)
        }
        for feed in state.feeds {
            report.items += feed.items.count
            report.rememberedKeys += feed.tombstones.count
            for entry in feed.items.values where bodies[entry.body.segment]?.contains(entry.body.offset) != true {
                report.badBodies.append(
                    "feed \"\(feed.name)\": item body at \(StoreFiles.segment(entry.body.segment)) offset "
                        + "\(entry.body.offset) is missing or damaged")
            }
        }
        return report
    }
}
