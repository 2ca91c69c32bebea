internal import Crypto
internal import Curl
public import FeedModel
public import Platform

/// POSTs (or PUTs) each delivery to a URL through libcurl: the payload JSON by default, or a
/// Mustache template rendered with the delivery.
///
/// Every request carries `X-Feedd-Delivery` (the delivery id, the same on every retry),
/// `X-Feedd-Attempt`, `X-Feedd-Event`, `X-Feedd-Key` (the item key; absent for batches) and,
/// with a signing secret, `X-Feedd-Signature: sha256=<hex HMAC-SHA256 of the body>`.
/// TLS is always verified; redirects are not followed (a moved endpoint is a configuration error).
///
/// Outcomes: 2xx delivered; 408, 429, 5xx and transport failures retried (after `Retry-After`
/// when the response gives one); other statuses permanent.
public struct WebhookHook: Hook {
    /// One request header; its value may come from a file or the environment.
    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: SecretSource

        public init(name: String, value: SecretSource) {
            self.name = name
            self.value = value
        }
    }

    /// The settings of a `webhook` hook (config keys in parentheses).
    public struct Configuration: Sendable, Hashable {
        /// An http or https URL (`url`).
        public var url: String
        /// `POST` (default) or `PUT` (`method`).
        public var method: String
        /// A Mustache template for the body (`template`); nil sends the payload JSON.
        public var template: String?
        /// The body's `Content-Type` (`content_type`, default `application/json`).
        public var contentType: String
        /// How `{{name}}` escapes in the template (`template_escape`); nil picks it from the content type.
        public var templateEscaping: TemplateEscaping?
        /// Extra headers (`headers`), e.g. `Authorization` from a file.
        public var headers: [Header]
        /// The HMAC-SHA256 key of `X-Feedd-Signature` (`secret`); no signature when nil.
        public var signingSecret: SecretSource?
        /// The whole request (`timeout`, default 30 s) and the connection (`connect_timeout`, 10 s).
        public var timeout: Duration
        public var connectTimeout: Duration
        /// The most response body bytes read (for the log); more fails nothing, it is cut (64 KiB).
        public var maxResponseSize: Int
        public var userAgent: String

        public init(
            url: String,
            method: String = "POST",
            template: String? = nil,
            contentType: String = "application/json",
            templateEscaping: TemplateEscaping? = nil,
            headers: [Header] = [],
            signingSecret: SecretSource? = nil,
            timeout: Duration = .seconds(30),
            connectTimeout: Duration = .seconds(10),
            maxResponseSize: Int = 64 * 1024,
            userAgent: String = "feedd/0.1.0 (+https://github.com/feedd/feedd)"
        ) {
            self.url = url
            self.method = method
            self.template = template
            self.contentType = contentType
            self.templateEscaping = templateEscaping
            self.headers = headers
            self.signingSecret = signingSecret
            self.timeout = timeout
            self.connectTimeout = connectTimeout
            self.maxResponseSize = maxResponseSize
            self.userAgent = userAgent
        }
    }

    public let name: String
    public let configuration: Configuration
    private let template: WebhookTemplate?
    private let clock: any TimeSource
    /// Handles kept between deliveries, with their open connections to the endpoint.
    private let connections = EasyPool(capacity: 4)

    /// Checks the settings and parses the template.
    public init(name: String, configuration: Configuration, clock: any TimeSource = SystemClock()) throws(HookError) {
        let lower = configuration.url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            throw .invalidSetting(hook: name, key: "url", reason: "must be an http or https URL")
        }
        guard ["POST", "PUT"].contains(configuration.method) else {
            throw .invalidSetting(hook: name, key: "method", reason: "must be POST or PUT")
        }
        for header in configuration.headers {
            let isValid = !header.name.isEmpty && !header.name.contains { $0 == ":" || $0.isWhitespace }
            guard isValid else {
                throw .invalidSetting(hook: name, key: "headers", reason: "\"\(header.name)\" is not a header name")
            }
        }
        self.name = name
        self.configuration = configuration
        self.clock = clock
        if let source = configuration.template {
            let escaping = configuration.templateEscaping ?? .matching(contentType: configuration.contentType)
            template = try WebhookTemplate(source, escaping: escaping, hook: name)
        } else {
            template = nil
        }
    }

    /// The body sent for `delivery`: the rendered template or the payload JSON.
    public func body(for delivery: Delivery) -> [UInt8] {
        guard let template else { return HookPayload.json(for: delivery) }
        return Array(template.render(delivery).utf8)
    }

    /// `sha256=` and the lower-case hex HMAC-SHA256 of `body` under `secret`.
    public static func signature(of body: [UInt8], secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        let digits = Array("0123456789abcdef".unicodeScalars)
        var hex = "sha256="
        for byte in code {
            hex.unicodeScalars.append(digits[Int(byte >> 4)])
            hex.unicodeScalars.append(digits[Int(byte & 0xF)])
        }
        return hex
    }

    public func deliver(_ delivery: Delivery) async -> DeliveryOutcome {
        let body = body(for: delivery)
        var headers = [
            HeaderField(name: "Content-Type", value: configuration.contentType),
            HeaderField(name: "X-Feedd-Delivery", value: delivery.id),
            HeaderField(name: "X-Feedd-Attempt", value: String(delivery.attempt)),
            HeaderField(name: "X-Feedd-Event", value: delivery.event.rawValue),
        ]
        if case .item(let item) = delivery.content {
            headers.append(HeaderField(name: "X-Feedd-Key", value: item.key))
        }
        do throws(SecretError) {
            for header in configuration.headers {
                let value = try header.value.resolve()
                // A line break in a header value would split the request: refuse rather than send.
                guard !value.contains(where: \.isNewline) else {
                    return .retry(
                        after: nil, reason: "header \(header.name) from \(header.value) contains a line break")
                }
                headers.removeAll { $0.name.lowercased() == header.name.lowercased() }
                headers.append(HeaderField(name: header.name, value: value))
            }
            if let secret = configuration.signingSecret {
                headers.append(
                    HeaderField(
                        name: "X-Feedd-Signature", value: Self.signature(of: body, secret: try secret.resolve())))
            }
        } catch {
            return .retry(after: nil, reason: error.description)
        }
        let request = WebhookTransport.Request(
            url: configuration.url, method: configuration.method, headers: headers, body: body,
            userAgent: configuration.userAgent, connectTimeout: configuration.connectTimeout,
            timeout: configuration.timeout, maxResponseSize: configuration.maxResponseSize)
        switch await WebhookTransport.send(request, pool: connections) {
        case .success(let response):
            return outcome(of: response)
        case .failure(let error):
            return outcome(of: error)
        }
    }

    private func outcome(of response: CurlResponse) -> DeliveryOutcome {
        let status = response.httpStatus
        let snippet = Self.snippet(response.body)
        let detail = "HTTP \(status)" + (snippet.isEmpty ? "" : ": \(snippet)")
        switch status {
        case 200...299:
            return .delivered(detail)
        case 408, 429, 500...599:
            let wait = response.headers["Retry-After"].flatMap { RetryAfter(header: $0) }?.wait(from: clock.now())
            return .retry(after: wait, reason: detail)
        case 300...399:
            let location = response.headers["Location"].map { " to \($0)" } ?? ""
            return .permanent(reason: "HTTP \(status): the webhook URL redirects\(location); configure the new URL")
        default:
            return .permanent(reason: detail)
        }
    }

    private func outcome(of error: CurlError) -> DeliveryOutcome {
        if case .transfer(let transfer) = error {
            switch transfer.reason {
            case .malformedURL, .unsupportedProtocol:
                return .permanent(reason: error.description)
            case .bodyTooLarge:
                // The receiver answered; only its body was longer than we read. Its status is unknown.
                return .retry(after: nil, reason: error.description)
            default:
                return .retry(after: nil, reason: error.description)
            }
        }
        return .retry(after: nil, reason: error.description)
    }

    /// The start of a response body, on one line, for the log.
    static func snippet(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(300), as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingTrailingWhitespace
    }
}
