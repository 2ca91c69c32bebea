/// Text helpers for the commands that edit configuration files (`feedd add`, `feedd remove`,
/// `feedd import-opml`): the same quoting and "did you mean" the loader uses.
public enum ConfigEditing {
    /// `value` as a TOML basic string, escaped.
    public static func quoted(_ value: String) -> String {
        TOMLText.quoted(value)
    }

    /// The closest of `candidates` to `word` when close enough to be a likely typo.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        Suggestion.closest(to: word, in: candidates)
    }

    /// Whether `name` is a valid feed or hook name (`NameRule`).
    public static func isValidName(_ name: String) -> Bool {
        NameRule.isValid(name)
    }
}
