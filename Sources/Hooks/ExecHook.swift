internal import FeedModel

/// Runs a program for each delivery: the payload JSON on its standard input and the main fields
/// in `FEEDD_*` environment variables. Item text never goes into the argument list.
///
/// Exit status 0 is success. Any other status, a signal, or the timeout is a failure that is
/// retried; a program that does not exist or cannot be run is a permanent failure. Standard output
/// and error are captured within a limit and reported in the outcome, for the log.
public struct ExecHook: Hook {
    /// The settings of an `exec` hook (config keys in parentheses).
    public struct Configuration: Sendable, Hashable {
        /// The program and its arguments (`command`), run without a shell; write
        /// `["sh", "-c", "…"]` for one. A first element without `/` is looked up in `PATH`.
        public var command: [String]
        /// More environment variables (`env`); the `FEEDD_*` ones win over them.
        public var environment: [String: String]
        /// The working directory (`working_directory`); feedd's own when nil.
        public var workingDirectory: String?
        /// How long the program may run (`timeout`, default 30 s) before its process group gets
        /// SIGTERM and, `killGrace` later (default 2 s), SIGKILL.
        public var timeout: Duration
        public var killGrace: Duration
        /// Bytes kept of each of standard output and error (`output_limit`, default 64 KiB).
        public var outputLimit: Int

        public init(
            command: [String],
            environment: [String: String] = [:],
            workingDirectory: String? = nil,
            timeout: Duration = .seconds(30),
            killGrace: Duration = .seconds(2),
            outputLimit: Int = 64 * 1024
        ) {
            self.command = command
            self.environment = environment
            self.workingDirectory = workingDirectory
            self.timeout = timeout
            self.killGrace = killGrace
            self.outputLimit = outputLimit
        }
    }

    /// What one run came to, in full: for the log and for tests.
    public struct Report: Sendable {
        public var outcome: DeliveryOutcome
        /// The exit status, or nil when the program was killed by a signal or never ran.
        public var exitStatus: Int32?
        /// The signal that ended the program, if one did.
        public var signal: Int32?
        /// True when the timeout ended it.
        public var timedOut: Bool
        /// The program's process id (and process group id), 0 when it never ran.
        public var processID: Int32
        public var standardOutput: CapturedOutput
        public var standardError: CapturedOutput
    }

    public let name: String
    public let configuration: Configuration

    /// The most bytes of one `FEEDD_*` value (32 KiB).
    public static let environmentValueLimit = 32 * 1024

    /// Checks the settings: the command must name a program.
    public init(name: String, configuration: Configuration) throws(HookError) {
        guard let program = configuration.command.first, !program.isEmpty else {
            throw .invalidSetting(hook: name, key: "command", reason: "must name a program to run")
        }
        guard configuration.timeout > .zero else {
            throw .invalidSetting(hook: name, key: "timeout", reason: "must be longer than 0s")
        }
        self.name = name
        self.configuration = configuration
    }

    public func deliver(_ delivery: Delivery) async -> DeliveryOutcome {
        await run(delivery).outcome
    }

    /// Runs the program once for `delivery` and reports everything about it.
    public func run(_ delivery: Delivery) async -> Report {
        var environment: [String: String?] = [:]
        for (key, value) in configuration.environment { environment[key] = value }
        for (key, value) in Self.environment(for: delivery) { environment[key] = value }
        let child = ChildProcess(
            executable: configuration.command[0],
            arguments: Array(configuration.command.dropFirst()),
            environment: environment,
            workingDirectory: configuration.workingDirectory,
            input: HookPayload.json(for: delivery),
            timeout: configuration.timeout,
            killGrace: configuration.killGrace,
            outputLimit: configuration.outputLimit
        )
        let empty = CapturedOutput(limit: 0)
        switch await child.run() {
        case .failure(.notFound(let detail)):
            return Report(
                outcome: .permanent(reason: "cannot run \(configuration.command[0]): \(detail)"),
                exitStatus: nil, signal: nil, timedOut: false, processID: 0, standardOutput: empty,
                standardError: empty)
        case .failure(.other(let detail)):
            return Report(
                outcome: .retry(after: nil, reason: "cannot run \(configuration.command[0]): \(detail)"),
                exitStatus: nil, signal: nil, timedOut: false, processID: 0, standardOutput: empty,
                standardError: empty)
        case .failure(.cancelled):
            return Report(
                outcome: .retry(after: nil, reason: "stopped: feedd is shutting down"),
                exitStatus: nil, signal: nil, timedOut: false, processID: 0, standardOutput: empty,
                standardError: empty)
        case .success(let result):
            return report(result)
        }
    }

