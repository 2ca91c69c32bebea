import FlyingFox
import Foundation
import TestSupport
import Testing

@testable import Daemon

/// docs/openapi.yaml against the listener's route table (`StatusRoute`): a valid OpenAPI 3.1 document
/// (Python's openapi-spec-validator, which scripts/setup installs) whose paths and methods are exactly
/// the routes served.
@Suite("OpenAPI description")
struct OpenAPITests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")

    /// Validates the file and prints one `METHOD path` line per operation.
    static let script = """
        import sys, yaml
        from openapi_spec_validator import validate
        with open(sys.argv[1]) as f:
            spec = yaml.safe_load(f)
        validate(spec)
        methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
        for path, item in spec["paths"].items():
            for method in item:
                if method in methods:
                    print(method.upper(), path)
        """

    @Test("docs/openapi.yaml is valid OpenAPI 3.1 and describes exactly the routes the listener serves")
    func describesEveryRoute() async throws {
        let result = try await ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", "-c", Self.script, Self.file.path])
        #expect(result.status == 0, "openapi-spec-validator (scripts/setup installs it): \(result.stderrText)")
        let described = Set(result.stdoutText.split(separator: "\n").map(String.init))
        // HEAD is answered for every GET route and not described separately.
        let served = Set(StatusRoute.allCases.map { "\($0.method.rawValue) \($0.template)" })
        #expect(described.subtracting(served).isEmpty, "described, not served: \(described.subtracting(served))")
        #expect(served.subtracting(described).isEmpty, "served, not described: \(served.subtracting(described))")
        #expect(served.count == StatusRoute.allCases.count)
    }

    @Test("the route table: templates match paths and name their parameter; a wrong method is told apart")
    func routeMatching() {
        #expect(StatusRoute.match("/health").route(for: .GET) == .health)
        #expect(StatusRoute.match("/health").route(for: .HEAD) == .health)
        #expect(StatusRoute.match("/health").route(for: .POST) == nil)
        #expect(StatusRoute.match("/health").allowed == "GET, HEAD")
        let poll = StatusRoute.match("/api/feeds/lwn.net/poll")
        #expect(poll.route(for: .POST) == .pollFeed)
        #expect(poll.name == "lwn.net")
        #expect(StatusRoute.match("/api/held/a%2Db/drop").name == "a-b")
        #expect(StatusRoute.match("/api/feeds//poll").routes.isEmpty)
        #expect(StatusRoute.match("/api/feeds/a/poll/x").routes.isEmpty)
        #expect(StatusRoute.match("/nothing").routes.isEmpty)
    }

    @Test("the token comparison: equal only when every byte and the length match")
    func constantTimeEquals() {
        let token = Array("abc123".utf8)
        #expect(ListenerAuth.constantTimeEquals(token, token))
        #expect(!ListenerAuth.constantTimeEquals(Array("abc124".utf8), token))
        #expect(!ListenerAuth.constantTimeEquals(Array("abc".utf8), token))
        #expect(!ListenerAuth.constantTimeEquals(Array("abc123abc123".utf8), token))
        #expect(!ListenerAuth.constantTimeEquals([], token))
        #expect(ListenerAuth.bearer("Bearer abc123") == "abc123")
        #expect(ListenerAuth.bearer("bearer  abc123 ") == "abc123")
        #expect(ListenerAuth.bearer("Basic YWxhZGRpbjpvcGVuc2VzYW1l") == nil)
        #expect(ListenerAuth.bearer("Bearer ") == nil)
        #expect(ListenerAuth.bearer(nil) == nil)
    }
}
