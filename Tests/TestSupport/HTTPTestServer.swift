import FlyingFox
import FlyingSocks
import Foundation
import Synchronization

/// A scripted HTTP server on 127.0.0.1 with a port the kernel picks, for tests.
///
/// Each path answers with a scripted response (status, headers, body, optional delay) or a
/// closure; any other path answers 404. Every request is recorded with when it arrived and when
/// its answer was handed over, so tests can check what the client sent, how often and when.
///
/// ```swift
/// let server = HTTPTestServer()
/// await server.route("/feed.xml", .text("<rss/>", contentType: "application/rss+xml"))
/// let baseURL = try await server.start()
/// defer { Task { await server.stop() } }   // or use `HTTPTestServer.withRunning`
/// ```
package actor HTTPTestServer {
    private let routes: RouteTable
    private var server: HTTPServer?
    private var runTask: Task<Void, any Error>?
    private var baseURL: String?

    /// A server; `probe`, when given, also counts this server's requests in flight (share one
    /// probe between servers to count across them).
    package init(probe: ConcurrencyProbe? = nil) {
        routes = RouteTable(sharedProbe: probe)
    }

    /// Answers requests for `path` (no query string) with `response`, replacing any earlier route.
    package func route(_ path: String, _ response: ScriptedResponse) async {
        await routes.set(path) { _ in response }
    }

    /// Answers requests for `path` with whatever `respond` returns for the request.
    package func route(
        _ path: String,
        respond: @escaping @Sendable (RecordedRequest) -> ScriptedResponse
    ) async {
        await routes.set(path, respond)
    }

    /// Starts listening and returns the base URL, `http://127.0.0.1:PORT` without a trailing slash.
    package func start() async throws -> String {
        if let baseURL {
            return baseURL
        }
        let server = HTTPServer(
            address: try .inet(ip4: "127.0.0.1", port: 0),
            timeout: 30,
            logger: .disabled,
            handler: Dispatcher(routes: routes)
        )
        let runTask = Task { try await server.run() }
        self.server = server
        self.runTask = runTask
        do {
            try await server.waitUntilListening()
        } catch {
            runTask.cancel()
            self.server = nil
            self.runTask = nil
            throw error
        }
        guard case .ip4(_, let port) = await server.listeningAddress else {
            await stop()
            throw TestServerError.noListeningAddress
        }
        let baseURL = "http://127.0.0.1:\(port)"
        self.baseURL = baseURL
        return baseURL
    }

    /// Closes the listening socket, cancels requests still in progress and waits for the server to end.
    package func stop() async {
        guard let server, let runTask else {
            return
        }
        self.server = nil
        self.runTask = nil
        self.baseURL = nil
        await server.stop(timeout: 0)
        runTask.cancel()
        _ = await runTask.result
    }

    /// Every request received so far, in order of arrival.
    package var requests: [RecordedRequest] {
        get async { await routes.requests }
    }

    /// The requests received for `path`, in order.
    package func requests(for path: String) async -> [RecordedRequest] {
        await routes.requests.filter { $0.path == path }
    }

    /// How many requests arrived for `path`.
    package func hits(_ path: String) async -> Int {
        await requests(for: path).count
    }

    /// The most requests for `path` that were being answered at the same time: from arrival
    /// until the response (after any `delay`) was handed to the connection.
    package func maxConcurrent(_ path: String) -> Int {
        routes.probe(for: path).maximum
    }

    /// Starts a server, lets `configure` script it, runs `body` with it and its base URL, and
    /// stops it afterwards, even when `body` throws.
    package static func withRunning<Result: Sendable>(
        _ body: (HTTPTestServer, String) async throws -> Result
    ) async throws -> Result {
        let server = HTTPTestServer()
        let baseURL = try await server.start()
        do {
            let result = try await body(server, baseURL)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }
}

/// Errors of the test server itself.
package enum TestServerError: Error, CustomStringConvertible {
    case noListeningAddress

    package var description: String {
        switch self {
        case .noListeningAddress:
            "the test HTTP server is not listening on an IPv4 address"
        }
    }
}

/// Counts requests in flight and remembers the most seen at once; thread-safe.
package final class ConcurrencyProbe: Sendable {
    private let counts = Mutex((current: 0, maximum: 0))

    package init() {}

    /// The most requests in flight at once so far.
    package var maximum: Int {
        counts.withLock { $0.maximum }
    }

    func enter() {
        counts.withLock { counts in
            counts.current += 1
            counts.maximum = max(counts.maximum, counts.current)
        }
    }

    func leave() {
        counts.withLock { $0.current -= 1 }
    }
}

/// The route table and the request log, shared by the server actor and the request handler.
private actor RouteTable {
    private var handlers: [String: @Sendable (RecordedRequest) -> ScriptedResponse] = [:]
    private(set) var requests: [RecordedRequest] = []
    /// In-flight counters per path, and the one shared with other servers; the `Mutex` guards the map.
    nonisolated private let probes = Mutex<[String: ConcurrencyProbe]>([:])
    nonisolated let sharedProbe: ConcurrencyProbe?

    init(sharedProbe: ConcurrencyProbe?) {
        self.sharedProbe = sharedProbe
    }

    nonisolated func probe(for path: String) -> ConcurrencyProbe {
        probes.withLock { probes in
            if let probe = probes[path] {
                return probe
            }
            let probe = ConcurrencyProbe()
            probes[path] = probe
            return probe
        }
    }

    func set(_ path: String, _ handler: @escaping @Sendable (RecordedRequest) -> ScriptedResponse) {
        handlers[path] = handler
    }

    /// Logs `request` and returns its index in the log with the scripted answer.
    func record(_ request: RecordedRequest) -> (Int, ScriptedResponse) {
        requests.append(request)
        let index = requests.count - 1
        guard let handler = handlers[request.path] else {
            return (
                index,
                ScriptedResponse(status: 404, headers: ["Content-Type": "text/plain"], body: Array("not found".utf8))
            )
        }
        return (index, handler(request))
    }

    /// Notes when the answer to request `index` was handed to the connection.
    func answered(_ index: Int, at instant: ContinuousClock.Instant) {
        requests[index].answered = instant
    }
}

/// FlyingFox's handler for every path: records the request, then answers from the route table.
private struct Dispatcher: HTTPHandler {
    let routes: RouteTable

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        var headers: [TestHeader] = []
        for (name, value) in request.headers {
            headers.append(TestHeader(name: name.rawValue, value: value))
        }
        let body = try await request.bodyData
        let recorded = RecordedRequest(
            method: request.method.rawValue,
            path: request.path,
            query: request.query.map { ($0.name, $0.value) }.map { "\($0)=\($1)" }.joined(separator: "&"),
            headers: headers,
            body: [UInt8](body),
            clientPort: clientPort(of: request.remoteAddress),
            arrivedAt: Date().timeIntervalSince1970
        )
        let probe = routes.probe(for: recorded.path)
        probe.enter()
        routes.sharedProbe?.enter()
        defer {
            probe.leave()
            routes.sharedProbe?.leave()
        }
        let (index, scripted) = await routes.record(recorded)
        if let delay = scripted.delay {
            try await Task.sleep(for: delay)
        }
        await routes.answered(index, at: .now)
        var responseHeaders = HTTPHeaders()
        for field in scripted.headers {
            responseHeaders.addValue(field.value, for: HTTPHeader(field.name))
        }
        let status = HTTPStatusCode(scripted.status, phrase: scripted.reasonPhrase)
        if scripted.isEndless {
            return HTTPResponse(
                statusCode: status,
                headers: responseHeaders,
                body: HTTPBodySequence(from: EndlessBody(), suggestedBufferSize: 64 * 1024)
            )
        }
        guard let trickle = scripted.trickle else {
            return HTTPResponse(statusCode: status, headers: responseHeaders, body: Data(scripted.body))
        }
        return HTTPResponse(
            statusCode: status,
            headers: responseHeaders,
            body: HTTPBodySequence(
                from: TrickledBody(bytes: scripted.body, trickle: trickle),
                count: scripted.body.count,
                suggestedBufferSize: trickle.chunkSize
            )
        )
    }
}

