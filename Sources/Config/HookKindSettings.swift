/// An `exec` hook: runs a program per delivery (`Hooks.ExecHook.Configuration`).
public struct ExecHookSettings: Sendable, Hashable, ConfigSection {
    /// argv, no shell. A first element with a `/` that is not absolute is resolved against the
    /// folder of the file that defines the hook; one without `/` is looked up in `PATH`.
    public var command: [String] = []
    public var env: [NamedValue<String>] = []
    public var workingDirectory: String?
    public var timeout: ConfigDuration = .seconds(30)
    public var killGrace: ConfigDuration = .seconds(2)
    public var outputLimit: ByteSize = .kibibytes(64)

    public init() {}

    static let options: [ConfigOption<Self>] = [
        .value(
            "command", \.command, .command, required: true,
            doc: "program and arguments, no shell (write [\"sh\", \"-c\", \"…\"] for one); item data comes in "
                + "FEEDD_* variables and on standard input"),
        .value("env", \.env, .map(.string), doc: "more environment variables; the FEEDD_* ones win"),
        .value(
            "working_directory", \.workingDirectory, .optional(.path), defaultText: "feedd's",
            doc: "where the program runs"),
        .value("timeout", \.timeout, .duration, doc: "then SIGTERM to its process group", check: Checks.positive),
        .value("kill_grace", \.killGrace, .duration, doc: "then SIGKILL"),
        .value(
            "output_limit", \.outputLimit, .size, doc: "bytes kept of each of standard output and error for the log"),
    ]
}

extension ValueCodec where Value == [String] {
    /// A non-empty argv; a relative program path with a `/` is resolved against the file's folder.
    static let command = ValueCodec(
        typeName: "list of strings",
        decode: { node, context throws(CodecFailure) in
            let expected = "a command as a list of strings like [\"/usr/bin/notify\", \"--quiet\"]"
            guard case .array(let nodes) = node else { throw mismatch(expected, node) }
            var arguments: [String] = []
            for item in nodes {
                guard case .string(let argument) = item else { throw mismatch(expected, node) }
                arguments.append(argument)
            }
            guard let program = arguments.first, !program.isEmpty else {
                throw CodecFailure(message: "the command is empty: give at least the program")
            }
            if program.contains("/") && !program.hasPrefix("/") { arguments[0] = context.resolve(path: program) }
            return arguments
        },
        render: { TOMLText.list($0) })
}

/// A `webhook` hook: an HTTP request per delivery (`Hooks.WebhookHook.Configuration`).
public struct WebhookHookSettings: Sendable, Hashable, ConfigSection {
    public var url = ""
    public var method = "POST"
    /// A Mustache template of the body; nil: the payload JSON.
    public var template: String?
    public var contentType = "application/json"
    /// `json`, `form`, `html` or `none`; nil: from `contentType`.
    public var templateEscape: String?
    public var headers: [NamedValue<Secret>] = []
    /// The HMAC-SHA256 key of `X-Feedd-Signature`.
    public var secret: Secret?
    public var timeout: ConfigDuration = .seconds(30)
    public var connectTimeout: ConfigDuration = .seconds(10)
    /// Response bytes kept for the log; the rest is cut, which fails nothing.
    public var maxResponseSize: ByteSize = .kibibytes(64)

    public init() {}

