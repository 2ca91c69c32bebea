/// A byte-level pass that mends what real feeds get wrong before libxml2 sees it, where libxml2's own
/// recovery would lose text:
/// - anything before the first tag (a blank line before `<?xml`, stray bytes) is dropped;
/// - a bare `&` (`AT&T`, `?a=1&b=2`) becomes `&amp;`;
/// - HTML entities used without a DTD (`&nbsp;`, `&eacute;`) become character references; an unknown
///   name is kept as text;
/// - C1 controls (`&#146;`, or U+0092 as UTF-8) are read as windows-1252, as browsers do, and
///   references to characters XML forbids are dropped; `&#X41;` becomes `&#65;`;
/// - control characters XML forbids are dropped, in CDATA sections too (libxml2 stops reading the whole
///   document at one), and so are U+FFFE and U+FFFF there.
/// Comments, processing instructions and the DOCTYPE are left alone. The input must be UTF-8.
/// `XMLRepairer` does the same to a document that arrives in pieces, and can take long text around
/// libxml2 (`divertText`).
public enum XMLRepair {
    public struct Result: Sendable {
        public var utf8: [UInt8]
        public var diagnostics: [XMLDiagnostic]
    }

    /// Repairs a whole document.
    public static func repair(_ input: [UInt8]) -> Result {
        var repairer = XMLRepairer()
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        input.withUnsafeBufferPointer { buffer in
            repairer.push(buffer, isFinal: true) { output.append(contentsOf: $0) }
        }
        return Result(utf8: output, diagnostics: repairer.diagnostics())
    }
}
