import Platform

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

    /// Whether the input names a URL rather than a file or standard input.
    static func isURL(_ input: String) -> Bool {
        let lowered = input.lowercased()
        return lowered.hasPrefix("http://") || lowered.hasPrefix("https://") || lowered.hasPrefix("file://")
    }

    /// Reads the whole input.
    static func read(_ input: String, maxSize: Int, timeout: Int, verbose: Bool = false) async throws -> InputSource {
        if isURL(input) { return try await fetch(input, maxSize: maxSize, timeout: timeout, verbose: verbose) }
        var bytes: [UInt8] = []
        try stream(input, maxSize: maxSize, expecting: { bytes.reserveCapacity($0) }) { bytes.append(contentsOf: $0) }
        return InputSource(bytes: bytes)
    }

    /// Reads a file or standard input (`-`) piece by piece, never holding it whole. `expecting` learns the
    /// size of a regular file (at most `maxSize`) before the first piece.
    static func stream(
        _ input: String, maxSize: Int, expecting: (Int) -> Void = { _ in },
        _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) throws(ReadError) {
        var file = FileInput.standardInput
        if input != "-" {
            do throws(SystemError) {
                file = try FileInput(path: input)
            } catch {
                throw .io(openFailure(error))
            }
        }
        if let size = file.expectedSize { expecting(min(size, maxSize) + 1) }
        do throws(FileInput.ReadError) {
            _ = try file.readAll(limit: maxSize, body)
        } catch {
            switch error {
            case .tooLarge(let limit): throw .tooLarge(limit: limit)
            case .system(let failure) where failure.isDirectory: throw .io("is a directory")
            case .system(let failure): throw .io(failure.description)
            }
        }
    }

    private static func openFailure(_ error: SystemError) -> String {
        if error.isNotFound { return "no such file" }
        if error.isPermissionDenied { return "permission denied" }
        return error.description
    }
}
