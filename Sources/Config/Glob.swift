internal import Foundation

/// Shell-style file name patterns for `include`: `*`, `?` and `[…]` (`[!…]` negated, ranges) in any
/// path component; `*` never matches a `/` or a leading `.`.
enum Glob {
    /// The existing regular files matching the absolute `pattern`, sorted.
    static func files(matching pattern: String) -> [String] {
        var candidates = ["/"]
        let components = pattern.split(separator: "/").map(String.init)
        for (position, component) in components.enumerated() {
            let isLast = position == components.count - 1
            var next: [String] = []
            for base in candidates {
                if !hasWildcard(component) {
                    next.append(join(base, component))
                    continue
                }
                let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
                for name in names.sorted() where matches(component, name) {
                    if name.hasPrefix(".") && !component.hasPrefix(".") { continue }
                    next.append(join(base, name))
                }
            }
            candidates = next.filter { path in
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return false }
                return isLast ? !isDirectory.boolValue : isDirectory.boolValue
            }
        }
        return candidates.sorted()
    }

    static func hasWildcard(_ text: String) -> Bool {
        text.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    private static func join(_ base: String, _ name: String) -> String {
        base == "/" ? "/" + name : base + "/" + name
    }

    /// Whether `name` matches the one-component `pattern`.
    static func matches(_ pattern: String, _ name: String) -> Bool {
        matches(Array(pattern), 0, Array(name), 0)
    }

    private static func matches(_ pattern: [Character], _ p: Int, _ name: [Character], _ n: Int) -> Bool {
        guard p < pattern.count else { return n == name.count }
        switch pattern[p] {
        case "*":
            for start in n...name.count where matches(pattern, p + 1, name, start) { return true }
            return false
        case "?":
            return n < name.count && matches(pattern, p + 1, name, n + 1)
        case "[":
            guard n < name.count, let (matched, end) = bracket(pattern, p, name[n]) else {
                // An unclosed bracket is an ordinary character.
                return n < name.count && name[n] == "[" && matches(pattern, p + 1, name, n + 1)
            }
            return matched && matches(pattern, end, name, n + 1)
        default:
            return n < name.count && pattern[p] == name[n] && matches(pattern, p + 1, name, n + 1)
        }
    }

    /// Whether `character` is in the bracket expression at `start`, and the index after it; nil when unclosed.
    private static func bracket(_ pattern: [Character], _ start: Int, _ character: Character) -> (Bool, Int)? {
        var index = start + 1
        let negated = index < pattern.count && (pattern[index] == "!" || pattern[index] == "^")
        if negated { index += 1 }
        var matched = false
        var first = true
        while index < pattern.count && (pattern[index] != "]" || first) {
            first = false
            if index + 2 < pattern.count && pattern[index + 1] == "-" && pattern[index + 2] != "]" {
                if pattern[index] <= character && character <= pattern[index + 2] { matched = true }
                index += 3
            } else {
                if pattern[index] == character { matched = true }
                index += 1
            }
        }
        guard index < pattern.count else { return nil }
        return (matched != negated, index + 1)
    }
}
