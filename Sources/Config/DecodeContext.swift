/// The problems found so far, over every file read.
final class ProblemList {
    private(set) var problems: [ConfigProblem] = []

    func append(_ problem: ConfigProblem) { problems.append(problem) }
}

/// One source being decoded: the file, its text's line index, the folder relative paths start from,
/// and the key path of the value at hand. Codecs report through it.
final class DecodeContext {
    /// The file as shown in problems.
    let file: String
    /// The folder that relative paths in this file are resolved against (absolute).
    let directory: String
    let locator: SourceLocator?
    let problems: ProblemList
    /// The value being decoded.
    var path = ConfigKeyPath()

    init(file: String, directory: String, locator: SourceLocator?, problems: ProblemList) {
        self.file = file
        self.directory = directory
        self.locator = locator
        self.problems = problems
    }

    /// Reports a problem at `path` (default: the value at hand).
    func report(_ message: String, at path: ConfigKeyPath? = nil) {
        let path = path ?? self.path
        problems.append(
            ConfigProblem(file: file, line: locator?.line(for: path), keyPath: path.description, message: message))
    }

    /// Runs `body` with `key` appended to the path.
    func at<Result>(_ key: String, _ body: () -> Result) -> Result {
        let saved = path
        path = path.appending(key)
        defer { path = saved }
        return body()
    }

    /// Runs `body` with `index` appended to the path.
    func at<Result>(index: Int, _ body: () -> Result) -> Result {
        let saved = path
        path = path.appending(index: index)
        defer { path = saved }
        return body()
    }

    /// `path` made absolute against `directory`.
    func resolve(path: String) -> String {
        FilePaths.resolve(path, against: directory)
    }
}

/// Path arithmetic on strings, without touching the file system.
enum FilePaths {
    /// `path` when absolute, else `directory/path`, with `.` and `..` components removed.
    static func resolve(_ path: String, against directory: String) -> String {
        normalize(path.hasPrefix("/") ? path : directory + "/" + path)
    }

    /// Removes empty, `.` and `..` components of an absolute path.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The folder of an absolute path.
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// "did you mean" for unknown names.
enum Suggestion {
    /// The closest of `candidates` to `word` when close enough to be a likely typo
    /// (Levenshtein distance within a third of the word's length, at least 1, at most 3).
    static func closest(to word: String, in candidates: [String]) -> String? {
        let limit = max(1, min(3, (word.count + 1) / 3))
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(word.lowercased(), candidate.lowercased())
            if distance <= limit && distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.candidate
    }

    /// `" (did you mean `interval`?)"` or nothing.
    static func phrase(for word: String, in candidates: [String]) -> String {
        closest(to: word, in: candidates).map { "; did you mean `\($0)`?" } ?? ""
    }

    /// Edit distance over characters: insertions, deletions, substitutions and swaps of two
    /// neighbours (`caht` → `chat`) count one each (optimal string alignment).
    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let left = Array(lhs)
        let right = Array(rhs)
        if left.isEmpty { return right.count }
        if right.isEmpty { return left.count }
        var before = [Int](repeating: 0, count: right.count + 1)
        var previous = Array(0...right.count)
        var current = [Int](repeating: 0, count: right.count + 1)
        for i in 1...left.count {
            current[0] = i
            for j in 1...right.count {
                let cost = left[i - 1] == right[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1 && j > 1 && left[i - 1] == right[j - 2] && left[i - 2] == right[j - 1] {
                    current[j] = min(current[j], before[j - 2] + 1)
                }
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[right.count]
    }
}