/// A body that yields `trickle.chunkSize` bytes at a time, pausing `trickle.interval` between pieces.
private struct TrickledBody: AsyncBufferedSequence {
    typealias Element = UInt8

    let bytes: [UInt8]
    let trickle: ScriptedResponse.Trickle

    func makeAsyncIterator() -> Iterator {
        Iterator(bytes: bytes[...], trickle: trickle)
    }

    struct Iterator: AsyncBufferedIteratorProtocol {
        var bytes: ArraySlice<UInt8>
        let trickle: ScriptedResponse.Trickle
        var isFirst = true

        mutating func next() async throws -> UInt8? {
            try await nextBuffer(suggested: 1)?.first
        }

        mutating func nextBuffer(suggested count: Int) async throws -> ArraySlice<UInt8>? {
            guard !bytes.isEmpty else {
                return nil
            }
            if !isFirst {
                try await Task.sleep(for: trickle.interval)
            }
            isFirst = false
            let piece = bytes.prefix(Swift.min(Swift.max(count, 1), trickle.chunkSize))
            bytes = bytes.dropFirst(piece.count)
            return piece
        }
    }
}

/// A body of zero bytes that never ends (sent chunked), to test body-size limits.
private struct EndlessBody: AsyncBufferedSequence {
    typealias Element = UInt8

    func makeAsyncIterator() -> Iterator {
        Iterator()
    }

    struct Iterator: AsyncBufferedIteratorProtocol {
        let chunk = [UInt8](repeating: 0, count: 64 * 1024)[...]

        mutating func next() async throws -> UInt8? {
            0
        }

        mutating func nextBuffer(suggested count: Int) async throws -> ArraySlice<UInt8>? {
            try Task.checkCancellation()
            return chunk
        }
    }
}

/// The client's TCP port, which tells one connection from another.
private func clientPort(of address: HTTPRequest.Address?) -> Int? {
    switch address {
    case .ip4(_, let port), .ip6(_, let port): return Int(port)
    default: return nil
    }
}
