internal import Foundation

/// Why a value could not be decoded; the option reports it at the value's path.
struct CodecFailure: Error {
    var message: String
}

/// How one kind of value is read from TOML, written back, and named in the documentation.
struct ValueCodec<Value>: Sendable {
    /// For the reference: `duration`, `string`, `list of strings`, …
    let typeName: String
    /// Reads a value. Failures name what was expected and what was found.
    let decode: @Sendable (ConfigNode, DecodeContext) throws(CodecFailure) -> Value
    /// The value as TOML text, secrets masked.
    let render: @Sendable (Value) -> String

    static func mismatch(_ expected: String, _ node: ConfigNode) -> CodecFailure {
        CodecFailure(message: "expected \(expected), got \(node.shortText)")
    }
}

extension ValueCodec where Value == String {
    static let string = ValueCodec(
        typeName: "string",
        decode: { node, _ throws(CodecFailure) in
            guard case .string(let value) = node else { throw mismatch("a string", node) }
            return value
        },
        render: { TOMLText.quoted($0) })

    /// One of `choices`.
    static func choice(_ choices: [String]) -> ValueCodec {
        ValueCodec(
            typeName: choices.joined(separator: " | "),
            decode: { node, _ throws(CodecFailure) in
                let list = choices.map { "\"\($0)\"" }.joined(separator: ", ")
                guard case .string(let value) = node else { throw mismatch("one of \(list)", node) }
                guard choices.contains(value) else {
                    throw CodecFailure(
                        message: "expected one of \(list), got \(node.shortText)"
                            + Suggestion.phrase(for: value, in: choices))
                }
                return value
            },
            render: { TOMLText.quoted($0) })
    }

    /// A file or folder path; relative ones are resolved against the folder of the file that names them.
    static let path = ValueCodec(
        typeName: "path",
        decode: { node, context throws(CodecFailure) in
            guard case .string(let value) = node else { throw mismatch("a path string", node) }
            guard !value.isEmpty else { throw CodecFailure(message: "expected a path, got an empty string") }
            return context.resolve(path: value)
        },
        render: { TOMLText.quoted($0) })

    /// An http or https URL (webhooks).
    static let httpURL = ValueCodec(
        typeName: "URL",
        decode: { node, _ throws(CodecFailure) in
            guard case .string(let value) = node else { throw mismatch("a URL string", node) }
            try URLCheck.http(value)
            return value
        },
        render: { TOMLText.quoted($0) })

    /// A feed's address: an http, https or file URL, or a path (relative to the file's folder)
    /// that becomes a `file://` URL.
    static let feedURL = ValueCodec(
        typeName: "URL or path",
        decode: { node, context throws(CodecFailure) in
            guard case .string(let value) = node else { throw mismatch("a URL string", node) }
            return try URLCheck.feed(value, directory: context.directory)
        },
        render: { TOMLText.quoted($0) })
}

extension ValueCodec where Value == Int {
    static let integer = ValueCodec(
        typeName: "integer",
        decode: { node, _ throws(CodecFailure) in
            guard case .integer(let value) = node else { throw mismatch("an integer", node) }
            return value
        },
        render: { String($0) })
}

extension ValueCodec where Value == Double {
    static let number = ValueCodec(
        typeName: "number",
        decode: { node, _ throws(CodecFailure) in
            switch node {
            case .float(let value): return value
            case .integer(let value): return Double(value)
            default: throw mismatch("a number", node)
            }
        },
        render: { String($0) })
}

extension ValueCodec where Value == Bool {
    static let boolean = ValueCodec(
        typeName: "boolean",
        decode: { node, _ throws(CodecFailure) in
            guard case .boolean(let value) = node else { throw mismatch("true or false", node) }
            return value
        },
        render: { $0 ? "true" : "false" })
}

extension ValueCodec where Value == ConfigDuration {
    static let duration = ValueCodec(
        typeName: "duration",
        decode: { node, _ throws(CodecFailure) in
            guard case .string(let text) = node, let value = ConfigDuration(parsing: text) else {
                throw mismatch("a duration string like \"30m\" (units ms, s, m, h, d, w; \"1h30m\")", node)
            }
            return value
        },
        render: { TOMLText.quoted($0.description) })
}

extension ValueCodec where Value == ByteSize {
    static let size = ValueCodec(
        typeName: "size",
        decode: { node, _ throws(CodecFailure) in
            switch node {
            case .integer(let value) where value >= 0: return ByteSize(bytes: Int64(value))
            case .string(let text):
                if let value = ByteSize(parsing: text) { return value }
            default: break
            }
            throw mismatch("a size: bytes, or a string like \"32MiB\" (B, KiB, MiB, GiB, KB, MB, GB)", node)
        },
        render: { TOMLText.quoted($0.description) })
}

