import Glibc

/// This process's limit on open file descriptors (`RLIMIT_NOFILE`): the soft limit, which `open`,
/// `socket` and `accept` meet, and the hard limit, up to which a process may raise its soft one.
public struct DescriptorLimit: Sendable, Hashable, CustomStringConvertible {
    public var soft: UInt64
    public var hard: UInt64

    public init(soft: UInt64, hard: UInt64) {
        self.soft = soft
        self.hard = hard
    }

    /// The limits in force.
    public static func current() throws(SystemError) -> DescriptorLimit {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { throw SystemError("getrlimit") }
        return DescriptorLimit(soft: UInt64(limit.rlim_cur), hard: UInt64(limit.rlim_max))
    }

    /// Raises the soft limit to the hard one (many distributions start services at 1,024 soft while
    /// allowing far more), and returns the limits then in force. The soft limit stays as it was when
    /// the kernel refuses; an unlimited hard limit is capped at `nr_open` (the most the kernel takes).
    @discardableResult
    public static func raiseSoftToHard() throws(SystemError) -> DescriptorLimit {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { throw SystemError("getrlimit") }
        guard limit.rlim_cur < limit.rlim_max else { return try current() }
        var wanted = limit
        wanted.rlim_cur = limit.rlim_max
        if limit.rlim_max == rlim_t.max, let ceiling = kernelMaximum() { wanted.rlim_cur = rlim_t(ceiling) }
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &wanted) == 0 else { throw SystemError("setrlimit") }
        return try current()
    }

    /// `/proc/sys/fs/nr_open`: the most descriptors the kernel lets one process have.
    private static func kernelMaximum() -> UInt64? {
        guard let bytes = try? FileSystem.read("/proc/sys/fs/nr_open", limit: 64) else { return nil }
        return UInt64(String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace })
    }

    public var description: String { "soft \(soft), hard \(hard)" }
}
