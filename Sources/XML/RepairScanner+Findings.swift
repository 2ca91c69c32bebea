/// The kinds of repair, each reported once with a count.
enum FindingKind: Int, CaseIterable {
    case bareAmpersand, htmlEntity, unknownEntity, externalReference, badReference, strayLessThan, controlCharacter
}

struct Finding {
    var count = 0
    var line = 0
    var example = ""
}

/// Findings: each kind of repair counted, with the line of its first and an example, for `diagnostics()`.
extension RepairScanner {
    /// Counts a repair of `kind` at `index`; the first one keeps its line and `bytes[index..<exampleEnd]`.
    mutating func note(_ kind: FindingKind, at index: Int, exampleEnd: Int? = nil) {
        if findings[kind.rawValue].count == 0 {
            findings[kind.rawValue].line = lineBase + Self.newlines(in: UnsafeBufferPointer(rebasing: bytes[0..<index]))
            if let exampleEnd {
                findings[kind.rawValue].example = String(decoding: bytes[index..<exampleEnd], as: UTF8.self)
            }
        }
        findings[kind.rawValue].count += 1
    }

    /// The number of line feeds, sixteen bytes at a time.
    static func newlines(in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        let lineFeed = SIMD16<UInt8>(repeating: 0x0A)
        var total = 0
        var index = 0
        while index + 16 <= bytes.count {
            // Per-lane counts in bytes, emptied before they can overflow (255 blocks).
            var lanes = SIMD16<UInt8>(repeating: 0)
            let end = min(bytes.count - 16, index + 254 * 16)
            while index <= end {
                let block = raw.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
                lanes &-= unsafeBitCast(block .== lineFeed, to: SIMD16<UInt8>.self)  // a match is 0xFF: -1
                index += 16
            }
            total += Int(SIMD16<UInt16>(truncatingIfNeeded: lanes).wrappedSum())
        }
        while index < bytes.count {
            if bytes[index] == 0x0A { total += 1 }
            index += 1
        }
        return total
    }

    func diagnostics() -> [XMLDiagnostic] {
        var result: [XMLDiagnostic] = []
        if leadingDropped > 0 {
            let what =
                leadingBlank ? "white space before the XML declaration" : "\(leadingDropped) bytes before the first tag"
            result.append(XMLDiagnostic(line: 1, message: "\(what) ignored"))
        }
        for kind in FindingKind.allCases {
            let finding = findings[kind.rawValue]
            guard finding.count > 0 else { continue }
            let more = finding.count > 1 ? " (\(finding.count) in all)" : ""
            let message: String
            switch kind {
            case .bareAmpersand: message = "unescaped \"&\" read as text\(more)"
            case .htmlEntity: message = "HTML entity \(finding.example) used without a DTD, decoded\(more)"
            case .unknownEntity: message = "undefined entity \(finding.example) kept as text\(more)"
            case .externalReference: message = "external entity \(finding.example) not loaded\(more)"
            case .badReference: message = "reference \(finding.example) to a character XML forbids dropped\(more)"
            case .strayLessThan: message = "unescaped \"<\" read as text\(more)"
            case .controlCharacter: message = "control character XML forbids dropped\(more)"
            }
            result.append(XMLDiagnostic(line: finding.line, message: message))
        }
        return result
    }
}
