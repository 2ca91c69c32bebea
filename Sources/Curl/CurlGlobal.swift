internal import CCurl

/// `curl_global_init` must run once per process before any handle is made.
///
/// A global `let` is initialized lazily and exactly once, under the runtime's `swift_once`, so
/// concurrent first callers cannot race on it. libcurl itself is loaded on first use too (not linked:
/// its libraries cost most of the start-up of a command that never fetches, see Sources/CCurl/loader.c),
/// so a command that does not fetch never loads it.
private let globalInitCode: UInt32 = curl_global_init(Int(CURL_GLOBAL_DEFAULT)).rawValue

/// One-time process-wide libcurl setup.
public enum CurlGlobal {
    /// Initializes libcurl once; later calls return the first result.
    ///
    /// `CurlEasy.init` calls this itself. Call it early in `main`, before other threads start,
    /// if libcurl's own global state must be set up while the process is still single-threaded.
    public static func initialize() throws(CurlError) {
        if let reason = feedd_curl_load_error() {
            throw .libraryUnavailable(reason: String(cString: reason))
        }
        let code = globalInitCode
        guard code == CURLE_OK.rawValue else {
            throw .globalInit(code: Int(code))
        }
    }

    /// libcurl's version line, e.g. "libcurl/7.88.1 OpenSSL/3.0.17 zlib/1.2.13 brotli/1.0.9 …".
    public static var version: String {
        String(cString: curl_version())
    }

    /// The version of the libcurl loaded at run time, e.g. "7.88.1", and its TLS library, e.g.
    /// "OpenSSL/3.0.17" (nil when built without TLS).
    public static var libraryVersion: (version: String, tls: String?) {
        guard let info = feedd_curl_version_info() else { return (String(cString: curl_version()), nil) }
        let version = info.pointee.version.map { String(cString: $0) } ?? "unknown"
        return (version, info.pointee.ssl_version.map { String(cString: $0) })
    }
}
