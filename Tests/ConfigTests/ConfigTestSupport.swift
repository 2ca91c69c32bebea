import Config
import FeedParser
import Foundation
import TestSupport

/// The repository's root folder.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Writes `files` (relative path → text) into `directory` and loads `main` with `environment`.
func loadConfiguration(
    _ files: [String: String], in directory: TemporaryDirectory, main: String = "feedd.toml",
    environment: [String: String] = [:], overrides: [String: String] = [:]
) throws(ConfigErrors) -> FeeddConfiguration {
    for (path, text) in files {
        _ = try? directory.write(text, to: path)
    }
    let loader = ConfigLoader(
        environment: environment, overrides: overrides, opmlReader: { try OPMLReader.read($0) },
        currentDirectory: directory.path)
    return try loader.load(path: main)
}

/// The problems of loading `files`, as `file:line: key: message` lines; empty when it loads.
func problems(
    _ files: [String: String], main: String = "feedd.toml", environment: [String: String] = [:],
    overrides: [String: String] = [:]
) async throws -> [String] {
    try await withTemporaryDirectory { directory in
        do throws(ConfigErrors) {
            _ = try loadConfiguration(
                files, in: directory, main: main, environment: environment, overrides: overrides)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }
}

/// A valid hook, for configurations whose point is elsewhere.
let printHook = """
    [[hook]]
    name = "print"
    type = "exec"
    command = ["true"]

    """
