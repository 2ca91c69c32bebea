package import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway PostgreSQL server for tests: `initdb` into a fresh temporary directory, `pg_ctl start` on
/// 127.0.0.1 at a free port (its unix socket in the same directory), never touching a system cluster.
///
/// Use `withServer`, which stops the server (`pg_ctl stop -m immediate`) and deletes its directory when
/// the body returns or throws. When the tests run as root the server runs as the `postgres` user
/// (`initdb` refuses root) through `runuser`, and the directory is handed to that user.
///
/// Connections over TCP authenticate with a password (scram-sha-256) as the superuser `postgres`, so the
/// password handling of a client is exercised for real; `password` is it. The server runs without
/// `fsync` (a test's data need not survive a power loss), which makes it several times faster.
package struct PostgresServer: Sendable {
    /// The superuser the server is initialized with.
    package let user = "postgres"
    /// The superuser's password (for TCP connections).
    package let password: String
    package let host = "127.0.0.1"
    package let port: Int
    /// The directory holding the data directory, the log and the unix socket.
    package let directory: URL
    let binaries: URL
    let runAsPostgres: Bool

    /// A `postgres://` URL for `database` (without the password).
    package func url(database: String) -> String {
        "postgres://\(user)@\(host):\(port)/\(database)?sslmode=disable"
    }

    /// Runs `body` with a started server; stops and deletes it afterwards, pass or fail.
    package static func withServer<Result>(_ body: (PostgresServer) async throws -> Result) async throws -> Result {
        let server = try await start()
        do {
            let result = try await body(server)
            try await server.stop()
            return result
        } catch {
            try? await server.stop()
            throw error
        }
    }

    /// Creates an empty database with a unique name and returns the name.
    package func createDatabase(prefix: String = "test") async throws -> String {
        let name = "\(prefix)_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        try await psql("CREATE DATABASE \(name)")
        return name
    }

    /// Runs one SQL command with `psql` as the superuser (over the unix socket) in `database`.
    @discardableResult
    package func psql(_ sql: String, database: String = "postgres") async throws -> String {
        let result = try await run(
            "psql",
            [
                "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", directory.path, "-p", "\(port)", "-U", user,
                "-d", database, "-c", sql,
            ])
        guard result.status == 0 else {
            throw PostgresServerError(step: "psql \(sql)", output: result.stderrText + result.stdoutText)
        }
        return result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server at once and deletes its directory.
    package func stop() async throws {
        let result = try await run("pg_ctl", ["-D", dataDirectory.path, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(at: directory)
        guard result.status == 0 else {
            throw PostgresServerError(step: "pg_ctl stop", output: result.stderrText + result.stdoutText)
        }
    }

    /// Stops the server (its connections are ended, as in an outage) and keeps its data, for `resume`.
    /// A fast shutdown, not an immediate one: without `fsync` and synchronous commits, a crash could lose
    /// the last commits.
    package func halt() async throws {
        let result = try await run("pg_ctl", ["-D", dataDirectory.path, "-m", "fast", "-w", "stop"])
        guard result.status == 0 else {
            throw PostgresServerError(step: "pg_ctl stop", output: result.stderrText + result.stdoutText)
        }
    }

    /// Starts a server stopped by `halt` again, on the same port.
    package func resume() async throws {
        let started = try await run(
            "pg_ctl",
            [
                "-D", dataDirectory.path, "-l", directory.appendingPathComponent("server.log").path, "-w", "-t", "60",
                "-o", startOptions, "start",
            ])
        guard started.status == 0 else {
            throw PostgresServerError(step: "pg_ctl start", output: started.stderrText + started.stdoutText)
        }
    }

    /// The server's options: the port, the socket directory, TCP on 127.0.0.1 only, no durability.
    var startOptions: String {
        "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off "
            + "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
    }

    var dataDirectory: URL { directory.appendingPathComponent("data") }

    static func start() async throws -> PostgresServer {
        let binaries = try findBinaries()
        let runAsPostgres = getuid() == 0
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("feedd-pg-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        let password = UUID().uuidString
        let passwordFile = directory.appendingPathComponent("password")
        try Data(password.utf8).write(to: passwordFile)
        if runAsPostgres {
            for path in [directory.path, passwordFile.path] {
                try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: path)
            }
        }
        var server = PostgresServer(
            password: password, port: 0, directory: directory, binaries: binaries, runAsPostgres: runAsPostgres)
        do {
            let initdb = try await server.run(
                "initdb",
                [
                    "-D", server.dataDirectory.path, "-U", "postgres", "--pwfile", passwordFile.path, "-E", "UTF8",
                    "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "-N",
                ])
            guard initdb.status == 0 else {
                throw PostgresServerError(step: "initdb", output: initdb.stderrText + initdb.stdoutText)
            }
            // A port picked at random may be taken: try a few.
            var failures: [String] = []
            for _ in 0..<5 {
                let port = Int.random(in: 20_000..<60_000)
                server = PostgresServer(
                    password: password, port: port, directory: directory, binaries: binaries,
                    runAsPostgres: runAsPostgres)
                let options = server.startOptions
                let started = try await server.run(
                    "pg_ctl",
                    [
                        "-D", server.dataDirectory.path, "-l", directory.appendingPathComponent("server.log").path,
                        "-w", "-t", "60", "-o", options, "start",
                    ])
                if started.status == 0 { return server }
                let log = (try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8))
                failures.append(started.stderrText + started.stdoutText + (log ?? ""))
            }
            throw PostgresServerError(step: "pg_ctl start", output: failures.joined(separator: "\n---\n"))
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Runs one of the server's programs, as `postgres` when this process is root, and waits for it.
    ///
    /// Not `ProcessRunner.run`: Foundation did not always notice the end of `runuser … pg_ctl start` (its
    /// child daemonizes), and the test waited for ever with the exited child left a zombie. Here the child
    /// writes to a file, not a pipe, and is reaped with `waitpid` directly, with a deadline.
    func run(_ program: String, _ arguments: [String]) async throws -> ProcessResult {
        let executable = binaries.appendingPathComponent(program).path
        let process = Process()
        if runAsPostgres {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", "postgres", "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        let outputURL = directory.appendingPathComponent("\(program)-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL)
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try await ProcessRunner.launch(process)
        try? output.close()
        let pid = process.processIdentifier
        let deadline = ContinuousClock.now + .seconds(120)
        var status: Int32 = 0
        var reaped = waitpid(pid, &status, WNOHANG)
        while reaped == 0 {
            if ContinuousClock.now > deadline { kill(pid, SIGKILL) }
            try await Task.sleep(for: .milliseconds(20))
            reaped = waitpid(pid, &status, WNOHANG)
        }
        let text = (try? Data(contentsOf: outputURL)) ?? Data()
        try? FileManager.default.removeItem(at: outputURL)
        if reaped == -1 {
            // Foundation reaped it first: its own record then holds the status.
            while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            return ProcessResult(
                status: process.terminationStatus, wasSignalled: process.terminationReason == .uncaughtSignal,
                stdout: [UInt8](text), stderr: [])
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import (macros).
        let signalled = status & 0x7f != 0
        return ProcessResult(
            status: signalled ? status & 0x7f : (status >> 8) & 0xff, wasSignalled: signalled, stdout: [UInt8](text),
            stderr: [])
    }

    /// Debian's server programs: /usr/lib/postgresql/NN/bin, the newest NN.
    static func findBinaries() throws -> URL {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        let newest = versions.compactMap { Int($0) }.sorted().last { version in
            FileManager.default.isExecutableFile(atPath: root.appendingPathComponent("\(version)/bin/initdb").path)
        }
        guard let newest else {
            throw PostgresServerError(
                step: "finding initdb", output: "no /usr/lib/postgresql/NN/bin/initdb: run scripts/setup")
        }
        return root.appendingPathComponent("\(newest)/bin")
    }
}

/// A step of starting or driving the test server failed; `output` is what it printed.
package struct PostgresServerError: Error, CustomStringConvertible {
    package var step: String
    package var output: String
    package var description: String { "test PostgreSQL server: \(step) failed: \(output)" }
}
