import Fetcher
import Foundation
import TestSupport
import Testing

/// HTTP/2 against a real nginx on 127.0.0.1 (TLS with the self-signed certificate of `Fixtures/tls`, ALPN
/// `h2`): concurrent requests to one host share one multiplexed connection. `scripts/setup` installs nginx.
@Suite("HTTPFetcher: HTTP/2 multiplexing")
struct HTTPFetcherHTTP2Tests {
    static let nginx = "/usr/sbin/nginx"

    /// A port nobody listens on right now (the kernel's choice for a socket bound to port 0). Another
    /// process may take it before nginx binds it: the test then starts nginx again on a new port.
    static func freePort() throws -> Int {
        let probe = try HTTPTestServerPortProbe()
        return probe.port
    }

    @Test("concurrent fetches from one HTTP/2 host travel over one connection")
    func multiplexing() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.nginx), "nginx is missing: run scripts/setup")
        try await withTemporaryDirectory { directory in
            let root = directory.url
            let www = root.appendingPathComponent("www")
            try FileManager.default.createDirectory(at: www, withIntermediateDirectories: true)
            for index in 0..<12 {
                try Data("<rss version=\"2.0\"><channel><title>\(index)</title></channel></rss>".utf8)
                    .write(to: www.appendingPathComponent("feed-\(index).xml"))
            }
            let expected = Array("<rss version=\"2.0\"><channel><title>0</title></channel></rss>".utf8)
            var served = false
            var attempt = 0
            while !served {
                attempt += 1
                try? FileManager.default.removeItem(at: root.appendingPathComponent("error.log"))
                let port = try Self.freePort()
                let config = """
                    daemon off;
                    master_process off;
                    worker_processes 1;
                    pid \(root.path)/nginx.pid;
                    error_log \(root.path)/error.log;
                    events { worker_connections 64; }
                    http {
                        log_format probe '$server_protocol $connection $request_uri';
                        access_log \(root.path)/access.log probe;
                        client_body_temp_path \(root.path)/body;
                        proxy_temp_path \(root.path)/proxy;
                        fastcgi_temp_path \(root.path)/fastcgi;
                        uwsgi_temp_path \(root.path)/uwsgi;
                        scgi_temp_path \(root.path)/scgi;
                        server {
                            listen 127.0.0.1:\(port) ssl http2;
                            ssl_certificate \(try Fixtures.url("tls/self-signed.crt").path);
                            ssl_certificate_key \(try Fixtures.url("tls/self-signed.key").path);
                            root \(www.path);
                        }
                    }
                    """
                let configFile = try directory.write(config, to: "nginx.conf")
                let server = Process()
                server.executableURL = URL(fileURLWithPath: Self.nginx)
                server.arguments = ["-c", configFile.path, "-p", root.path, "-e", root.path + "/error.log"]
                server.standardOutput = FileHandle.nullDevice
                server.standardError = FileHandle.nullDevice
                served = try await ProcessRunner.withRunning(server) {
                    try await withFetcher { fetcher in
                        let base = "https://127.0.0.1:\(port)"
                        // Wait until nginx serves our file (a refused connection fails at once), or until
                        // it exits: it does when another process took the port between the probe and
                        // its bind ("Address already in use"), and then the loop tries another port.
                        var ready = false
                        let deadline = ContinuousClock.now + .seconds(10)
                        while !ready, server.isRunning, ContinuousClock.now < deadline {
                            let probe = await fetcher.fetch(
                                FetchRequest(url: base + "/feed-0.xml", insecureSkipTLSVerify: true))
                            if let body = probe.content?.body, body == expected {
                                ready = true
                            } else {
                                try await Task.sleep(for: .milliseconds(50))
                            }
                        }
                        let errorLog =
                            (try? String(contentsOf: root.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
                        if !ready, !server.isRunning, errorLog.contains("Address already in use"), attempt < 5 {
                            return false
                        }
                        try #require(
                            ready,
                            "nginx did not serve on port \(port) (attempt \(attempt)): \(errorLog)"
                        )

                        let results = await withTaskGroup(of: FetchResult.self) { group in
                            for index in 0..<12 {
                                group.addTask {
                                    await fetcher.fetch(
                                        FetchRequest(url: "\(base)/feed-\(index).xml", insecureSkipTLSVerify: true))
                                }
                            }
                            return await group.reduce(into: []) { $0.append($1) }
                        }
                        let contents = results.compactMap(\.content)
                        #expect(contents.count == 12)
                        #expect(contents.allSatisfy { $0.hops.last?.timings.httpVersion == "HTTP/2" })
                        return true
                    }
                }
            }
            let log = try String(contentsOf: root.appendingPathComponent("access.log"), encoding: .utf8)
            let lines = log.split(separator: "\n").map { $0.split(separator: " ") }
            #expect(lines.count == 13)
            #expect(lines.allSatisfy { $0.first == "HTTP/2.0" })
            // The warm-up fetch opened the connection; the twelve concurrent ones share it.
            let connections = Set(lines.compactMap { $0.count > 1 ? $0[1] : nil })
            #expect(connections.count == 1, "connections: \(connections)")
        }
    }
}

/// Binds a socket to port 0 on 127.0.0.1 and closes it, leaving the port the kernel chose.
struct HTTPTestServerPortProbe {
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw POSIXError(.EINVAL) }
        port = Int(UInt16(bigEndian: address.sin_port))
    }
}
