internal import CCurl

/// The parts of a URL that decide where a request goes, as libcurl itself reads them
/// (`curl_url`), so that politeness keys and scheme checks agree with the transfer.
public struct CurlURL: Sendable, Hashable {
    /// The lowercased scheme, e.g. `https`.
    public var scheme: String
    /// The host name or address as libcurl normalized it; empty for `file://`.
    public var host: String
    /// The port, with the scheme's default filled in; 0 for `file://`.
    public var port: Int

    /// Parses `url`; nil when libcurl cannot read it as a URL with a scheme.
    public init?(_ url: String) {
        guard let handle = curl_url() else {
            return nil
        }
        defer { curl_url_cleanup(handle) }
        // CURLU_NON_SUPPORT_SCHEME: read any scheme, so that callers can refuse it by name.
        guard curl_url_set(handle, CURLUPART_URL, url, UInt32(1 << 3)) == CURLUE_OK,
            let scheme = Self.part(handle, CURLUPART_SCHEME, flags: 0)
        else {
            return nil
        }
        self.scheme = scheme.lowercased()
        self.host = Self.part(handle, CURLUPART_HOST, flags: 0)?.lowercased() ?? ""
        // CURLU_DEFAULT_PORT: the scheme's port when the URL gives none.
        self.port = Self.part(handle, CURLUPART_PORT, flags: UInt32(1 << 0)).flatMap { Int($0) } ?? 0
    }

    /// `host:port`, the key of per-host politeness.
    public var hostKey: String {
        "\(host):\(port)"
    }

    private static func part(_ handle: OpaquePointer, _ part: CURLUPart, flags: UInt32) -> String? {
        var value: UnsafeMutablePointer<CChar>? = nil
        guard curl_url_get(handle, part, &value, flags) == CURLUE_OK, let value else {
            return nil
        }
        defer { curl_free(value) }
        return String(cString: value)
    }
}
