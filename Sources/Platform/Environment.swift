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