    private func report(_ result: ChildProcess.Result) -> Report {
        var exitStatus: Int32?
        var signal: Int32?
        switch result.termination {
        case .exited(let status): exitStatus = status
        case .signalled(let number): signal = number
        }
        let stderrTail = result.standardError.lastCharacters(400)
        let errorNote = stderrTail.isEmpty ? "" : "; stderr: \(stderrTail)"
        let outcome: DeliveryOutcome
        if result.timedOut {
            outcome = .retry(
                after: nil,
                reason: "timed out after \(Self.format(configuration.timeout)); process group killed\(errorNote)")
        } else if let exitStatus, exitStatus == 0 {
            let output = result.standardOutput.lastCharacters(400)
            outcome = .delivered("exit status 0" + (output.isEmpty ? "" : "; stdout: \(output)"))
        } else if let exitStatus {
            outcome = .retry(after: nil, reason: "exit status \(exitStatus)\(errorNote)")
        } else {
            outcome = .retry(after: nil, reason: "killed by signal \(signal ?? 0)\(errorNote)")
        }
        return Report(
            outcome: outcome, exitStatus: exitStatus, signal: signal, timedOut: result.timedOut,
            processID: result.processID, standardOutput: result.standardOutput,
            standardError: result.standardError)
    }

    /// The `FEEDD_*` variables of a delivery. Item variables describe the single item; for a batch
    /// they are empty and `FEEDD_ITEMS` gives the count. Missing values are empty strings; each value is
    /// cut to `environmentValueLimit` bytes (the kernel refuses a string over 128 KiB, `E2BIG`, and
    /// the program would not start at all), at a character boundary. Standard input has it all.
    public static func environment(for delivery: Delivery) -> [String: String] {
        let items = delivery.items
        let item = delivery.isBatch ? nil : items.first
        let values: [String: String] = [
            "FEEDD_FEED": delivery.feed.name,
            "FEEDD_FEED_TITLE": delivery.feed.title ?? "",
            "FEEDD_FEED_URL": delivery.feed.url,
            "FEEDD_EVENT": delivery.event.rawValue,
            "FEEDD_DELIVERY_ID": delivery.id,
            "FEEDD_ATTEMPT": String(delivery.attempt),
            "FEEDD_ITEMS": String(items.count),
            "FEEDD_TITLE": item?.title ?? "",
            "FEEDD_LINK": item?.link ?? "",
            "FEEDD_KEY": item?.key ?? "",
            "FEEDD_PUBLISHED": item?.published?.rfc3339 ?? "",
            "FEEDD_AUTHOR": item?.authors.first { $0.name != nil }?.name ?? "",
        ]
        return values.mapValues { cut($0, toBytes: environmentValueLimit) }
    }

    /// `text` cut to at most `limit` bytes of UTF-8, never inside a character's bytes.
    static func cut(_ text: String, toBytes limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var end = text.utf8.index(text.utf8.startIndex, offsetBy: limit)
        // Back to the start of a scalar: continuation bytes are 10xxxxxx.
        while end > text.utf8.startIndex, text.utf8[end] & 0xC0 == 0x80 { end = text.utf8.index(before: end) }
        return String(text.utf8[..<end]) ?? String(decoding: text.utf8[..<end], as: UTF8.self)
    }

    static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds)s" }
        return "\(Double(seconds) + Double(attoseconds) / 1e18)s"
    }
}
