import FeedModel
import Fetcher
import Platform

extension InputSource {
    /// Fetches an http, https or file URL with the daemon's fetcher (timeouts, size limit, TLS
    /// verified); with `verbose`, describes the request and the responses on standard error.
    static func fetch(_ url: String, maxSize: Int, timeout: Int, verbose: Bool) async throws -> InputSource {
        var limits = FetchLimits()
        limits.maxBodySize = maxSize
        limits.totalTimeout = .seconds(timeout)
        let fetcher: HTTPFetcher
        do {
            fetcher = try HTTPFetcher(configuration: HTTPFetcher.Configuration(limits: limits))
        } catch {
            throw ReadError.io("cannot start the fetcher: \(error)")
        }
        defer { fetcher.shutdown() }
        let request = FetchRequest(url: url)
        if verbose {
            Verbose.printRequest(request, fields: fetcher.requestHeaderFields(for: request), fetcher: fetcher)
        }
        let result = await fetcher.fetch(request)
        if verbose {
            Verbose.printResult(result)
        }
        switch result {
        case .content(let content):
            return InputSource(bytes: content.body, url: content.finalURL, charset: content.charset)
        case .notModified:
            // No validators were sent, so a 304 is the server's mistake.
            throw ReadError.io("HTTP 304 to an unconditional request")
        case .failure(let error):
            throw ReadError.io(error.messageWithoutURL)
        }
    }
}

/// `feedd parse --verbose`: what was sent and what came back, on standard error.
enum Verbose {
    static func printRequest(_ request: FetchRequest, fields: [HTTPHeaderField], fetcher: HTTPFetcher) {
        var lines = ["> GET \(request.url)", "> User-Agent: \(fetcher.configuration.userAgent)"]
        lines += fields.map { "> \($0.name): \($0.value)" }
        lines.append("> Accept-Encoding: (every encoding libcurl decodes)")
        write(lines)
    }

    static func printResult(_ result: FetchResult) {
        var lines: [String] = []
        let hops: [FetchHop]
        switch result {
        case .content(let content): hops = content.hops
        case .notModified(let notModified): hops = notModified.hops
        case .failure: hops = []
        }
        for hop in hops {
            let t = hop.timings
            let version = t.httpVersion.isEmpty ? "" : "\(t.httpVersion) "
            lines.append(
                "< \(version)\(hop.httpStatus == 0 ? "(file)" : String(hop.httpStatus)) \(hop.url) in \(ms(t.total)) "
                    + "(dns \(ms(t.nameLookup)), connect \(ms(t.connect)), tls \(ms(t.tlsHandshake)), "
                    + "first byte \(ms(t.firstByte)))")
        }
        switch result {
        case .content(let content):
            lines.append(
                "< \(content.body.count) bytes of \(content.contentType ?? "unknown type")"
                    + (content.charset.map { "; charset=\($0)" } ?? ""))
            lines += validatorLines(content.validators, cacheHints: content.cacheHints)
            lines += finalURLLines(content.finalURL, hops: hops, isPermanent: content.isPermanentRedirect)
            lines += content.warnings.map { "! \($0)" }
        case .notModified(let notModified):
            lines.append("< not modified")
            lines += validatorLines(notModified.validators, cacheHints: notModified.cacheHints)
            lines += finalURLLines(notModified.finalURL, hops: hops, isPermanent: notModified.isPermanentRedirect)
        case .failure(let error):
            lines.append("! \(error)")
            if !error.detail.isEmpty {
                lines.append("! \(error.detail)")
            }
        }
        write(lines)
    }

    private static func validatorLines(_ validators: Validators, cacheHints: CacheHints) -> [String] {
        var lines = [
            "< ETag: \(validators.etag ?? "(none)")",
            "< Last-Modified: \(validators.lastModified ?? "(none)")",
        ]
        if let maxAge = cacheHints.maxAge {
            lines.append("< max-age: \(maxAge) s")
        }
        if let expires = cacheHints.expires {
            lines.append("< Expires: \(expires.rfc3339)")
        }
        if let retryAfter = cacheHints.retryAfter {
            lines.append("< Retry-After: \(retryAfter)")
        }
        return lines
    }

    private static func finalURLLines(_ finalURL: String, hops: [FetchHop], isPermanent: Bool) -> [String] {
        guard hops.count > 1 else {
            return []
        }
        return ["< final URL \(finalURL) (\(isPermanent ? "permanent" : "temporary") redirect)"]
    }

    private static func ms(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenths = (seconds * 10_000 + attoseconds / 100_000_000_000_000)  // tenths of a millisecond
        return "\(tenths / 10).\(tenths % 10) ms"
    }

    private static func write(_ lines: [String]) {
        try? StandardStream.error.write(lines.map { "feedd: \(URLCredentials.masking(in: $0))\n" }.joined())
    }
}

extension FetchError {
    /// The description without the leading URL, since the CLI names the input itself.
    fileprivate var messageWithoutURL: String {
        let text = description
        let prefix = url + ": "
        return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }
}
