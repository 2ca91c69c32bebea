/// One response header line, as received.
public struct HeaderField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The header fields of one response, in order of arrival.
public struct ResponseHeaders: Sendable, Hashable {
    public var fields: [HeaderField]

    public init(fields: [HeaderField] = []) {
        self.fields = fields
    }

    /// The first value of the field `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        let wanted = name.lowercased()
        return fields.first { $0.name.lowercased() == wanted }?.value
    }

    /// Every value of the field `name`, compared case-insensitively, in order.
    public func values(for name: String) -> [String] {
        let wanted = name.lowercased()
        return fields.filter { $0.name.lowercased() == wanted }.map(\.value)
    }
}

/// What a finished transfer delivered.
public struct CurlResponse: Sendable {
    /// The status of the final response; `0` for protocols without one (`file://`).
    public var httpStatus: Int
    /// The URL of the final response, after redirects.
    public var effectiveURL: String
    /// How many redirects were followed.
    public var redirectCount: Int
    /// The header fields of the final response only (not of redirects or interim responses).
    public var headers: ResponseHeaders
    /// The body, decoded from any `Content-Encoding`.
    public var body: [UInt8]

    public init(httpStatus: Int, effectiveURL: String, redirectCount: Int, headers: ResponseHeaders, body: [UInt8]) {
        self.httpStatus = httpStatus
        self.effectiveURL = effectiveURL
        self.redirectCount = redirectCount
        self.headers = headers
        self.body = body
    }
}
