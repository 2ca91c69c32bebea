import Foundation
import TestSupport
import Testing

@Suite("Test helpers")
struct TestSupportTests {
    @Test("ProcessRunner feeds stdin and returns stdout, stderr and the exit status")
    func runsProcess() async throws {
        let result = try await ProcessRunner.run(
            URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", "tr a-z A-Z; echo oops >&2; exit 3"],
            stdin: Array("hello\n".utf8)
        )

        #expect(result.status == 3)
        #expect(!result.wasSignalled)
        #expect(result.stdoutText == "HELLO\n")
        #expect(result.stderrText == "oops\n")
    }

    @Test("ProcessRunner passes the environment and working directory")
    func environmentAndDirectory() async throws {
        try await withTemporaryDirectory { directory in
            let result = try await ProcessRunner.run(
                URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", "printf '%s %s' \"$FEEDD_TEST\" \"$(pwd -P)\""],
                environment: ["FEEDD_TEST": "value"],
                currentDirectory: directory.url
            )

            let expectedDirectory = directory.url.resolvingSymlinksInPath().path
            #expect(result.status == 0)
            #expect(result.stdoutText == "value \(expectedDirectory)")
        }
    }

    @Test("a child starts with no signal blocked, though test threads block nearly all")
    func childSignalMask() async throws {
        // grep reads its own status (a shell would not do: dash clears its mask when it starts).
        let result = try await ProcessRunner.run(
            URL(fileURLWithPath: "/bin/grep"), arguments: ["-E", "^Sig(Blk|Ign):", "/proc/self/status"])
        #expect(result.status == 0)
        #expect(result.stdoutText.contains("SigBlk:\t0000000000000000\n"), "\(result.stdoutText)")
    }

    @Test("under scripts/test, a child given a whole environment still carries the run's marker")
    func runMarker() async throws {
        let marker = ProcessInfo.processInfo.environment[ProcessRunner.runMarker]
        let result = try await ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"), environment: ["ONLY": "this"])
        #expect(result.stdoutText.contains("ONLY=this\n"))
        if let marker {
            #expect(result.stdoutText.contains("\(ProcessRunner.runMarker)=\(marker)\n"), "\(result.stdoutText)")
        } else {
            #expect(!result.stdoutText.contains(ProcessRunner.runMarker))
        }
    }

    @Test("withRunning ends the process with SIGTERM when the body returns, and when it throws")
    func withRunningEndsTheProcess() async throws {
        struct Failure: Error {}
        for throwing in [false, true] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sleep")
            process.arguments = ["60"]
            do {
                try await ProcessRunner.withRunning(process, grace: .seconds(30)) {
                    #expect(process.isRunning)
                    if throwing { throw Failure() }
                }
            } catch is Failure {}
            #expect(!process.isRunning)
            #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
        }
    }

    @Test("ProcessRunner kills a child that outlives its timeout")
    func killsOnTimeout() async throws {
        let result = try await ProcessRunner.run(
            URL(fileURLWithPath: "/bin/sleep"),
            arguments: ["30"],
            timeout: .milliseconds(200)
        )

        #expect(result.wasSignalled)
        #expect(result.status == SIGKILL)
    }

    @Test("a temporary directory exists during the body and is removed afterwards")
    func temporaryDirectory() async throws {
        let path = try await withTemporaryDirectory { directory in
            let file = try directory.write("x", to: "sub/file.txt")
            #expect(FileManager.default.fileExists(atPath: file.path))
            return directory.path
        }

        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("the test server answers 404 for unscripted paths and records the request")
    func serverRecordsRequests() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            #expect(baseURL.hasPrefix("http://127.0.0.1:"))
            await server.route("/echo") { request in
                .text("query=\(request.query)")
            }
            let result = try await ProcessRunner.run(
                URL(fileURLWithPath: "/usr/bin/curl"),
                arguments: ["-s", "-o", "/dev/null", "-w", "%{http_code}", "\(baseURL)/missing"]
            )
            let echo = try await ProcessRunner.run(
                URL(fileURLWithPath: "/usr/bin/curl"),
                arguments: ["-s", "-H", "X-Probe: 1", "\(baseURL)/echo?a=b"]
            )

            #expect(result.stdoutText == "404")
            #expect(echo.stdoutText == "query=a=b")
            #expect(await server.hits("/missing") == 1)
            let request = try #require(await server.requests(for: "/echo").first)
            #expect(request.header("x-probe") == "1")
            #expect(await server.requests.count == 2)
        }
    }
}