    static let options: [ConfigOption<Self>] = [
        .value("url", \.url, .httpURL, required: true, doc: "http or https URL; redirects are not followed"),
        .value("method", \.method, .choice(["POST", "PUT"]), doc: "POST or PUT"),
        .value(
            "template", \.template, .optional(.string), defaultText: "the payload JSON",
            doc: "Mustache template of the body (docs/hooks.md#templates)"),
        .value("content_type", \.contentType, .string, doc: "the body's Content-Type"),
        .value(
            "template_escape", \.templateEscape, .optional(.choice(["json", "form", "html", "none"])),
            defaultText: "from content_type", doc: "how {{name}} escapes: json, form, html or none"),
        .value(
            "headers", \.headers, .map(.secret), doc: "more request headers; values may be secrets",
            check: Checks.headers),
        .value(
            "secret", \.secret, .optional(.secret), defaultText: "none",
            doc: "key of the X-Feedd-Signature HMAC-SHA256; a string, { file = \"path\" } or { env = \"NAME\" }"),
        .value("timeout", \.timeout, .duration, doc: "for the whole request", check: Checks.positive),
        .value("connect_timeout", \.connectTimeout, .duration, doc: "for the connection", check: Checks.positive),
        .value(
            "max_response_size", \.maxResponseSize, .size,
            doc: "response bytes kept for the log (more is cut, not a failure)"),
    ]
}

/// A `jsonl` hook: appends the payload as a line to a file (`Hooks.JSONLinesHook.Configuration`).
public struct JSONLinesHookSettings: Sendable, Hashable, ConfigSection {
    public var path = ""
    /// Rotate at this size; 0: never.
    public var maxSize: ByteSize = .mebibytes(10)
    public var keep = 5
    public var fsync = false

    public init() {}

    static let options: [ConfigOption<Self>] = [
        .value(
            "path", \.path, .path, required: true,
            doc: "the file; relative to this file's folder (missing folders are made)"),
        .value("max_size", \.maxSize, .size, doc: "rotate when the file reaches this size (0: never)"),
        .value("keep", \.keep, .integer, doc: "rotated files kept", check: Checks.nonNegative),
        .value("fsync", \.fsync, .boolean, doc: "sync the file after each delivery"),
    ]
}

/// A `maildir` hook: a mail message per item in a Maildir (`Hooks.MaildirHook.Configuration`).
public struct MaildirHookSettings: Sendable, Hashable, ConfigSection {
    public var path = ""
    public var from = ""
    public var to: [String] = []
    public var subjectPrefix = ""

    public init() {}

    static let options: [ConfigOption<Self>] = [
        .value(
            "path", \.path, .path, required: true,
            doc: "the Maildir (made when missing, with its parents, tmp, new and cur)"),
        .value("from", \.from, .string, required: true, doc: "sender address", check: MailCheck.address),
        .value("to", \.to, .list(.string), required: true, doc: "recipient addresses", check: MailCheck.addresses),
        .value("subject_prefix", \.subjectPrefix, .string, doc: "put before the title in the subject"),
    ]
}

/// A `sendmail` hook: a mail message per item through `sendmail` (`Hooks.SendmailHook.Configuration`).
public struct SendmailHookSettings: Sendable, Hashable, ConfigSection {
    public var sendmail = "/usr/sbin/sendmail"
    public var arguments = ["-t", "-oi"]
    public var from = ""
    public var to: [String] = []
    public var subjectPrefix = ""
    public var timeout: ConfigDuration = .seconds(30)

    public init() {}

    static let options: [ConfigOption<Self>] = [
        .value("sendmail", \.sendmail, .string, doc: "the program, given the message on standard input"),
        .value("arguments", \.arguments, .list(.string), doc: "its arguments"),
        .value("from", \.from, .string, required: true, doc: "sender address", check: MailCheck.address),
        .value("to", \.to, .list(.string), required: true, doc: "recipient addresses", check: MailCheck.addresses),
        .value("subject_prefix", \.subjectPrefix, .string, doc: "put before the title in the subject"),
        .value("timeout", \.timeout, .duration, doc: "then the program is stopped", check: Checks.positive),
    ]
}

/// Rough checks of mail addresses: something@something, no spaces or line breaks.
enum MailCheck {
    @Sendable static func address(_ address: String) -> String? {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            !address.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" })
        else { return "\(TOMLText.quoted(address)) is not a mail address like \"feeds@example.org\"" }
        return nil
    }

    @Sendable static func addresses(_ addresses: [String]) -> String? {
        guard !addresses.isEmpty else { return "give at least one address" }
        return addresses.lazy.compactMap(address).first
    }
}
