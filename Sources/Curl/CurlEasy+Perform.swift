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
        return CurlResponse(
            httpStatus: try long(CURLINFO_RESPONSE_CODE),
            effectiveURL: try string(CURLINFO_EFFECTIVE_URL) ?? state.url,
            redirectCount: try long(CURLINFO_REDIRECT_COUNT),
            headers: ResponseHeaders(fields: state.headers),
            body: body
        )
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
