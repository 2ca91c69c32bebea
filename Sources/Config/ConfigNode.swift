internal import TOMLKit

/// A TOML value as plain Swift data: what the decoders walk. TOMLKit's tree is converted once, so no
/// other file touches TOMLKit and the configuration never holds a C++ object.
enum ConfigNode: Sendable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    /// A date, time or date-time, as TOML wrote it. No key takes one; it is kept for messages.
    case dateTime(String)
    case array([ConfigNode])
    /// Keys in the order TOMLKit gives them (sorted); problems are sorted by line afterwards.
    case table([(key: String, value: ConfigNode)])

    /// Parses a TOML document. A syntax error carries TOMLKit's line and message.
    static func parse(_ text: String) throws(SyntaxError) -> ConfigNode {
        do {
            return ConfigNode(try TOMLTable(string: text))
        } catch let error as TOMLParseError {
            throw SyntaxError(line: error.source.begin.line, message: error.description)
        } catch {
            throw SyntaxError(line: nil, message: "\(error)")
        }
    }

    /// A TOML syntax error.
    struct SyntaxError: Error {
        var line: Int?
        var message: String
    }

    private init(_ table: TOMLTable) {
        self = .table(table.keys.compactMap { key in table[key].map { (key, ConfigNode($0.tomlValue)) } })
    }

    private init(_ value: TOMLValue) {
        switch value.type {
        case .table: self = value.table.map { ConfigNode($0) } ?? .table([])
        case .array: self = .array(value.array.map { $0.map { ConfigNode($0.tomlValue) } } ?? [])
        case .string: self = .string(value.string ?? "")
        case .int: self = .integer(value.int ?? 0)
        case .double: self = .float(value.double ?? 0)
        case .bool: self = .boolean(value.bool ?? false)
        case .date, .time, .dateTime: self = .dateTime(value.debugDescription)
        }
    }

    /// The entries of a table, or nil.
    var entries: [(key: String, value: ConfigNode)]? {
        if case .table(let entries) = self { return entries }
        return nil
    }

    /// The value as TOML would write it, shortened, for "got …" in messages.
    var shortText: String {
        let text: String
        switch self {
        case .string(let value): text = TOMLText.quoted(value)
        case .integer(let value): text = String(value)
        case .float(let value): text = String(value)
        case .boolean(let value): text = value ? "true" : "false"
        case .dateTime(let value): text = value
        case .array(let values): text = "[" + values.map(\.shortText).joined(separator: ", ") + "]"
        case .table: text = "a table"
        }
        return text.count > 60 ? String(text.prefix(57)) + "…" : text
    }
}

/// How values are written back as TOML text (for `feedd check` and the reference).
enum TOMLText {
    /// A basic string with the escapes TOML needs.
    static func quoted(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result +=
                    "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16, uppercase: true)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// A key, quoted when it is not a bare key.
    static func key(_ key: String) -> String {
        let isBare =
            !key.isEmpty
            && key.unicodeScalars.allSatisfy { scalar in
                scalar.properties.isASCIIHexDigit || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                    || scalar == "_" || scalar == "-" || ("0"..."9").contains(scalar)
            }
        return isBare ? key : quoted(key)
    }

    /// `["a", "b"]`.
    static func list(_ values: [String]) -> String {
        "[" + values.map(quoted).joined(separator: ", ") + "]"
    }
}
