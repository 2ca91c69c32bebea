import Fetcher
import Foundation
import TestSupport
import Testing

/// TLS against a real TLS server on 127.0.0.1 (Python's `ssl` module, with a self-signed certificate
/// committed under `Fixtures/tls`, made with
/// `openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1`).
@Suite("HTTPFetcher: TLS")
struct HTTPFetcherTLSTests {
    static let server = """
        import http.server, ssl, sys
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b"<rss version='2.0'><channel><title>over tls</title></channel></rss>"
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
        server.socket = context.wrap_socket(server.socket, server_side=True)
        with open(sys.argv[3] + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        import os
        os.rename(sys.argv[3] + ".tmp", sys.argv[3])
        server.serve_forever()
        """

    /// Runs `body` with the TLS server running and its port (which it writes to a file in `directory`);
    /// the server is ended when `body` returns or throws.
    static func withServer(in directory: URL, _ body: (Int) async throws -> Void) async throws {
        let portFile = directory.appendingPathComponent("port")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c", server, try Fixtures.url("tls/self-signed.crt").path,
            try Fixtures.url("tls/self-signed.key").path, portFile.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try await ProcessRunner.withRunning(process) {
            for _ in 0..<200 {
                if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) {
                    try await body(port)
                    return
                }
                if !process.isRunning { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw TLSServerError(output: process.isRunning ? "no port after 10 s" : "python3 exited")
        }
    }

    struct TLSServerError: Error, CustomStringConvertible {
        var output: String
        var description: String { "the TLS test server did not start (python3 printed \"\(output)\")" }
    }

    @Test("a self-signed certificate fails with a TLS error; turning verification off fetches it, with a warning")
    func selfSignedCertificate() async throws {
        try await withTemporaryDirectory { directory in
            try await Self.withServer(in: directory.url) { port in try await Self.checkSelfSigned(port: port) }
        }
    }

    static func checkSelfSigned(port: Int) async throws {
        try await withFetcher { fetcher in
            let url = "https://127.0.0.1:\(port)/feed.xml"
            let refused = await fetcher.fetch(url)
            guard case .failure(let error) = refused, case .tls = error else {
                Issue.record("expected a TLS failure, got \(refused)")
                return
            }
            #expect(error.description.contains(url))

            let insecure = await fetcher.fetch(FetchRequest(url: url, insecureSkipTLSVerify: true))
            guard case .content(let content) = insecure else {
                Issue.record("expected content, got \(insecure)")
                return
            }
            #expect(String(decoding: content.body, as: UTF8.self).contains("over tls"))
            #expect(content.warnings == [.tlsVerificationSkipped])
        }
    }
}
