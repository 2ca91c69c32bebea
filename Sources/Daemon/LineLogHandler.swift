import FeedModel
public import Logging
import Platform

/// feedd's log lines on standard error: one line per event, `[time ]level feedd: message key=value …`.
///
/// Under systemd (`$JOURNAL_STREAM` set) there is no timestamp of our own, since journald adds it;
/// otherwise the time is RFC 3339 in UTC. Values with spaces, quotes or `=` are quoted. Only executables
/// bootstrap it (`LoggingSystem.bootstrap`); libraries take a `Logger` (STYLE.md section 7).
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let timestamps: Bool

    /// - Parameters:
    ///   - timestamps: nil decides by `$JOURNAL_STREAM`.
    public init(label: String = "feedd", level: Logger.Level = .info, timestamps: Bool? = nil) {
        self.label = label
        logLevel = level
        self.timestamps = timestamps ?? (OS.environment("JOURNAL_STREAM") == nil)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = ""
        if timestamps {
            line += Timestamp(secondsSince1970: OS.wallClock().seconds).rfc3339 + " "
        }
        line += "\(event.level) \(label): \(event.message)"
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for key in merged.keys.sorted() {
            guard let value = merged[key] else { continue }
            line += " \(key)=\(Self.quoted("\(value)"))"
        }
        line += "\n"
        try? StandardStream.error.write(line)
    }

    static func quoted(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline })
        else { return value }
        var escaped = "\""
        for character in value {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            default: escaped.append(character)
            }
        }
        return escaped + "\""
    }
}
