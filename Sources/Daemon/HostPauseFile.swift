import FeedModel
public import Fetcher
import Foundation
import Platform

/// A paused host as `host-pauses.json` records it: the pause, and the configured feeds it holds back.
public struct PausedHost: Sendable, Hashable {
    public var pause: HostPause
    /// The feeds whose URL (or the permanent redirect it led to) is on the host, when the file was written.
    public var feeds: [String]

    public init(pause: HostPause, feeds: [String]) {
        self.pause = pause
        self.feeds = feeds
    }
}

/// `host-pauses.json` in the state directory: the hosts the running daemon leaves alone, and until when.
///
/// The daemon writes it (a temporary file, `fsync`, rename) when a host's pause begins or grows longer
/// and when a reload changes the feeds; `feedd feeds` reads it to show which feeds wait for their host,
/// and the daemon reads it at start-up so that a restart does not end a pause early. It is advice,
/// not the store: a missing file means no pause, and a damaged one is reported and then ignored.
///
/// ```json
/// {"version":1,"hosts":[{"host":"example.org:443","http_status":429,"since":"2026-12-03T10:00:00Z",
///   "until":"2026-12-03T10:20:00Z","feeds":["a","b"]}]}
/// ```
public enum HostPauseFile {
    /// The file's name in the state directory.
    public static let name = "host-pauses.json"

    /// A file that exists but cannot be read or understood.
    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String

        public var description: String { "\(path): \(reason)" }
    }

    /// The paused hosts recorded in `stateDirectory` (ended pauses included: compare `until` with the
    /// time); empty when there is no file.
    public static func read(stateDirectory: String) throws(ReadError) -> [PausedHost] {
        let path = stateDirectory + "/" + name
        let bytes: [UInt8]
        do throws(SystemError) {
            bytes = try FileSystem.read(path, limit: 16 << 20)
        } catch {
            if error.isNotFound { return [] }
            throw ReadError(path: path, reason: error.description)
        }
        guard let hosts = decode(bytes) else {
            throw ReadError(path: path, reason: "not a host pause file of this version; it is ignored")
        }
        return hosts
    }

    /// Replaces the file in `stateDirectory` with `hosts`: a temporary file, `fsync`, rename, `fsync` of
    /// the directory, so a reader sees the old file or the new one, never half of one.
    static func write(_ hosts: [PausedHost], stateDirectory: String) throws(SystemError) {
        let path = stateDirectory + "/" + name
        let temporary = path + ".tmp"
        let file = try SystemFile(path: temporary, create: true)
        let bytes = encode(hosts)
        try file.write(bytes, at: 0)
        try file.truncate(to: bytes.count)
        try file.sync()
        try FileSystem.rename(temporary, to: path)
        try FileSystem.syncDirectory(stateDirectory)
    }

    static func encode(_ hosts: [PausedHost]) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("version")
        writer.integer(1)
        writer.key("hosts")
        writer.beginArray()
        for host in hosts.sorted(by: { $0.pause.host < $1.pause.host }) {
            writer.beginObject()
            writer.key("host")
            writer.string(host.pause.host)
            writer.key("http_status")
            writer.integer(Int64(host.pause.httpStatus))
            writer.key("since")
            writer.string(host.pause.since.rfc3339)
            writer.key("until")
            writer.string(host.pause.until.rfc3339)
            writer.key("feeds")
            writer.stringArray(host.feeds.sorted())
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.takeBytes() + [0x0A]
    }

    /// The hosts of a version-1 file; nil when the bytes are not one.
    static func decode(_ bytes: [UInt8]) -> [PausedHost]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            object["version"] as? Int == 1, let entries = object["hosts"] as? [[String: Any]]
        else {
            return nil
        }
        var hosts: [PausedHost] = []
        for entry in entries {
            guard let host = entry["host"] as? String, let status = entry["http_status"] as? Int,
                let since = (entry["since"] as? String).flatMap(Timestamp.init(rfc3339:)),
                let until = (entry["until"] as? String).flatMap(Timestamp.init(rfc3339:)),
                let feeds = entry["feeds"] as? [String]
            else {
                return nil
            }
            hosts.append(
                PausedHost(pause: HostPause(host: host, httpStatus: status, since: since, until: until), feeds: feeds))
        }
        return hosts
    }
}
