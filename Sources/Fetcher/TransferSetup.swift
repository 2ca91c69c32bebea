internal import Curl

/// Sets up an easy handle for one hop of a transfer; runs on the driver thread.
enum TransferSetup {
    static func configure(
        _ easy: inout CurlEasy,
        for transfer: Transfer,
        configuration: HTTPFetcher.Configuration
    ) throws(CurlError) {
        let request = transfer.pending.request
        let limits = transfer.limits
        try easy.reset()
        try easy.setURL(transfer.url)
        // file:// only as the request's own URL; redirects are followed here, never by libcurl.
        try easy.setAllowedProtocols(transfer.target.scheme == "file" ? ["file"] : ["http", "https"])
        try easy.setConnectTimeout(limits.connectTimeout)
        let remaining = transfer.remainingTime()
        guard remaining > .zero else {
            throw CurlError.transfer(
                CurlError.Transfer(
                    reason: .timeout(.total),
                    url: transfer.url,
                    code: 28,
                    message: "the redirects took longer than the total timeout"
                )
            )
        }
        try easy.setTimeout(remaining)
        try easy.setLowSpeedLimit(bytesPerSecond: limits.lowSpeedLimit, for: limits.lowSpeedTime)
        try easy.setUserAgent(configuration.userAgent)
        try easy.setAcceptAllEncodings()
        try easy.setWaitForMultiplexing()
        easy.setMaxBodySize(limits.maxBodySize)
        let fields = headerFields(for: request, configuration: configuration, isSameOrigin: transfer.isSameOrigin)
        try easy.setRequestHeaders(fields.map { HeaderField(name: $0.name, value: $0.value) })
        if let proxy = request.proxy {
            try easy.setProxy(proxy)
        }
        if let credential = request.credential, transfer.isSameOrigin {
            try easy.setBasicAuth(username: credential.username, password: credential.password)
        }
        if request.insecureSkipTLSVerify {
            try easy.disableTLSVerification()
        }
    }

    /// `Accept`, the conditional fields and the request's own fields (which win over ours by
    /// name). After a redirect to another origin, `Authorization` and `Cookie` are left out.
    static func headerFields(
        for request: FetchRequest,
        configuration: HTTPFetcher.Configuration,
        isSameOrigin: Bool
    ) -> [HTTPHeaderField] {
        var fields: [HTTPHeaderField] = []
        fields.reserveCapacity(3 + request.headers.count)
        let own = Set(request.headers.map { $0.name.lowercased() })
        if !own.contains("accept") {
            fields.append(HTTPHeaderField(name: "Accept", value: configuration.accept))
        }
        if let etag = request.validators.etag, !own.contains("if-none-match") {
            fields.append(HTTPHeaderField(name: "If-None-Match", value: etag))
        }
        if let lastModified = request.validators.lastModified, !own.contains("if-modified-since") {
            fields.append(HTTPHeaderField(name: "If-Modified-Since", value: lastModified))
        }
        for field in request.headers {
            let name = field.name.lowercased()
            if !isSameOrigin, name == "authorization" || name == "cookie" {
                continue
            }
            fields.append(field)
        }
        return fields
    }
}

extension FetchError {
    /// Classifies a libcurl failure of `transfer` for people: what went wrong, in the terms of the fetch.
    init(_ error: CurlError, transfer: Transfer) {
        let url = transfer.pending.request.url
        guard case .transfer(let failure) = error else {
            self = .other(url: url, detail: error.description)
            return
        }
        let detail = "curl error \(failure.code): \(failure.message)"
        let limits = transfer.limits
        switch failure.reason {
        case .resolve:
            self = .dns(url: url, detail: detail)
        case .connect:
            let reason = failure.systemErrorText.isEmpty ? "could not connect" : failure.systemErrorText.lowercased()
            self = .connect(url: url, reason: reason, detail: detail)
        case .tls:
            self = .tls(url: url, detail: detail)
        case .timeout(.connect):
            self = .timeout(url: url, kind: .connect, limit: limits.connectTimeout, detail: detail)
        case .timeout(.total):
            self = .timeout(url: url, kind: .total, limit: limits.totalTimeout, detail: detail)
        case .timeout(.lowSpeed):
            self = .timeout(url: url, kind: .lowSpeed, limit: limits.lowSpeedTime, detail: detail)
        case .bodyTooLarge(let limit):
            self = .tooLarge(url: url, limit: limit)
        case .headerTooLarge(let limit):
            let what = limit == CurlError.maxHeaderLine ? "a response header line" : "the response headers"
            self = .other(
                url: url, detail: "\(what) too large (over \(limit) bytes); the server sends a broken response")
        case .tooManyRedirects:
            self = .tooManyRedirects(url: url, limit: limits.maxRedirects)
        case .unsupportedProtocol:
            self = .other(url: url, detail: "URL scheme not allowed (use http, https or file)")
        case .malformedURL:
            self = .other(url: url, detail: "not a valid URL (\(failure.message))")
        case .other:
            self = .other(url: url, detail: failure.message)
        }
    }
}
