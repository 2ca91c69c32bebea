internal import Platform

/// Appends one JSON line per item to a file: the single-item payload (the same object an exec
/// hook reads), each line written with one `write` on a file opened with `O_APPEND`, so lines
/// from concurrent writers never interleave. Rotates by size: when the file has reached
/// `maxSize`, it becomes `<path>.1`, `.1` becomes `.2`, …, and the oldest beyond `keep` goes.
///
/// A re-delivered item is appended again (with its delivery id and the attempt number, so a
/// reader can drop repeats). Failures (a full disk, a missing directory) are retried.
///
/// Not safe for two feedd processes rotating the same file at once; one daemon owns its files.
public struct JSONLinesHook: Hook {
    /// The settings of a `jsonl` hook (config keys in parentheses).
    public struct Configuration: Sendable, Hashable {
        /// The file (`path`).
        public var path: String
        /// Rotate once the file is this large (`max_size`, default 10 MiB); 0 never rotates.
        public var maxSize: Int64
        /// Rotated files kept (`keep`, default 5).
        public var keep: Int
        /// `fsync` after each delivery (`fsync`, default false).
        public var syncsEachWrite: Bool

        public init(path: String, maxSize: Int64 = 10 * 1024 * 1024, keep: Int = 5, syncsEachWrite: Bool = false) {
            self.path = path
            self.maxSize = maxSize
            self.keep = keep
            self.syncsEachWrite = syncsEachWrite
        }
    }

    public let name: String
    public let configuration: Configuration

    public init(name: String, configuration: Configuration) throws(HookError) {
        guard !configuration.path.isEmpty else {
            throw .invalidSetting(hook: name, key: "path", reason: "must name a file")
        }
        guard configuration.keep >= 0, configuration.maxSize >= 0 else {
            throw .invalidSetting(hook: name, key: "keep", reason: "max_size and keep must not be negative")
        }
        self.name = name
        self.configuration = configuration
    }

    public func deliver(_ delivery: Delivery) async -> DeliveryOutcome {
        do throws(SystemError) {
            try rotateIfNeeded()
            let file: FileOutput
            do throws(SystemError) {
                file = try FileOutput(path: configuration.path, mode: .append)
            } catch  where error.isNotFound {
                // The folder is missing: make it (and its parents), as `feedd check` promises, then again.
                try FileSystem.createDirectories(Self.folder(of: configuration.path), permissions: 0o755)
                file = try FileOutput(path: configuration.path, mode: .append)
            }
            for item in delivery.items {
                var line = HookPayload.line(for: item, of: delivery)
                line.append(0x0A)
                try file.write(line)
            }
            if configuration.syncsEachWrite { try file.sync() }
            let count = delivery.items.count
            return .delivered("appended \(count) line\(count == 1 ? "" : "s") to \(configuration.path)")
        } catch {
            return .retry(after: nil, reason: "\(configuration.path): \(error.description)")
        }
    }

    private func rotateIfNeeded() throws(SystemError) {
        let path = configuration.path
        guard configuration.maxSize > 0, let size = try FileSystem.size(of: path), size >= configuration.maxSize
        else { return }
        guard configuration.keep > 0 else {
            try FileSystem.remove(path)
            return
        }
        try FileSystem.remove("\(path).\(configuration.keep)")
        var index = configuration.keep - 1
        while index >= 1 {
            if try FileSystem.size(of: "\(path).\(index)") != nil {
                try FileSystem.rename("\(path).\(index)", to: "\(path).\(index + 1)")
            }
            index -= 1
        }
        try FileSystem.rename(path, to: "\(path).1")
    }

    /// The folder of `path` ("." for a bare name).
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
