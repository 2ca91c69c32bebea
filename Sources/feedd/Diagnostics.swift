import ArgumentParser
import Foundation

enum Diagnostics {
    /// Prints `feedd: message` on standard error and exits with `status`.
    static func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data("feedd: \(message)\n".utf8))
        Foundation.exit(status)
    }
}
