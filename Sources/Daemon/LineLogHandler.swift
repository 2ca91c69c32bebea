import FeedModel
public import Logging
import Platform

/// feedd's log lines on standard error: one line per event, in one of two formats.
///
/// `text`: `[time ]level feedd: message key=value …`. Under systemd (`$JOURNAL_STREAM` set) there is no
/// timestamp of our own, since journald adds it; otherwise the time is RFC 3339 in UTC. Values with
/// spaces, quotes or `=` are quoted.
///
/// `json`: one JSON object per line, `{"time":…,"level":…,"message":…,"logger":"feedd",…}` with every
/// metadata key a string field after those (for journald, Loki or `jq`); the time is always there.
///
/// Only executables bootstrap it (`LoggingSystem.bootstrap`); libraries take a `Logger` (STYLE.md
/// section 7).
public struct LineLogHandler: LogHandler {
    /// How a line is written.
    public enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let timestamps: Bool
    private let format: Format

    /// - Parameters:
    ///   - timestamps: nil decides by `$JOURNAL_STREAM` (text lines only; JSON lines always have a time).
    public init(label: String = "feedd", level: Logger.Level = .info, format: Format = .text, timestamps: Bool? = nil) {
        self.label = label
        logLevel = level
        self.format = format
        self.timestamps = timestamps ?? (OS.environment("JOURNAL_STREAM") == nil)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if format == .json {
            try? StandardStream.error.write(Self.jsonLine(event, label: label, metadata: merged))
            return
        }
        let time = timestamps ? Timestamp(secondsSince1970: OS.wallClock().seconds).rfc3339 : nil
        try? StandardStream.error.write(Self.textLine(event, label: label, metadata: merged, time: time))
    }

    /// One text line and a line break: `[time ]level label: message key=value …`, keys sorted.
    static func textLine(_ event: LogEvent, label: String, metadata: Logger.Metadata, time: String?) -> String {
        var line = ""
        if let time { line += time + " " }
        line += "\(event.level) \(label): \(event.message)"
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            line += " \(key)=\(Self.quoted("\(value)"))"
        }
        return line + "\n"
    }

    /// One JSON object and a line break. A metadata key named like a fixed field is written as `meta.KEY`.
    static func jsonLine(_ event: LogEvent, label: String, metadata: Logger.Metadata) -> [UInt8] {
        let fixed: Set<String> = ["time", "level", "message", "logger"]
        var writer = JSONWriter(reservingCapacity: 256)
        writer.beginObject()
        writer.key("time")
        writer.string(Timestamp(secondsSince1970: OS.wallClock().seconds).rfc3339)
        writer.key("level")
        writer.string("\(event.level)")
        writer.key("message")
        writer.string("\(event.message)")
        writer.key("logger")
        writer.string(label)
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            writer.key(fixed.contains(key) ? "meta.\(key)" : key)
            writer.string("\(value)")
        }
        writer.endObject()
        return writer.takeBytes() + [0x0A]
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
