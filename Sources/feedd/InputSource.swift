import Foundation

/// The bytes of a feed named on the command line: a file, standard input or a URL.
struct InputSource {
    var bytes: [UInt8]
    /// The URL the bytes came from, after redirects (the default base URL).
    var url: String?
    /// The charset the server declared.
    var charset: String?

    enum ReadError: Error, CustomStringConvertible {
        case tooLarge(limit: Int)
        case io(String)

        var description: String {
            switch self {
            case .tooLarge(let limit): return "larger than \(limit) bytes (raise --max-size)"
            case .io(let message): return message
            }
        }
    }

    static func read(_ input: String, maxSize: Int, timeout: Int, verbose: Bool = false) async throws -> InputSource {
        if input == "-" {
            let data = try readAll(FileHandle.standardInput, limit: maxSize)
            return InputSource(bytes: data)
        }
        let lowered = input.lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") || lowered.hasPrefix("file://") {
            return try await fetch(input, maxSize: maxSize, timeout: timeout, verbose: verbose)
        }
        guard let handle = FileHandle(forReadingAtPath: input) else {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) {
                throw ReadError.io(isDirectory.boolValue ? "is a directory" : "permission denied")
            }
            throw ReadError.io("no such file")
        }
        defer { try? handle.close() }
        return InputSource(bytes: try readAll(handle, limit: maxSize))
    }

    private static func readAll(_ handle: FileHandle, limit: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: 1 << 20)
            } catch {
                throw ReadError.io("read failed: \(error.localizedDescription)")
            }
            guard let chunk, !chunk.isEmpty else { break }
            bytes.append(contentsOf: chunk)
            if bytes.count > limit { throw ReadError.tooLarge(limit: limit) }
        }
        return bytes
    }
}
