/// Why the XML layer could not read a document at all. Recoverable breakage is not an error: it is
/// reported as an `XMLDiagnostic` and parsing goes on.
public enum XMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libxml2 could not create a parser (out of memory).
    case parserUnavailable
    /// The document has no element at all: empty, or text only.
    case noRootElement
    /// libxml2 gave up on the document before any element was read (`message` is libxml2's text).
    case unreadable(line: Int, message: String)

    public var description: String {
        switch self {
        case .parserUnavailable: return "the XML parser could not be created (out of memory?)"
        case .noRootElement: return "no XML element found (empty or not XML)"
        case .unreadable(let line, let message): return "not readable as XML (line \(line): \(message))"
        }
    }
}

/// Something the parser recovered from, with the line it was found on.
public struct XMLDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}
