package import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How a child process ended and what it wrote.
package struct ProcessResult: Sendable {
    /// The exit status, or the signal number when `wasSignalled` is true.
    package var status: Int32
    /// True when the process was killed by a signal rather than exiting.
    package var wasSignalled: Bool
    package var stdout: [UInt8]
    package var stderr: [UInt8]

    /// Standard output decoded as UTF-8.
    package var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// Standard error decoded as UTF-8.
    package var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs executables as child processes for tests, with real pipes.
package enum ProcessRunner {
    /// Runs `executable` with `arguments`, feeds it `stdin`, and waits for it to end.
    ///
    /// - Parameters:
    ///   - environment: the child's whole environment; nil inherits this process's.
    ///   - currentDirectory: the child's working directory; nil inherits this process's.
    ///   - timeout: the child is killed (SIGKILL) when it runs longer; the result then says so.
    package static func run(
        _ executable: URL,
        arguments: [String] = [],
        stdin: [UInt8] = [],
        environment: [String: String]? = nil,
        currentDirectory: URL? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> ProcessResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment {
            process.environment = environment
        }
        if let currentDirectory {
            process.currentDirectoryURL = currentDirectory
        }
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors

        let exited = AsyncStream<(Int32, Process.TerminationReason)>.makeStream()
        process.terminationHandler = { process in
            exited.continuation.yield((process.terminationStatus, process.terminationReason))
            exited.continuation.finish()
        }
        try await launch(process)

        // Pipes are drained on their own threads so that a chatty child never blocks on a full pipe.
        async let stdout = readToEnd(output.fileHandleForReading)
        async let stderr = readToEnd(errors.fileHandleForReading)
        async let fed: Void = write(stdin, to: input.fileHandleForWriting)

        let killer = Task {
            try await Task.sleep(for: timeout)
            kill(process.processIdentifier, SIGKILL)
        }
        var termination: (Int32, Process.TerminationReason)?
        for await value in exited.stream {
            termination = value
        }
        killer.cancel()
        try await fed
        let (status, reason) = termination ?? (-1, .uncaughtSignal)
        return ProcessResult(
            status: status,
            wasSignalled: reason == .uncaughtSignal,
            stdout: try await stdout,
            stderr: try await stderr
        )
    }

    /// The variable `scripts/test` sets to mark every process the tests start, so that it can find the
    /// ones that outlive the tests (a child given a whole environment gets it too).
    package static let runMarker = "FEEDD_TEST_RUN"

    /// Starts `process` (as `Process.run()` does) so that the child begins with no signal blocked and
    /// carries this test run's marker (`runMarker`) even when it is given a whole environment.
    ///
    /// Foundation's `Process` spawns the child with the signal mask of the thread that calls `run()`,
    /// and the threads Swift concurrency runs tests on (libdispatch's workers) block nearly every signal:
    /// a child started from a test would never see SIGTERM, so that `terminate()` did nothing and test
    /// servers (nginx, Python's) outlived the tests. Calling `run()` on a fresh thread whose mask is empty
    /// gives the child the default mask.
    package static func launch(_ process: Process) async throws {
        if let marker = ProcessInfo.processInfo.environment[runMarker], var environment = process.environment {
            environment[runMarker] = marker
            process.environment = environment
        }
        let box = ProcessBox(process)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                var empty = sigset_t()
                sigemptyset(&empty)
                pthread_sigmask(SIG_SETMASK, &empty, nil)
                do {
                    try box.process.run()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Runs `body` with `process` started (through `launch`), and ends the process when `body` returns or
    /// throws: SIGTERM, then SIGKILL when it has not exited after `grace`. The exit is waited for.
    package static func withRunning<Result>(
        _ process: Process, grace: Duration = .seconds(5), _ body: () async throws -> Result
    ) async throws -> Result {
        try await launch(process)
        do {
            let result = try await body()
            await stop(process, grace: grace)
            return result
        } catch {
            await stop(process, grace: grace)
            throw error
        }
    }

    /// Ends a started process: SIGTERM, then SIGKILL after `grace`; returns once it has exited.
    package static func stop(_ process: Process, grace: Duration = .seconds(5)) async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    private static func readToEnd(_ handle: FileHandle) async throws -> [UInt8] {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    let data = try handle.readToEnd() ?? Data()
                    try handle.close()
                    continuation.resume(returning: [UInt8](data))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private static func write(_ bytes: [UInt8], to handle: FileHandle) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                do {
                    if !bytes.isEmpty {
                        try handle.write(contentsOf: bytes)
                    }
                    try handle.close()
                    continuation.resume()
                } catch {
                    // A child that exits without reading its input closes the pipe: not a failure here.
                    try? handle.close()
                    continuation.resume()
                }
            }
        }
    }
}

/// A `Process` handed to the thread that starts it (`Process` is not `Sendable`; only that thread
/// touches it until `run()` returns).
private final class ProcessBox: @unchecked Sendable {
    let process: Process
    init(_ process: Process) { self.process = process }
}
