import Platform

enum Diagnostics {
    /// Prints `feedd: message` on standard error and exits with `status`.
    static func fail(_ message: String, status: Int32) -> Never {
        try? StandardStream.error.write("feedd: \(message)\n")
        exitProcess(status)
    }
}
