internal import CCurl

/// One libcurl easy handle: a single transfer, set up by typed setters and run by `perform()`.
///
/// The struct is the handle's only owner and frees it in `deinit`. TLS peer and host
/// verification are switched on at creation and no setter turns them off. Protocols default to
/// http and https, for the first request and for redirects.
public struct CurlEasy: ~Copyable {
    let handle: UnsafeMutableRawPointer
    /// `CURLOPT_ERRORBUFFER`: libcurl writes a message for the last failure here.
    let errorBuffer: UnsafeMutablePointer<CChar>
    /// The callbacks' user pointer; kept alive by this strong reference for the handle's life.
    let state: TransferState
    /// The list `CURLOPT_HTTPHEADER` points at, if any.
    private var headerList: HeaderList?
    /// The fields last given to `setRequestHeaders`.
    private var requestHeaders: [HeaderField] = []
    /// Set by `setRequestBody`: the list also removes curl's own `Expect` field.
    private var removesExpectHeader = false

    /// Makes a handle with feedd's fixed defaults (no signals, TLS verified, http(s) only).
    public init() throws(CurlError) {
        try CurlGlobal.initialize()
        guard let handle = curl_easy_init() else {
            throw .handleCreation
        }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        let state = TransferState()
        do {
            try Self.configureDefaults(handle, errorBuffer: errorBuffer, state: state)
        } catch {
            curl_easy_cleanup(handle)
            errorBuffer.deallocate()
            throw error
        }
        self.handle = handle
        self.errorBuffer = errorBuffer
        self.state = state
        self.headerList = nil
        self.requestHeaders = []
        self.removesExpectHeader = false
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// A number that identifies this handle while it lives, e.g. in a `CurlMulti.Completion`.
    public var id: Int {
        Int(bitPattern: handle)
    }

    /// Forgets every option set since creation (`curl_easy_reset`) and applies feedd's fixed
    /// defaults again, so that a pooled handle starts each transfer like a new one.
    ///
    /// Connections, the DNS cache and TLS sessions survive: that is why handles are reused.
    public mutating func reset() throws(CurlError) {
        curl_easy_reset(handle)
        // curl no longer points at the list, so it may go.
        headerList = nil
        requestHeaders = []
        removesExpectHeader = false
        state.reset()
        state.maxBodySize = .max
        state.url = ""
        try Self.configureDefaults(handle, errorBuffer: errorBuffer, state: state)
    }

    private static func configureDefaults(
        _ handle: UnsafeMutableRawPointer,
        errorBuffer: UnsafeMutablePointer<CChar>,
        state: TransferState
    ) throws(CurlError) {
        let context = Unmanaged.passUnretained(state).toOpaque()
        // Timeouts must not use SIGALRM: transfers run on threads other than the main one.
        try check(feedd_curl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1), .option(CURLOPT_NOSIGNAL))
        try check(feedd_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1), .option(CURLOPT_SSL_VERIFYPEER))
        try check(feedd_curl_easy_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2), .option(CURLOPT_SSL_VERIFYHOST))
        try check(
            feedd_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer),
            .option(CURLOPT_ERRORBUFFER)
        )
        try check(
            feedd_curl_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"),
            .option(CURLOPT_PROTOCOLS_STR)
        )
        try check(
            feedd_curl_easy_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"),
            .option(CURLOPT_REDIR_PROTOCOLS_STR)
        )
        try check(
            feedd_curl_easy_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                guard let context else {
                    return 0
                }
                let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
                let length = size * count
                // Any return other than `length` makes curl stop with CURLE_WRITE_ERROR.
                return state.receiveBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
            },
            .option(CURLOPT_WRITEFUNCTION)
        )
        try check(feedd_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context), .option(CURLOPT_WRITEDATA))
        try check(
            feedd_curl_easy_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                guard let context else {
                    return 0
                }
                let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
                let length = size * count
                state.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
                return length
            },
            .option(CURLOPT_HEADERFUNCTION)
        )
        try check(feedd_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context), .option(CURLOPT_HEADERDATA))
    }

    // MARK: Options

    /// The URL to fetch.
    public func setURL(_ url: String) throws(CurlError) {
        try setString(CURLOPT_URL, url)
        state.url = url
    }

    /// The URL schemes allowed for the first request, e.g. `["http", "https", "file"]`.
    public func setAllowedProtocols(_ protocols: [String]) throws(CurlError) {
        try setString(CURLOPT_PROTOCOLS_STR, protocols.joined(separator: ","))
    }

    /// The longest wait for a connection, rounded up to whole milliseconds.
    public func setConnectTimeout(_ timeout: Duration) throws(CurlError) {
        try setLong(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(timeout))
    }

    /// The longest a whole transfer may take, rounded up to whole milliseconds.
    public func setTimeout(_ timeout: Duration) throws(CurlError) {
        try setLong(CURLOPT_TIMEOUT_MS, Self.milliseconds(timeout))
    }

    /// Aborts when fewer than `bytesPerSecond` arrive per second for `duration` (whole seconds, at least 1).
    public func setLowSpeedLimit(bytesPerSecond: Int, for duration: Duration) throws(CurlError) {
        try setLong(CURLOPT_LOW_SPEED_LIMIT, max(bytesPerSecond, 1))
        try setLong(CURLOPT_LOW_SPEED_TIME, max((Self.milliseconds(duration) + 999) / 1000, 1))
    }

    /// The proxy for this transfer, e.g. `http://proxy:3128`; `""` uses no proxy even when the
    /// environment names one. Without this call libcurl reads `http_proxy`, `https_proxy` and `no_proxy`.
    public func setProxy(_ proxy: String) throws(CurlError) {
        try setString(CURLOPT_PROXY, proxy)
    }

    /// HTTP basic authentication with these credentials. libcurl copies them.
    public func setBasicAuth(username: String, password: String) throws(CurlError) {
        try setLong(CURLOPT_HTTPAUTH, 1)  // CURLAUTH_BASIC, a macro with a cast that Swift does not import
        try setString(CURLOPT_USERNAME, username)
        try setString(CURLOPT_PASSWORD, password)
    }

    /// Switches TLS peer and host verification off for this transfer only. `reset()` switches it
    /// on again. The only way to turn verification off: callers must report that they did.
    public func disableTLSVerification() throws(CurlError) {
        try setLong(CURLOPT_SSL_VERIFYPEER, 0)
        try setLong(CURLOPT_SSL_VERIFYHOST, 0)
    }

    /// Waits for a connection that can multiplex (HTTP/2) rather than opening a new one, which
    /// keeps the number of connections to one host low.
    public func setWaitForMultiplexing() throws(CurlError) {
        try setLong(CURLOPT_PIPEWAIT, 1)
    }

    /// The `User-Agent` header.
    public func setUserAgent(_ userAgent: String) throws(CurlError) {
        try setString(CURLOPT_USERAGENT, userAgent)
    }

    /// Asks for every content encoding libcurl was built with (gzip, deflate, br, zstd) and
    /// decodes the body, so the body-size limit counts decoded bytes.
    public func setAcceptAllEncodings() throws(CurlError) {
        try setString(CURLOPT_ACCEPT_ENCODING, "")
    }

    /// The largest decoded body accepted; a larger one fails the transfer with `.bodyTooLarge`.
    public func setMaxBodySize(_ bytes: Int) {
        state.maxBodySize = max(bytes, 0)
    }

    /// Extra request header fields, replacing any set before; an empty list removes them.
    public mutating func setRequestHeaders(_ fields: [HeaderField]) throws(CurlError) {
        requestHeaders = fields
        try applyHeaders()
    }

    /// Hands `requestHeaders` (and the removal of `Expect` for a body) to curl.
    private mutating func applyHeaders() throws(CurlError) {
        guard !requestHeaders.isEmpty || removesExpectHeader else {
            try Self.check(
                feedd_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, nil),
                .option(CURLOPT_HTTPHEADER)
            )
            headerList = nil
            return
        }
        let list = try HeaderList(requestHeaders, removing: removesExpectHeader ? ["Expect"] : [])
        try Self.check(
            feedd_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list.pointer),
            .option(CURLOPT_HTTPHEADER)
        )
        // Only now that curl points at the new list may the old one be freed.
        headerList = consume list
    }

    /// Sends `body` with `method` (`POST`, `PUT`, …) instead of a GET. libcurl copies the bytes
    /// (`CURLOPT_COPYPOSTFIELDS`), so the array need not outlive the call. Also switches off
    /// `Expect: 100-continue`, which would hold a larger body back for a second waiting for a
    /// `100 Continue` that many receivers never send.
    public mutating func setRequestBody(_ body: [UInt8], method: String = "POST") throws(CurlError) {
        try Self.check(
            feedd_curl_easy_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)),
            .option(CURLOPT_POSTFIELDSIZE_LARGE)
        )
        // An empty body still needs a valid pointer: curl reads it as "no data", not as a C string.
        var bytes = body.isEmpty ? [0] : body
        let code = bytes.withUnsafeMutableBytes { raw in
            feedd_curl_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, raw.baseAddress)
        }
        try Self.check(code, .option(CURLOPT_COPYPOSTFIELDS))
        if method != "POST" {
            try setString(CURLOPT_CUSTOMREQUEST, method)
        }
        removesExpectHeader = true
        try applyHeaders()
    }

    private func setLong(_ option: CURLoption, _ value: Int) throws(CurlError) {
        try Self.check(feedd_curl_easy_setopt_long(handle, option, value), .option(option))
    }

    private func setString(_ option: CURLoption, _ value: String) throws(CurlError) {
        // libcurl copies string options (except POSTFIELDS, not used here), so a temporary C string is enough.
        try Self.check(feedd_curl_easy_setopt_string(handle, option, value), .option(option))
    }

    /// Converts to whole milliseconds, rounding up and never to 0 (which curl reads as "no limit").
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let milliseconds = (Double(seconds) * 1000 + Double(attoseconds) / 1e15).rounded(.up)
        return Int(min(max(milliseconds, 1), Double(Int32.max)))
    }
}
