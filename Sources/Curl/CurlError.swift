/// A libcurl failure, with the context needed to explain it and to log it.
///
/// `description` is one sentence for a person; the curl code, curl's error-buffer text and the
/// system error number stay in the associated values for log metadata.
public enum CurlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libcurl could not be loaded (it is loaded on first use, see Sources/CCurl/loader.c): why, from
    /// the dynamic loader.
    case libraryUnavailable(reason: String)
    /// `curl_global_init` failed; nothing that uses libcurl can work.
    case globalInit(code: Int)
    /// `curl_easy_init` returned no handle (out of memory).
    case handleCreation
    /// libcurl rejected an option value, e.g. an unsupported protocol name or a missing feature.
    case option(name: String, code: Int, message: String)
    /// libcurl could not report a transfer property.
    case info(name: String, code: Int, message: String)
    /// A request header name or value holds a character that would break the request.
    case invalidHeader(name: String)
    /// A transfer failed.
    case transfer(Transfer)
    /// A multi-handle call failed (out of memory, a bad handle): a bug or a broken system.
    case multi(name: String, code: Int, message: String)

    /// libcurl's limit on one response header line (`CURL_MAX_HTTP_HEADER`, 100 KiB); past it, libcurl
    /// 7.88 fails with `CURLE_OUT_OF_MEMORY`, which says nothing of the cause.
    public static let maxHeaderLine = 100 * 1024
    /// libcurl's limit on a response's whole header section (300 KiB); past it, `CURLE_RECV_ERROR`
    /// "Too large response headers".
    public static let maxHeaderSection = 300 * 1024

    /// Why a transfer failed, in the terms callers act on.
    public enum Reason: Sendable, Equatable {
        /// The host name did not resolve.
        case resolve
        /// No connection could be made (refused, unreachable, …).
        case connect
        /// The TLS handshake or certificate verification failed.
        case tls
        /// A connect, total or low-speed timeout expired.
        case timeout(Timeout)
        /// More redirects than allowed.
        case tooManyRedirects
        /// The decoded body grew past the limit set with `setMaxBodySize`.
        case bodyTooLarge(limit: Int)
        /// The response's header section passed libcurl's fixed limits: one header line over
        /// `CurlError.maxHeaderLine` bytes, or all of them over `CurlError.maxHeaderSection`. `limit` is the
        /// one that was passed.
        case headerTooLarge(limit: Int)
        /// The URL's scheme, or a redirect's scheme, is not allowed or not supported.
        case unsupportedProtocol
        /// The URL could not be parsed.
        case malformedURL
        /// Anything else: see the code and message.
        case other
    }

    /// Which limit a timeout hit.
    public enum Timeout: Sendable, Equatable {
        /// No connection was made in time.
        case connect
        /// The whole transfer took too long.
        case total
        /// Data arrived slower than the low-speed limit for too long.
        case lowSpeed
    }

    /// The details of a failed transfer.
    public struct Transfer: Sendable, Equatable {
        /// What kind of failure this is.
        public var reason: Reason
        /// The URL that was requested.
        public var url: String
        /// The `CURLcode`.
        public var code: Int
        /// curl's error-buffer text, or `curl_easy_strerror` when the buffer is empty.
        public var message: String
        /// `CURLINFO_OS_ERRNO`: the system error behind a connect failure, 0 when none.
        public var systemErrorNumber: Int
        /// The text of `systemErrorNumber` (e.g. "Connection refused"), empty when none.
        public var systemErrorText: String

        public init(
            reason: Reason,
            url: String,
            code: Int,
            message: String,
            systemErrorNumber: Int = 0,
            systemErrorText: String = ""
        ) {
            self.reason = reason
            self.url = url
            self.code = code
            self.message = message
            self.systemErrorNumber = systemErrorNumber
            self.systemErrorText = systemErrorText
        }
    }

    public var description: String {
        switch self {
        case .libraryUnavailable(let reason):
            return "\(reason); feedd needs libcurl 4 at run time (Debian: apt install libcurl4)"
        case .globalInit(let code):
            return "libcurl could not be initialized (curl code \(code)); check the libcurl installation"
        case .handleCreation:
            return "libcurl could not create a transfer handle (out of memory?)"
        case .option(let name, let code, let message):
            return "libcurl rejected option \(name): \(message) (curl code \(code))"
        case .info(let name, let code, let message):
            return "libcurl could not report \(name): \(message) (curl code \(code))"
        case .invalidHeader(let name):
            return "request header \"\(name)\" contains a line break or is empty"
        case .transfer(let transfer):
            if case .headerTooLarge(let limit) = transfer.reason {
                return "\(transfer.url): response header too large (over \(limit) bytes) (curl code \(transfer.code))"
            }
            return "\(transfer.url): \(transfer.message) (curl code \(transfer.code))"
        case .multi(let name, let code, let message):
            return "libcurl's \(name) failed: \(message) (curl multi code \(code))"
        }
    }
}
