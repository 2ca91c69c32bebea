internal import CCurl

extension CurlEasy {
    /// Runs the transfer, blocking the calling thread until it ends.
    ///
    /// Call it from a thread that may block, never from a Swift concurrency task directly.
    public func perform() throws(CurlError) -> CurlResponse {
        state.reset()
        errorBuffer[0] = 0
        try Self.check(
            curl_easy_perform(handle),
            .perform(handle: handle, errorBuffer: errorBuffer, state: state)
        )
        return try response()
    }

    /// What the finished transfer delivered; the body moves out of the handle.
    func response() throws(CurlError) -> CurlResponse {
        var body: [UInt8] = []
        swap(&body, &state.body)
        var headers: [HeaderField] = []
        swap(&headers, &state.headers)
        return CurlResponse(
            httpStatus: try long(CURLINFO_RESPONSE_CODE),
            effectiveURL: try string(CURLINFO_EFFECTIVE_URL) ?? state.url,
            redirectCount: try long(CURLINFO_REDIRECT_COUNT),
            redirectURL: try string(CURLINFO_REDIRECT_URL),
            headers: ResponseHeaders(fields: headers),
            body: body,
            timings: try timings()
        )
    }

    /// The phases of the transfer just finished; also meaningful after a failure.
    public func timings() throws(CurlError) -> CurlTimings {
        CurlTimings(
            nameLookup: .microseconds(try offset(CURLINFO_NAMELOOKUP_TIME_T)),
            connect: .microseconds(try offset(CURLINFO_CONNECT_TIME_T)),
            tlsHandshake: .microseconds(try offset(CURLINFO_APPCONNECT_TIME_T)),
            firstByte: .microseconds(try offset(CURLINFO_STARTTRANSFER_TIME_T)),
            total: .microseconds(try offset(CURLINFO_TOTAL_TIME_T)),
            httpVersion: try httpVersion()
        )
    }

    /// Clears what the previous transfer left; `CurlMulti.add` calls it before adding the handle.
    func prepareTransfer() {
        state.reset()
        errorBuffer[0] = 0
    }

    /// Ends a transfer that a `CurlMulti` ran: throws what `code` means, or returns the response.
    public func finish(_ completion: CurlMulti.Completion) throws(CurlError) -> CurlResponse {
        try Self.check(completion.code, .perform(handle: handle, errorBuffer: errorBuffer, state: state))
        return try response()
    }

    private func offset(_ info: CURLINFO) throws(CurlError) -> Int64 {
        var value: curl_off_t = 0
        try Self.check(feedd_curl_easy_getinfo_off(handle, info, &value), .info(info))
        return Int64(value)
    }

    private func httpVersion() throws(CurlError) -> String {
        switch try long(CURLINFO_HTTP_VERSION) {
        case CURL_HTTP_VERSION_1_0: return "HTTP/1.0"
        case CURL_HTTP_VERSION_1_1: return "HTTP/1.1"
        case CURL_HTTP_VERSION_2_0: return "HTTP/2"
        case CURL_HTTP_VERSION_3: return "HTTP/3"
        default: return ""
        }
    }

    func long(_ info: CURLINFO) throws(CurlError) -> Int {
        var value = 0
        try Self.check(feedd_curl_easy_getinfo_long(handle, info, &value), .info(info))
        return value
    }

    func string(_ info: CURLINFO) throws(CurlError) -> String? {
        var value: UnsafePointer<CChar>? = nil
        try Self.check(feedd_curl_easy_getinfo_string(handle, info, &value), .info(info))
        return value.map { String(cString: $0) }
    }

    /// Where a `CURLcode` came from, for the error built from it.
    enum Step {
        case option(CURLoption)
        case info(CURLINFO)
        case perform(handle: UnsafeMutableRawPointer, errorBuffer: UnsafePointer<CChar>, state: TransferState)
    }
}
