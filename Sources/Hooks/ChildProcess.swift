internal import Platform
internal import Subprocess
internal import Synchronization
internal import SystemPackage

/// Runs one child process for a hook through swift-subprocess: an argv list (no shell), bytes on
/// its standard input, standard output and error captured within a limit, and a timeout that
/// ends the child's whole process group.
///
/// The child starts in a process group of its own (`setpgid(0, 0)` in `posix_spawn`), so that
/// whatever it forks can be signalled with it. At the timeout the run is cancelled, which makes
/// swift-subprocess send SIGTERM to the group, wait `killGrace` for the child to end, and then
/// SIGKILL the group (before the child is reaped, so the group id cannot have been reused).
/// A process of the group that outlived the child's SIGTERM (it ignores the signal) is then
/// sent SIGKILL as well. Signals are all at their defaults in the child.
struct ChildProcess: Sendable {
    /// The program: a path (with a `/`) or a name looked up in `PATH`.
    var executable: String
    var arguments: [String]
    /// Variables set (or, with nil, removed) on top of feedd's own environment.
    var environment: [String: String?]
    var workingDirectory: String?
    var input: [UInt8]
    var timeout: Duration
    /// How long the child has after SIGTERM before SIGKILL.
    var killGrace: Duration = .seconds(2)
    /// Bytes kept of each of standard output and error.
    var outputLimit: Int = 64 * 1024

    /// How the child ended and what it wrote.
    struct Result: Sendable {
        enum Termination: Sendable, Hashable {
            case exited(Int32)
            case signalled(Int32)
        }

        var termination: Termination
        /// True when the timeout ended it.
        var timedOut: Bool
        var standardOutput: CapturedOutput
        var standardError: CapturedOutput
        /// The child's process id (also its process group id).
        var processID: Int32
    }

    /// Why the child could not be run at all.
    enum Failure: Error, Sendable {
        /// The executable does not exist or cannot be run (see `run()` for the errors that count).
        case notFound(String)
        /// Anything else swift-subprocess reported (spawn, pipe, monitoring failures).
        case other(String)
        /// The calling task was cancelled (the daemon stops); the child was ended.
        case cancelled
    }

