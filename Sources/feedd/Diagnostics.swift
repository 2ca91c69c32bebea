import FeedModel
import Platform

enum Diagnostics {
    /// Prints `feedd: message` on standard error, credentials in URLs masked, and exits with `status`.
    static func fail(_ message: String, status: Int32) -> Never {
        try? StandardStream.error.write("feedd: \(URLCredentials.masking(in: message))\n")
        exitProcess(status)
    }
}
