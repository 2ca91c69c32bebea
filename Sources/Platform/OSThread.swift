import Glibc

/// An operating-system thread of its own, for a loop that blocks in the kernel (the fetcher's driver
/// waits in `poll`) and so must not sit on a Swift concurrency thread.
public enum OSThread {
    /// Starts `body` on a new detached thread. (It is not named: glibc's `pthread_setname_np` is not
    /// visible to Swift, and `prctl` is variadic.)
    public static func start(_ body: @escaping @Sendable () -> Void) throws(SystemError) {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { raw in
                guard let raw else { return nil }
                Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
                return nil
            }, box)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(box).release()
            throw SystemError("pthread_create", code: result)
        }
        pthread_detach(thread)
    }

    private final class Body: Sendable {
        let run: @Sendable () -> Void

        init(_ run: @escaping @Sendable () -> Void) {
            self.run = run
        }
    }
}