    func run() async -> Swift.Result<Result, Failure> {
        OS.ignoreBrokenPipeSignal()
        let state = CaptureBox(
            CaptureState(
                standardOutput: CapturedOutput(limit: outputLimit),
                standardError: CapturedOutput(limit: outputLimit)
            )
        )
        let executable: Executable =
            self.executable.contains("/") ? .path(FilePath(self.executable)) : .name(self.executable)
        var overrides: [Subprocess.Environment.Key: String?] = [:]
        for (name, value) in environment {
            overrides[Subprocess.Environment.Key(stringLiteral: name)] = value.map { $0.filter { $0 != "\0" } }
        }
        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: killGrace)]
        let configuration = Configuration(
            executable: executable,
            arguments: Arguments(arguments),
            environment: .inherit.updating(overrides),
            workingDirectory: workingDirectory.map { FilePath($0) },
            platformOptions: options
        )
        let input = self.input

        let ending = await withTaskGroup(of: Ending.self) { group in
            group.addTask {
                do {
                    let result = try await Subprocess.run(
                        configuration,
                        input: .inputWriter,
                        output: .sequence,
                        error: .sequence
                    ) { execution in
                        state.lock.withLock { $0.processID = execution.processIdentifier.value }
                        let writer = execution.standardInputWriter
                        async let fed: Void = Self.feed(input, to: writer)
                        async let output: Void = Self.drain(execution.standardOutput, into: state, isError: false)
                        async let errors: Void = Self.drain(execution.standardError, into: state, isError: true)
                        await fed
                        try await output
                        try await errors
                    }
                    return .ended(result.terminationStatus)
                } catch let error as SubprocessError {
                    return .failed(error)
                } catch {
                    return .cancelled
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                    return .timerFired
                } catch {
                    return .timerStopped
                }
            }
            var ending: Ending = .cancelled
            var timedOut = false
            while let next = await group.next() {
                switch next {
                case .timerFired:
                    // Cancelling the run makes swift-subprocess tear the process group down.
                    timedOut = true
                    group.cancelAll()
                case .timerStopped:
                    continue
                default:
                    ending = next
                    group.cancelAll()
                }
            }
            return timedOut ? .timedOut(ending) : ending
        }

        let captured = state.lock.withLock { $0 }
        let result: (Subprocess.TerminationStatus?, Bool)
        switch ending {
        case .ended(let status):
            result = (status, false)
        case .timedOut(let inner):
            // Whatever of the group survived the SIGTERM that ended the child goes now.
            if let group = captured.processID { OS.killProcessGroup(group) }
            if case .ended(let status) = inner { result = (status, true) } else { result = (nil, true) }
        case .failed(let error):
            // The program cannot be started, and retrying will not help: ENOENT and ENOTDIR (missing),
            // EACCES and ENOEXEC (not runnable), EISDIR, ELOOP, ENAMETOOLONG, and E2BIG (arguments and
            // environment over the kernel's limit).
            let missing: Set<Int32> = [2, 20, 13, 8, 21, 40, 36, 7]
            let errorNumber: Int32 = error.underlyingError.map { Int32($0.rawValue) } ?? 0
            let isSpawnFailure = error.code == SubprocessError.Code.spawnFailed
            if error.code == SubprocessError.Code.executableNotFound
                || (isSpawnFailure && missing.contains(errorNumber))
            {
                return .failure(.notFound("\(error)"))
            }
            return .failure(.other("\(error)"))
        case .cancelled, .timerFired, .timerStopped:
            if let group = captured.processID { OS.killProcessGroup(group) }
            return .failure(.cancelled)
        }
        let termination: Result.Termination
        switch result.0 {
        case .exited(let code): termination = .exited(code)
        case .signaled(let signal): termination = .signalled(signal)
        case nil: termination = .signalled(9)  // SIGKILL, sent by the teardown
        }
        return .success(
            Result(
                termination: termination,
                timedOut: result.1,
                standardOutput: captured.standardOutput,
                standardError: captured.standardError,
                processID: captured.processID ?? 0
            )
        )
    }

    /// Writes the input and closes the pipe. A child that exits without reading all of it (or at
    /// all) is no failure: the write ends with `EPIPE`, and the pipe is closed all the same.
    ///
    /// (swift-subprocess 1.0.2 with `.array` input traps when the child exits before the input is
    /// written: its writer task is cancelled before it closes the descriptor. With the writer in
    /// our hands, `finish()` always runs.)
    private static func feed(_ input: [UInt8], to writer: StandardInputWriter) async {
        if !input.isEmpty {
            _ = try? await writer.write(input)
        }
        try? await writer.finish()
    }

    private static func drain(
        _ sequence: SubprocessOutputSequence,
        into state: CaptureBox,
        isError: Bool
    ) async throws {
        for try await buffer in sequence {
            buffer.withUnsafeBytes { bytes in
                state.lock.withLock { captured in
                    if isError {
                        captured.standardError.append(bytes)
                    } else {
                        captured.standardOutput.append(bytes)
                    }
                }
            }
        }
    }

    /// The capture state shared by the reading tasks and the caller.
    private final class CaptureBox: Sendable {
        let lock: Mutex<CaptureState>

        init(_ state: CaptureState) {
            lock = Mutex(state)
        }
    }

    private enum Ending: Sendable {
        case ended(Subprocess.TerminationStatus)
        case failed(SubprocessError)
        case cancelled
        case timerFired
        case timerStopped
        indirect case timedOut(Ending)
    }

    private struct CaptureState: Sendable {
        var standardOutput: CapturedOutput
        var standardError: CapturedOutput
        var processID: Int32?
    }
}
