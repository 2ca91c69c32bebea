public import FeedModel
public import Platform
internal import Synchronization

/// Delivers each item as a mail message into a Maildir: written to `tmp/` under a unique name,
/// synced, then renamed into `new/` (the Maildir rule, so a reader never sees half a message).
/// The `tmp`, `new` and `cur` folders are made when missing.
public struct MaildirHook: Hook {
    /// The settings of a `maildir` hook (config keys in parentheses).
    public struct Configuration: Sendable, Hashable {
        /// The Maildir (`path`).
        public var path: String
        public var mail: MailSettings

        public init(path: String, mail: MailSettings) {
            self.path = path
            self.mail = mail
        }
    }

    public let name: String
    public let configuration: Configuration
    private let clock: any TimeSource

    public init(name: String, configuration: Configuration, clock: any TimeSource = SystemClock()) throws(HookError) {
        guard !configuration.path.isEmpty else {
            throw .invalidSetting(hook: name, key: "path", reason: "must name a Maildir")
        }
        guard !configuration.mail.to.isEmpty else {
            throw .invalidSetting(hook: name, key: "to", reason: "must list at least one address")
        }
        self.name = name
        self.configuration = configuration
        self.clock = clock
    }

    public func deliver(_ delivery: Delivery) async -> DeliveryOutcome {
        let message = MailMessage.build(delivery, settings: configuration.mail, now: clock.now())
        let root = configuration.path
        do throws(SystemError) {
            try FileSystem.createDirectories(root)
            for folder in ["tmp", "new", "cur"] { try FileSystem.createDirectory("\(root)/\(folder)") }
            let unique = Self.uniqueName()
            let temporary = "\(root)/tmp/\(unique)"
            do {
                let file = try FileOutput(path: temporary, mode: .createNew, permissions: 0o600)
                try file.write(message)
                try file.sync()
            } catch {
                try? FileSystem.remove(temporary)
                throw error
            }
            try FileSystem.rename(temporary, to: "\(root)/new/\(unique)")
            try FileSystem.syncDirectory("\(root)/new")
            return .delivered("wrote \(root)/new/\(unique)")
        } catch {
            return .retry(after: nil, reason: "\(root): \(error.description)")
        }
    }

    private static let counter = Atomic<Int>(0)

    /// `<seconds>.M<microseconds>P<pid>Q<counter>.<host>`, as the Maildir specification suggests.
    static func uniqueName() -> String {
        let (seconds, nanoseconds) = OS.wallClock()
        let sequence = counter.add(1, ordering: .relaxed).newValue
        let host = OS.hostName.replacingAll("/", with: "\\057").replacingAll(":", with: "\\072")
        return "\(seconds).M\(nanoseconds / 1000)P\(OS.processID)Q\(sequence).\(host)"
    }
}

/// Hands each item as a mail message to `sendmail -t -oi` (the recipients come from the
/// message's `To`), through the same child-process runner as `exec` hooks.
///
/// Exit status 0 is success; the `sysexits.h` codes for a temporary failure (69 unavailable,
/// 70 software, 71 OS error, 74 I/O error, 75 temporary failure) and a timeout are retried; the
/// other codes from 64 to 78 (a bad address, a refused message) are permanent; any other status
/// is retried.
public struct SendmailHook: Hook {
    /// The settings of a `sendmail` hook (config keys in parentheses).
    public struct Configuration: Sendable, Hashable {
        /// The program (`sendmail`, default `/usr/sbin/sendmail`).
        public var program: String
        /// Arguments after the program (`arguments`, default `-t -oi`).
        public var arguments: [String]
        public var mail: MailSettings
        /// How long `sendmail` may run (`timeout`, default 30 s).
        public var timeout: Duration

        public init(
            program: String = "/usr/sbin/sendmail",
            arguments: [String] = ["-t", "-oi"],
            mail: MailSettings,
            timeout: Duration = .seconds(30)
        ) {
            self.program = program
            self.arguments = arguments
            self.mail = mail
            self.timeout = timeout
        }
    }

    public let name: String
    public let configuration: Configuration
    private let clock: any TimeSource

    public init(name: String, configuration: Configuration, clock: any TimeSource = SystemClock()) throws(HookError) {
        guard !configuration.program.isEmpty else {
            throw .invalidSetting(hook: name, key: "sendmail", reason: "must name a program")
        }
        guard !configuration.mail.to.isEmpty else {
            throw .invalidSetting(hook: name, key: "to", reason: "must list at least one address")
        }
        self.name = name
        self.configuration = configuration
        self.clock = clock
    }

    public func deliver(_ delivery: Delivery) async -> DeliveryOutcome {
        let child = ChildProcess(
            executable: configuration.program,
            arguments: configuration.arguments,
            environment: [:],
            workingDirectory: nil,
            input: MailMessage.build(delivery, settings: configuration.mail, now: clock.now()),
            timeout: configuration.timeout
        )
        switch await child.run() {
        case .failure(.notFound(let detail)):
            return .permanent(reason: "cannot run \(configuration.program): \(detail)")
        case .failure(.other(let detail)):
            return .retry(after: nil, reason: "cannot run \(configuration.program): \(detail)")
        case .failure(.cancelled):
            return .retry(after: nil, reason: "stopped: feedd is shutting down")
        case .success(let result):
            let stderr = result.standardError.lastCharacters(400)
            let note = stderr.isEmpty ? "" : "; stderr: \(stderr)"
            if result.timedOut {
                return .retry(after: nil, reason: "sendmail timed out\(note)")
            }
            switch result.termination {
            case .exited(0):
                return .delivered("sendmail accepted the message")
            case .exited(let status) where (64...78).contains(status) && ![69, 70, 71, 74, 75].contains(status):
                return .permanent(reason: "sendmail exit status \(status)\(note)")
            case .exited(let status):
                return .retry(after: nil, reason: "sendmail exit status \(status)\(note)")
            case .signalled(let signal):
                return .retry(after: nil, reason: "sendmail killed by signal \(signal)\(note)")
            }
        }
    }
}
