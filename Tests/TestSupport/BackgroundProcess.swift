package import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process that runs while a test talks to it (a daemon), its standard output and error collected
/// as they come. It is started through `ProcessRunner.launch` (no signal blocked, the run marker set), and
/// killed when the object goes away, so a test that fails half-way leaves nothing running.
package final class BackgroundProcess: Sendable {
    package let process: Process
    private let output = OutputBuffer()

    /// Starts `executable`.
    ///
    /// - Parameters:
    ///   - environment: variables set (a value) or removed (nil) on top of this process's environment.
    package init(
        _ executable: URL, arguments: [String], environment: [String: String?] = [:], currentDirectory: URL? = nil
    ) async throws {
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let standardOutput = Pipe()
        let standardError = Pipe()
        process.standardOutput = standardOutput
        process.standardError = standardError
        process.standardInput = FileHandle.nullDevice
        let output = output
        standardOutput.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            output.value.withLock {
                $0.0 += data
                if data.isEmpty { $0.2 += 1 }
            }
        }
        standardError.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            output.value.withLock {
                $0.1 += data
                if data.isEmpty { $0.2 += 1 }
            }
        }
        try await ProcessRunner.launch(process)
    }

    deinit {
        if process.isRunning { killAndReap() }
    }

    /// SIGKILL, then waits (up to 10 s) until Foundation has seen the exit. Never `waitUntilExit`, which
    /// can wait forever for a child already gone (it spins a run loop for a notice that may not come).
    private func killAndReap() {
        kill(process.processIdentifier, SIGKILL)
        for _ in 0..<1000 where process.isRunning { usleep(10_000) }
    }

    /// What it wrote to standard output so far.
    package var stdout: String { String(decoding: output.value.withLock { $0.0 }, as: UTF8.self) }
    /// What it wrote to standard error so far.
    package var stderr: String { String(decoding: output.value.withLock { $0.1 }, as: UTF8.self) }

    package var processIdentifier: Int32 { process.processIdentifier }

    package func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits until standard error holds `text`, up to `timeout`; true when it does.
    package func waitForError(containing text: String, timeout: Duration = .seconds(20)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if stderr.contains(text) { return true }
            if !process.isRunning { return stderr.contains(text) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return stderr.contains(text)
    }

    /// Waits for the exit, up to `timeout`: the exit status (or signal number), or nil when it did not exit
    /// (then it is killed). The output read by then is in `stdout` and `stderr`.
    package func exitStatus(timeout: Duration = .seconds(10)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            killAndReap()
            return nil
        }
        // The pipes' last bytes arrive on their handler threads (unless a grandchild holds them open).
        let drained = ContinuousClock.now + .seconds(2)
        while output.value.withLock({ $0.2 }) < 2, ContinuousClock.now < drained {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }
}

/// Standard output, standard error, and how many of the two pipes reached their end.
private final class OutputBuffer: Sendable {
    let value = Mutex(([UInt8](), [UInt8](), 0))
}
