/// One thing wrong with the configuration, with where it is.
public struct ConfigProblem: Sendable, Hashable, CustomStringConvertible {
    /// The file as given (the main file's path, an included file's path, an OPML file), or
    /// `environment` / `command line` for overrides.
    public var file: String
    /// 1-based; nil when the problem has no line (a missing file, an environment variable).
    public var line: Int?
    /// The key the problem is about (empty for the whole file); for overrides, the variable or option.
    public var keyPath: String
    public var message: String

    public init(file: String, line: Int?, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.message = message
    }

    /// `config/feedd.toml:12: feed[0].interval: expected a duration string like "30m", got 30`.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if !keyPath.isEmpty { text += "\(keyPath): " }
        return text + message
    }
}

/// Every problem found in a configuration, in file and line order. Nothing starts with any of them.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var problems: [ConfigProblem]

    /// Sorts `problems` by line within each file; files in the order of `files`, then in the order
    /// they first appear.
    public init(problems: [ConfigProblem], files: [String] = []) {
        var fileOrder: [String: Int] = [:]
        for file in files where fileOrder[file] == nil { fileOrder[file] = fileOrder.count }
        for problem in problems where fileOrder[problem.file] == nil { fileOrder[problem.file] = fileOrder.count }
        self.problems = problems.enumerated().sorted { lhs, rhs in
            let (left, right) = (lhs.element, rhs.element)
            if left.file != right.file { return fileOrder[left.file, default: 0] < fileOrder[right.file, default: 0] }
            if left.line != right.line { return (left.line ?? 0) < (right.line ?? 0) }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }

    /// One problem per line.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