extension ValueCodec where Value == Secret {
    static let secret = ValueCodec(
        typeName: "secret",
        decode: { node, context throws(CodecFailure) in
            let expected = "a string, { file = \"path\" } or { env = \"NAME\" }"
            switch node {
            case .string(let value):
                return .literal(value)
            case .table(let entries):
                guard entries.count == 1, case .string(let value) = entries[0].value, !value.isEmpty else {
                    throw mismatch(expected, node)
                }
                switch entries[0].key {
                case "file": return .file(context.resolve(path: value))
                case "env": return .env(value)
                default: throw mismatch(expected, node)
                }
            default:
                throw mismatch(expected, node)
            }
        },
        render: { $0.description })
}

extension ValueCodec {
    /// A list of values of `element`; the problems of each element are reported at its index.
    static func list<Element>(_ element: ValueCodec<Element>) -> ValueCodec<[Element]> where Value == [Element] {
        ValueCodec(
            typeName: "list of \(element.typeName)s",
            decode: { node, context throws(CodecFailure) in
                guard case .array(let nodes) = node else { throw mismatch("a list like [\"a\", \"b\"]", node) }
                var values: [Element] = []
                var failed = false
                for (index, item) in nodes.enumerated() {
                    context.at(index: index) {
                        do throws(CodecFailure) {
                            values.append(try element.decode(item, context))
                        } catch {
                            context.report(error.message)
                            failed = true
                        }
                    }
                }
                // The elements' problems are reported; an empty list keeps later checks quiet.
                return failed ? [] : values
            },
            render: { values in "[" + values.map(element.render).joined(separator: ", ") + "]" })
    }

    /// An optional value: absent means nil.
    static func optional<Wrapped>(_ wrapped: ValueCodec<Wrapped>) -> ValueCodec<Wrapped?> where Value == Wrapped? {
        ValueCodec(
            typeName: wrapped.typeName,
            decode: { node, context throws(CodecFailure) in try wrapped.decode(node, context) },
            render: { $0.map(wrapped.render) ?? "" })
    }

    /// A table of names to values (`env`, `headers`), in name order.
    static func map<Element>(_ element: ValueCodec<Element>) -> ValueCodec<[NamedValue<Element>]>
    where Value == [NamedValue<Element>] {
        ValueCodec(
            typeName: "table of \(element.typeName)s",
            decode: { node, context throws(CodecFailure) in
                guard case .table(let entries) = node else { throw mismatch("a table like { NAME = \"value\" }", node) }
                var values: [NamedValue<Element>] = []
                for entry in entries {
                    context.at(entry.key) {
                        do throws(CodecFailure) {
                            values.append(NamedValue(name: entry.key, value: try element.decode(entry.value, context)))
                        } catch {
                            context.report(error.message)
                        }
                    }
                }
                return values.sorted { $0.name < $1.name }
            },
            render: { values in
                values.isEmpty
                    ? "{}"
                    : "{ "
                        + values.map { "\(TOMLText.key($0.name)) = \(element.render($0.value))" }
                        .joined(separator: ", ") + " }"
            })
    }
}

/// A name and its value, from a table such as `env` or `headers`.
public struct NamedValue<Value: Sendable & Hashable>: Sendable, Hashable {
    public var name: String
    public var value: Value

    public init(name: String, value: Value) {
        self.name = name
        self.value = value
    }
}

/// Checks of URL strings.
enum URLCheck {
    /// An absolute http or https URL with a host.
    static func http(_ text: String) throws(CodecFailure) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw CodecFailure(message: "not a URL: \(TOMLText.quoted(text)) (expected http:// or https://)")
        }
        guard scheme == "http" || scheme == "https" else {
            throw CodecFailure(message: "unsupported scheme `\(scheme)` in \(TOMLText.quoted(text)) (http or https)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw CodecFailure(message: "no host in \(TOMLText.quoted(text))")
        }
    }

    /// http, https and file URLs as written; anything without a scheme is a path, relative to `directory`,
    /// that must exist, and becomes a `file://` URL.
    static func feed(_ text: String, directory: String) throws(CodecFailure) -> String {
        guard !text.isEmpty else { throw CodecFailure(message: "expected a URL, got an empty string") }
        if let colon = text.firstIndex(of: ":"), text[..<colon].allSatisfy({ $0.isLetter || $0 == "+" }),
            text[..<colon].count > 1
        {
            let scheme = text[..<colon].lowercased()
            switch scheme {
            case "http", "https":
                try http(text)
                return text
            case "file":
                guard text.hasPrefix("file:///") || text.hasPrefix("file://localhost/") else {
                    throw CodecFailure(
                        message: "a file URL must be absolute (file:///path); for a path relative to this "
                            + "file's folder, write the path alone")
                }
                return text
            default:
                throw CodecFailure(
                    message: "unsupported scheme `\(scheme)` in \(TOMLText.quoted(text)) (http, https or file)")
            }
        }
        let path = FilePaths.resolve(text, against: directory)
        guard FileManager.default.fileExists(atPath: path) else {
            throw CodecFailure(
                message:
                    "no such file: \(path) (a URL without a scheme is a path; for a web feed write https://\(text))")
        }
        return URL(fileURLWithPath: path).absoluteString
    }
}
