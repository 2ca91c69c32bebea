import Fetcher

extension InputSource {
    /// Fetches an http, https or file URL with a plain GET (timeouts, size limit, TLS verified).
    static func fetch(_ url: String, maxSize: Int, timeout: Int) throws -> InputSource {
        var options = PlainFetch.Options()
        options.maxBodySize = maxSize
        options.totalTimeout = .seconds(timeout)
        options.userAgent = "feedd/\(Feedd.version) (+https://github.com/feedd/feedd)"
        let response: PlainFetch.Response
        do {
            response = try PlainFetch.get(url: url, options: options)
        } catch {
            throw ReadError.io(error.messageWithoutURL)
        }
        return InputSource(bytes: response.body, url: response.finalURL, charset: response.charset)
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
