/// The one rule for feed and hook names, checked wherever a name comes in (the configuration, `feedd add`,
/// `feedd import-opml`).
///
/// A name appears in command lines (`feedd held release NAME`, `--feed NAME`), in the HTTP listener's URLs
/// (`/items?feed=NAME`), in hook environments (`FEEDD_FEED`), in log lines and in the store. So it is made
/// of characters that need no quoting or escaping in any of them (ASCII letters, digits, `-`, `_`, `.`: the
/// unreserved characters of a URL, safe in a shell word and in a file name); it starts with a letter or
/// digit, so that it is never read as an option (`-v`) nor as a hidden or relative path (`.`, `..`,
/// `.cache`) should it ever name a file; and it is at most `maximumLength` characters, short enough to
/// read in a table and far below any file-name limit. Dots inside a name (`a..b`, `lwn.net`) are plain
/// characters and allowed: a name is never split on them, nor joined into a path.
public enum NameRule {
    /// The longest name allowed.
    public static let maximumLength = 100

    /// The rule in words, as error messages state it.
    public static let summary =
        "1 to \(maximumLength) ASCII letters, digits, -, _ and ., starting with a letter or digit"

    /// Nil when `name` follows the rule, else why it does not (the rule in words).
    public static func problem(_ name: String) -> String? {
        guard let first = name.unicodeScalars.first else { return "must not be empty (a name is \(summary))" }
        let allowed = name.unicodeScalars.allSatisfy {
            $0.isASCII && (isAlphanumeric($0) || "-_.".unicodeScalars.contains($0))
        }
        guard allowed, isAlphanumeric(first), name.unicodeScalars.count <= maximumLength else {
            return "\(TOMLText.quoted(name)) is not a valid name (\(summary))"
        }
        return nil
    }

    /// Whether `name` follows the rule.
    public static func isValid(_ name: String) -> Bool { problem(name) == nil }

    private static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}
