import ArgumentParser
import FeedModel
import Platform
import Store

/// `--state-dir`, shared by the commands that read or write the store.
struct StateDirectoryOptions: ParsableArguments {
    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "The state directory holding the store.",
            discussion: "Defaults to $STATE_DIRECTORY (set by systemd's StateDirectory=) when set, else ./state.",
            valueName: "dir"))
    var stateDirectory: String?

    var path: String {
        stateDirectory ?? Environment.value("STATE_DIRECTORY").flatMap { $0.isEmpty ? nil : $0 } ?? "state"
    }

    /// Opens the store, or ends the process: status 75 when another process holds it, 74 for I/O errors.
    /// Read-only opens take no lock, so they work while the daemon runs.
    func open(readOnly: Bool) -> FileStore {
        let store: FileStore
        do throws(StoreError) {
            store = try FileStore.open(directory: path, options: StoreOptions(readOnly: readOnly))
        } catch {
            StoreFailure.exit(error)
        }
        for note in store.recoveryNotes { try? StandardStream.error.write("feedd: warning: \(note)\n") }
        return store
    }

    /// Opens the store for writing, runs `body` on it and closes it (flushed), ending the process on a
    /// store error: what every command that changes the store does.
    func write<Result>(_ body: (FileStore) throws(StoreError) -> Result) -> Result {
        let store = open(readOnly: false)
        return StoreFailure.run { () throws(StoreError) in
            let result = try body(store)
            try store.close()
            return result
        }
    }

    /// Now, from the wall clock.
    static var now: Timestamp { Timestamp(secondsSince1970: Environment.secondsSince1970()) }
}

enum StoreFailure {
    /// Prints the error and exits with 75 (locked), 74 (I/O) or 1.
    static func exit(_ error: StoreError) -> Never {
        Diagnostics.fail(error.description, status: error.isLocked ? 75 : error.isIOError ? 74 : 1)
    }

    /// Runs `body`, ending the process on a store error.
    static func run<Result>(_ body: () throws(StoreError) -> Result) -> Result {
        do {
            return try body()
        } catch {
            exit(error)
        }
    }
}

extension Timestamp {
    /// `-` for nil, else RFC 3339.
    static func text(_ value: Timestamp?) -> String { value?.rfc3339 ?? "-" }
}

/// Writes lines to standard output, buffered, ending the process if standard output fails.
struct LineOutput {
    private var buffer: [UInt8] = []

    mutating func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func bytes(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        do {
            try StandardStream.output.write(buffer)
        } catch {
            Diagnostics.fail("standard output: \(error)", status: 1)
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
