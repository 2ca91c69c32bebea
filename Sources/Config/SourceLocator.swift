/// Finds the line of a key in TOML source text.
///
/// TOMLKit 0.6 keeps no positions for values, so a problem found after parsing (an unknown key, a bad
/// value, a name used twice) looks its line up here: the text is scanned once for table headers
/// (`[a.b]`, and `[[feed]]` counted per array so that `feed[2]` is the third) and for `key = value`
/// lines (dotted keys included), skipping comments, multi-line strings and multi-line arrays or inline
/// tables. A path that is not written as such (a key inside an inline table, a default) falls back to
/// its nearest written ancestor: the key holding the inline table, else the table's header.
struct SourceLocator: Sendable {
    /// Line (1-based) of each written path, by `ConfigKeyPath.description`.
    private var lines: [String: Int] = [:]

    init(text: String) {
        var arrayIndexes: [String: Int] = [:]
        var table = ConfigKeyPath()
        var open = OpenConstruct.none
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var scanner = LineScanner(Substring(rawLine))
            if open.isOpen {
                open = scanner.continueConstruct(open)
                continue
            }
            scanner.skipSpaces()
            guard let first = scanner.peek, first != "#" else { continue }
            if first == "[" {
                guard let header = scanner.header() else { continue }
                var path = ConfigKeyPath()
                for (position, key) in header.keys.enumerated() {
                    path = path.appending(key)
                    let isLast = position == header.keys.count - 1
                    if isLast && header.isArray {
                        let index = (arrayIndexes[path.description] ?? -1) + 1
                        arrayIndexes[path.description] = index
                        path = path.appending(index: index)
                    } else if let index = arrayIndexes[path.description] {
                        path = path.appending(index: index)
                    }
                }
                table = path
                record(path, lineNumber)
            } else if let keys = scanner.keyBeforeEquals() {
                var path = table
                for key in keys {
                    path = path.appending(key)
                    record(path, lineNumber)
                }
                open = scanner.continueConstruct(.value(depth: 0))
            }
        }
    }

    private mutating func record(_ path: ConfigKeyPath, _ line: Int) {
        if lines[path.description] == nil { lines[path.description] = line }
    }

    /// The line of `path`, else of its nearest written ancestor; nil when nothing of it is written.
    func line(for path: ConfigKeyPath) -> Int? {
        var path = path
        while !path.isEmpty {
            if let line = lines[path.description] { return line }
            path = path.parent
        }
        return nil
    }
}

/// What a line left open for the next ones.
private enum OpenConstruct {
    case none
    /// Inside a value: `depth` brackets or braces are open.
    case value(depth: Int)
    /// Inside a multi-line string (`"""` or `'''`), within a value at `depth`.
    case multilineString(quote: Character, depth: Int)

    var isOpen: Bool {
        if case .none = self { return false }
        return true
    }
}

/// Reads one line of TOML by characters.
private struct LineScanner {
    private let text: Substring
    private var position: Substring.Index

    init(_ text: Substring) {
        self.text = text
        position = text.startIndex
    }

    var peek: Character? { position < text.endIndex ? text[position] : nil }

    mutating func skipSpaces() {
        while let character = peek, character == " " || character == "\t" || character == "\r" { advance() }
    }

    private mutating func advance() { position = text.index(after: position) }

    private func hasPrefix(_ prefix: String) -> Bool { text[position...].hasPrefix(prefix) }

    /// `[a.b]` or `[[a.b]]`.
    mutating func header() -> (keys: [String], isArray: Bool)? {
        advance()
        let isArray = peek == "["
        if isArray { advance() }
        guard let keys = dottedKey() else { return nil }
        skipSpaces()
        guard peek == "]" else { return nil }
        return (keys, isArray)
    }

    /// `a.b =` at the start of a key/value line; leaves the position after `=`.
    mutating func keyBeforeEquals() -> [String]? {
        guard let keys = dottedKey() else { return nil }
        skipSpaces()
        guard peek == "=" else { return nil }
        advance()
        return keys
    }

    /// Bare or quoted keys separated by dots.
    private mutating func dottedKey() -> [String]? {
        var keys: [String] = []
        while true {
            skipSpaces()
            guard let character = peek else { return nil }
            if character == "\"" || character == "'" {
                advance()
                var key = ""
                while let next = peek, next != character {
                    if next == "\\" && character == "\"" {
                        advance()
                        if let escaped = peek { key.append(escaped) }
                    } else {
                        key.append(next)
                    }
                    advance()
                }
                guard peek == character else { return nil }
                advance()
                keys.append(key)
            } else {
                var key = ""
                while let next = peek, next.isLetter || next.isNumber || next == "_" || next == "-" {
                    key.append(next)
                    advance()
                }
                guard !key.isEmpty else { return nil }
                keys.append(key)
            }
            skipSpaces()
            guard peek == "." else { return keys }
            advance()
        }
    }

    /// Scans the rest of the line as (part of) a value and says what is still open at its end.
    mutating func continueConstruct(_ open: OpenConstruct) -> OpenConstruct {
        var depth: Int
        switch open {
        case .none: return .none
        case .value(let value): depth = value
        case .multilineString(let quote, let value):
            depth = value
            guard closeMultilineString(quote) else { return open }
        }
        while let character = peek {
            switch character {
            case "#":
                return depth > 0 ? .value(depth: depth) : .none
            case "[", "{":
                depth += 1
                advance()
            case "]", "}":
                depth = max(0, depth - 1)
                advance()
            case "\"", "'":
                let triple = String(repeating: character, count: 3)
                if hasPrefix(triple) {
                    for _ in 0..<3 { advance() }
                    guard closeMultilineString(character) else {
                        return .multilineString(quote: character, depth: depth)
                    }
                } else {
                    skipString(character)
                }
            default:
                advance()
            }
        }
        return depth > 0 ? .value(depth: depth) : .none
    }

    /// Moves past a one-line string (the opening quote is at the position).
    private mutating func skipString(_ quote: Character) {
        advance()
        while let character = peek {
            advance()
            if character == "\\" && quote == "\"" {
                if peek != nil { advance() }
            } else if character == quote {
                return
            }
        }
    }

    /// Moves past the closing triple quote; false when the line ends first.
    private mutating func closeMultilineString(_ quote: Character) -> Bool {
        let triple = String(repeating: quote, count: 3)
        while peek != nil {
            if peek == "\\" && quote == "\"" {
                advance()
                if peek != nil { advance() }
                continue
            }
            if hasPrefix(triple) {
                for _ in 0..<3 { advance() }
                // Up to two more quotes belong to the string's content (`""""` ends with a quote).
                while peek == quote { advance() }
                return true
            }
            advance()
        }
        return false
    }
}
