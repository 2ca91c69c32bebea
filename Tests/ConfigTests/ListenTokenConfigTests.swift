import Config
import Foundation
import TestSupport
import Testing

@Suite("listen and listen_token")
struct ListenTokenConfigTests {
    @Test("listen_token comes from a file (resolved against the file's folder) or the environment, never the file")
    func forms() async throws {
        try await withTemporaryDirectory { directory in
            let fromFile = try loadConfiguration(
                ["feedd.toml": "listen = \"127.0.0.1:8086\"\nlisten_token = { file = \"api-token\" }\n"], in: directory)
            #expect(fromFile.listenToken == .file(directory.path + "/api-token"))
            let fromEnv = try loadConfiguration(
                ["other.toml": "listen_token = { env = \"FEEDD_API_TOKEN\" }\n"], in: directory, main: "other.toml")
            #expect(fromEnv.listenToken == .env("FEEDD_API_TOKEN"))
        }
        let literal = try await problems(["feedd.toml": "listen = \"127.0.0.1:8086\"\nlisten_token = \"hunter2\"\n"])
        #expect(literal.count == 1)
        #expect(
            literal.first?.hasPrefix("feedd.toml:2: listen_token: the token is not written in the configuration")
                == true)
        #expect(literal.first?.contains("hunter2") == false)
    }

    @Test("a listen address that is not loopback needs listen_token, said at the line of listen")
    func nonLoopbackNeedsToken() async throws {
        for address in ["0.0.0.0:8086", ":8086", "192.168.1.2:80", "[::]:8086"] {
            let found = try await problems(["feedd.toml": "interval = \"30m\"\nlisten = \"\(address)\"\n"])
            #expect(found.count == 1, "\(address): \(found)")
            #expect(found.first?.hasPrefix("feedd.toml:2: listen: \"\(address)\" is not a loopback address") == true)
            #expect(found.first?.contains("listen_token") == true)
        }
        for address in ["127.0.0.1:8086", "localhost:0", "[::1]:8086"] {
            #expect(try await problems(["feedd.toml": "listen = \"\(address)\"\n"]).isEmpty, "\(address)")
        }
        #expect(
            try await problems([
                "feedd.toml": "listen = \"0.0.0.0:8086\"\nlisten_token = { env = \"FEEDD_API_TOKEN\" }\n"
            ]).isEmpty)
        // From the environment too (no line to name then).
        let fromEnvironment = try await problems(["feedd.toml": ""], environment: ["FEEDD_LISTEN": "0.0.0.0:8086"])
        #expect(fromEnvironment.count == 1, "\(fromEnvironment)")
    }

    @Test("feedd check's file-system pass: a token file that is missing or empty is reported at listen_token")
    func tokenFileChecked() async throws {
        try await withTemporaryDirectory { directory in
            func check(_ text: String) -> [String] {
                _ = try? directory.write(text, to: "feedd.toml")
                var loader = ConfigLoader(environment: [:], currentDirectory: directory.path)
                loader.checksOutputPaths = true
                do throws(ConfigErrors) {
                    _ = try loader.load(path: "feedd.toml")
                    return []
                } catch {
                    return error.problems.map(\.description)
                }
            }
            let missing = check("listen = \"127.0.0.1:0\"\nlisten_token = { file = \"api-token\" }\n")
            #expect(missing.count == 1)
            #expect(missing.first?.hasPrefix("feedd.toml:2: listen_token: cannot read the file") == true, "\(missing)")
            _ = try directory.write("\n", to: "api-token")
            #expect(
                check("listen_token = { file = \"api-token\" }\n") == [
                    "feedd.toml:1: listen_token: the token file \(directory.path)/api-token is empty"
                ])
            _ = try directory.write("t0ken\n", to: "api-token")
            #expect(check("listen_token = { file = \"api-token\" }\n").isEmpty)
        }
    }
}
