package import Foundation

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
        try process.run()

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
