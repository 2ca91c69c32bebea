/// `XMLRepair` for a document that arrives in pieces: each piece is mended and handed on at once, except
/// for a construct the piece cuts short (a reference, a tag opener, a DOCTYPE), which waits for the next
/// piece. Comments, CDATA sections and processing instructions may span any number of pieces. The result
/// does not depend on where the input was cut.
public struct XMLRepairer {
    private var scanner = RepairScanner()
    /// Input held back because it ends in a construct cut short.
    private var carry: [UInt8] = []

    public init() {}

    /// Takes long text out of the document and hands it to `divert` as libxml2 would report it, leaving in
    /// its place a processing instruction `<?TARGET N?>` (N counts the diverted texts from 0, and the
    /// instruction keeps the text's line breaks, so line numbers do not change). `XMLStreamParser` puts the
    /// text back where libxml2 meets the instruction. Diverted are:
    /// - the content of each CDATA section of at least `minimumLength` bytes, as it is (carriage returns
    ///   included, as libxml2's push parser hands on CDATA);
    /// - a run of text of at least `minimumLength` bytes right after a plain start tag, with its character
    ///   references and the five predefined entities decoded, when it holds nothing else that needs mending
    ///   or that libxml2 reads in its own way (other entities, carriage returns, control characters, `]]>`).
    ///
    /// That saves libxml2 a second UTF-8 check over most of the bytes of a typical feed (`content:encoded`,
    /// escaped HTML), and a callback for every reference in escaped HTML. Text that a piece cuts stays in
    /// the document.
    public mutating func divertText(
        target: String, minimumLength: Int = 64, to divert: @escaping (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        scanner.diversion.target = Array(target.utf8)
        scanner.diversion.minimumLength = minimumLength
        scanner.diversion.divert = divert
    }

    /// Mends the next piece and hands the result to `emit` (in one call, or none when everything waits).
    /// `isFinal` says no more input follows.
    public mutating func push(
        _ bytes: UnsafeBufferPointer<UInt8>, isFinal: Bool, emit: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        if carry.isEmpty {
            let consumed = scanner.run(bytes, isFinal: isFinal, emit: emit)
            if consumed < bytes.count { carry = Array(bytes[consumed...]) }
            return
        }
        var work: [UInt8] = []
        swap(&work, &carry)
        work.append(contentsOf: bytes)
        let consumed = work.withUnsafeBufferPointer { scanner.run($0, isFinal: isFinal, emit: emit) }
        if consumed < work.count { carry = Array(work[consumed...]) }
    }

    /// What was mended so far, one line per kind of repair with the line of its first occurrence.
    public func diagnostics() -> [XMLDiagnostic] {
        scanner.diagnostics()
    }
}
