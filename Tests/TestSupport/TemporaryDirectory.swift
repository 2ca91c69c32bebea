package import Foundation

/// A real directory under the system's temporary directory, for one test.
///
/// Use `withTemporaryDirectory`, which removes the directory afterwards, or call `remove()`.
package struct TemporaryDirectory: Sendable {
    /// The directory's URL.
    package let url: URL

    /// Creates a fresh, empty directory named `prefix-<UUID>`.
    package init(prefix: String = "feedd-test") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    }

    /// The directory's file-system path.
    package var path: String { url.path }

    /// The URL of `relativePath` inside the directory (the file need not exist).
    package func url(for relativePath: String) -> URL {
        url.appendingPathComponent(relativePath)
    }

    /// Writes `bytes` to `relativePath`, creating parent directories; returns the file's URL.
    @discardableResult
    package func write(_ bytes: [UInt8], to relativePath: String) throws -> URL {
        let file = url(for: relativePath)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(),
            withIntermediateDirectories: true
        )
        try Data(bytes).write(to: file)
        return file
    }

    /// Writes `text` as UTF-8 to `relativePath`; returns the file's URL.
    @discardableResult
    package func write(_ text: String, to relativePath: String) throws -> URL {
        try write(Array(text.utf8), to: relativePath)
    }

    /// Removes the directory and everything in it.
    package func remove() throws {
        try FileManager.default.removeItem(at: url)
    }
}

/// Runs `body` with a fresh temporary directory and removes the directory afterwards, even when
/// `body` throws.
package func withTemporaryDirectory<Result>(
    prefix: String = "feedd-test",
    _ body: (TemporaryDirectory) async throws -> Result
) async throws -> Result {
    let directory = try TemporaryDirectory(prefix: prefix)
    do {
        let result = try await body(directory)
        try directory.remove()
        return result
    } catch {
        try? directory.remove()
        throw error
    }
}
