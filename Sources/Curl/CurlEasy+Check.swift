internal import CCurl
internal import Glibc

extension CurlEasy {
    /// Turns every `CURLcode` feedd receives into a `CurlError` with its context, or returns on success.
    static func check(_ code: CURLcode, _ step: Step) throws(CurlError) {
        guard code != CURLE_OK else {
            return
        }
        let codeNumber = Int(code.rawValue)
        let codeText = String(cString: curl_easy_strerror(code))
        switch step {
        case .option(let option):
            let name = curl_easy_option_by_id(option).flatMap { $0.pointee.name }.map { String(cString: $0) }
            throw .option(name: "CURLOPT_" + (name ?? String(option.rawValue)), code: codeNumber, message: codeText)
        case .info(let info):
            throw .info(name: "CURLINFO \(info.rawValue)", code: codeNumber, message: codeText)
        case .perform(let handle, let errorBuffer, let state):
            let bufferText = String(cString: errorBuffer)
            var systemError = 0
            // CURLINFO_OS_ERRNO itself cannot fail on a valid handle; on failure it stays 0.
            if feedd_curl_easy_getinfo_long(handle, CURLINFO_OS_ERRNO, &systemError) != CURLE_OK {
                systemError = 0
            }
            throw .transfer(
                CurlError.Transfer(
                    reason: reason(for: code, handle: handle, message: bufferText, state: state),
                    url: state.url,
                    code: codeNumber,
                    message: bufferText.isEmpty ? codeText : bufferText,
                    systemErrorNumber: systemError,
                    systemErrorText: systemError == 0
                        ? "" : String(cString: strerror(Int32(truncatingIfNeeded: systemError)))
                )
            )
        }
    }

    private static func reason(
        for code: CURLcode,
        handle: UnsafeMutableRawPointer,
        message: String,
        state: TransferState
    ) -> CurlError.Reason {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .resolve
        case CURLE_COULDNT_CONNECT:
            return .connect
        case CURLE_OPERATION_TIMEDOUT:
            // libcurl uses one code for all three limits. The low-speed check words its message
            // "Operation too slow"; a transfer that never connected hit the connect timeout.
            if message.contains("too slow") {
                return .timeout(.lowSpeed)
            }
            var connectTime: curl_off_t = 0
            let hasConnectTime = feedd_curl_easy_getinfo_off(handle, CURLINFO_CONNECT_TIME_T, &connectTime) == CURLE_OK
            return .timeout(hasConnectTime && connectTime == 0 ? .connect : .total)
        case CURLE_TOO_MANY_REDIRECTS:
            return .tooManyRedirects
        case CURLE_UNSUPPORTED_PROTOCOL:
            return .unsupportedProtocol
        case CURLE_URL_MALFORMAT:
            return .malformedURL
        case CURLE_WRITE_ERROR where state.exceededBodyLimit:
            return .bodyTooLarge(limit: state.maxBodySize)
        case CURLE_OUT_OF_MEMORY where state.body.isEmpty:
            // Before any body byte, libcurl reports a header line past its limit as out of memory.
            return .headerTooLarge(limit: CurlError.maxHeaderLine)
        case CURLE_RECV_ERROR where message.hasPrefix("Too large response headers"):
            return .headerTooLarge(limit: CurlError.maxHeaderSection)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CLIENTCERT:
            return .tls
        default:
            return .other
        }
    }
}
