import Glibc

/// This process and the machine it runs on.
public enum OS {
    /// The value of environment variable `name`, or nil when it is not set.
    public static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// This process's id.
    public static var processID: Int32 { getpid() }

    /// The machine's host name, or "localhost" when it cannot be read.
    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The wall-clock time: whole seconds and nanoseconds since 1970-01-01T00:00:00Z.
    public static func wallClock() -> (seconds: Int64, nanoseconds: Int64) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return (Int64(now.tv_sec), Int64(now.tv_nsec))
    }

    /// Sends SIGKILL to every process of the process group `group`; a group that is gone is not an error.
    public static func killProcessGroup(_ group: Int32) {
        // ESRCH (no such group) is the only failure possible for a group this process made.
        _ = kill(-group, SIGKILL)
    }
}

extension OS {
    /// Makes writes to a pipe whose reader is gone fail with `EPIPE` instead of killing the
    /// process with `SIGPIPE` (a hook that exits without reading its standard input). Child
    /// processes spawned by swift-subprocess get every signal back at its default.
    public static func ignoreBrokenPipeSignal() {
        _ = signal(SIGPIPE, SIG_IGN)
    }

    /// Makes a write past the file-size limit (`RLIMIT_FSIZE`, systemd's `LimitFSIZE=`) fail with `EFBIG`,
    /// which the store reports and survives like a full disk, instead of killing the process with `SIGXFSZ`.
    public static func ignoreFileSizeSignal() {
        _ = signal(SIGXFSZ, SIG_IGN)
    }

    /// Sets this process's file-size limit (`RLIMIT_FSIZE`, soft and hard) to `bytes`; false on failure.
    /// The test daemon uses it to make the disk "full" for real, root included.
    public static func limitFileSize(to bytes: Int) -> Bool {
        var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
        return setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit) == 0
    }

    /// True when this process runs as root (user id 0).
    public static var isRoot: Bool { getuid() == 0 }

    /// Switches a root process to user and group `id` (no supplementary groups), for good; false on
    /// failure. The test daemon uses it so that file permissions stop it as they stop any daemon user.
    public static func switchUser(to id: UInt32) -> Bool {
        setgroups(0, nil) == 0 && setgid(id) == 0 && setuid(id) == 0
    }
}

extension OS {
    /// Microseconds on the monotonic clock (`CLOCK_MONOTONIC`), as systemd's `MONOTONIC_USEC=` wants.
    public static func monotonicMicroseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }
}

extension OS {
    /// Shuts a socket down both ways (`shutdown(SHUT_RDWR)`) without closing its descriptor, so that a
    /// task waiting to read or write it wakes up with end of file and closes it itself. With
    /// `sendingOnly`, only the sending side (`SHUT_WR`): the peer reads end of file after what was sent.
    public static func shutdownSocket(_ descriptor: Int32, sendingOnly: Bool = false) {
        // ENOTCONN (the peer already went) is as good as done.
        _ = shutdown(descriptor, Int32(sendingOnly ? SHUT_WR : SHUT_RDWR))
    }

    /// Whether bytes have arrived on a socket and wait to be read (`FIONREAD`).
    public static func hasPendingInput(_ descriptor: Int32) -> Bool {
        var count: Int32 = 0
        return ioctl(descriptor, UInt(FIONREAD), &count) == 0 && count > 0
    }
}
