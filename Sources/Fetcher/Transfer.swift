internal import Curl

/// One fetch on the driver thread: where it is in its redirect chain and what it has learnt.
/// Confined to the driver thread.
final class Transfer {
    let pending: PendingFetch
    let limits: FetchLimits
    /// The URL of the current hop and its parts.
    private(set) var url: String
    private(set) var target: CurlURL
    /// The easy handle while the current hop is in flight.
    var slot: EasySlot?
    /// Every response so far.
    private(set) var hops: [FetchHop] = []
    /// Still true while every redirect so far was 301 or 308.
    private var isPermanent = true
    /// False once a redirect left the request URL's scheme, host and port: credentials stay behind.
    private(set) var isSameOrigin = true
    /// When the first hop started, for the total timeout of the whole chain.
    private var firstStart: ContinuousClock.Instant?

    init(pending: PendingFetch, target: CurlURL, limits: FetchLimits) {
        self.pending = pending
        self.limits = limits
        self.url = pending.request.url
        self.target = target
    }

    /// What is left of the total timeout for the hop about to start; starts the clock on the first.
    func remainingTime() -> Duration {
        let now = ContinuousClock.now
        guard let firstStart else {
            firstStart = now
            return limits.totalTimeout
        }
        return limits.totalTimeout - (now - firstStart)
    }

    /// What to do after a response: deliver a result, or go on to the redirect's target.
    enum Next {
        case finished(FetchResult)
        case redirect
    }

    func next(after response: CurlResponse) -> Next {
        let status = response.httpStatus
        hops.append(FetchHop(url: url, httpStatus: status, timings: FetchTimings(response.timings)))
        let request = pending.request
        switch status {
        case 301, 302, 303, 307, 308:
            guard let location = response.redirectURL else {
                return .finished(.failure(.httpStatus(url: request.url, code: status, retryAfter: nil)))
            }
            return redirect(to: location, status: status)
        case 304:
            let summary = ResponseSummary(response.headers)
            var validators = summary.validators
            if validators.isEmpty {
                validators = request.validators
            }
            return .finished(
                .notModified(
                    NotModified(
                        finalURL: url,
                        isPermanentRedirect: isPermanentRedirect,
                        validators: validators,
                        cacheHints: summary.cacheHints,
                        hops: hops,
                        warnings: warnings
                    )
                )
            )
        case 0, 200..<300:
            let summary = ResponseSummary(response.headers)
            let mediaType = summary.contentType.flatMap(MediaType.init(headerValue:))
            return .finished(
                .content(
                    FetchedContent(
                        body: response.body,
                        finalURL: url,
                        isPermanentRedirect: isPermanentRedirect,
                        httpStatus: status == 0 ? nil : status,
                        validators: status == 0 ? Validators() : summary.validators,
                        contentType: mediaType?.type,
                        charset: mediaType?.charset,
                        cacheHints: summary.cacheHints,
                        hops: hops,
                        warnings: warnings
                    )
                )
            )
        default:
            let retryAfter = ResponseSummary(response.headers).cacheHints.retryAfter
            return .finished(.failure(.httpStatus(url: request.url, code: status, retryAfter: retryAfter)))
        }
    }

    private func redirect(to location: String, status: Int) -> Next {
        let request = pending.request
        guard hops.count <= limits.maxRedirects else {
            return .finished(.failure(.tooManyRedirects(url: request.url, limit: limits.maxRedirects)))
        }
        guard let next = CurlURL(location), next.scheme == "http" || next.scheme == "https" else {
            return .finished(.failure(.forbiddenRedirect(url: request.url, target: location)))
        }
        guard location != request.url, !hops.contains(where: { $0.url == location }) else {
            return .finished(.failure(.redirectLoop(url: request.url, target: location)))
        }
        if status != 301, status != 308 {
            isPermanent = false
        }
        if next.scheme != target.scheme || next.host != target.host || next.port != target.port {
            isSameOrigin = false
        }
        url = location
        target = next
        return .redirect
    }

    private var isPermanentRedirect: Bool {
        hops.count > 1 && isPermanent
    }

    private var warnings: [FetchWarning] {
        pending.request.insecureSkipTLSVerify ? [.tlsVerificationSkipped] : []
    }
}

extension FetchTimings {
    init(_ timings: CurlTimings) {
        self.init(
            nameLookup: timings.nameLookup,
            connect: timings.connect,
            tlsHandshake: timings.tlsHandshake,
            firstByte: timings.firstByte,
            total: timings.total,
            httpVersion: timings.httpVersion
        )
    }
}
