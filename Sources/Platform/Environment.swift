import Glibc

/// The process environment and the wall clock, for the command line.
public enum Environment {
    /// The value of an environment variable, or nil when unset.
    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Seconds since 1970-01-01T00:00:00Z, now.
    public static func secondsSince1970() -> Int64 {
        Int64(time(nil))
    }
}

extension Environment {
    /// Every environment variable of this process (for secrets given as `{ env = "NAME" }`).
    public static func all() -> [String: String] {
        var result: [String: String] = [:]
        var entry: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry = entry.advanced(by: 1)
        }
        return result
    }
}
