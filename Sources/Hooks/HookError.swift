/// A hook that cannot be built or cannot run as configured.
///
/// Thrown by the initializers of the hook kinds and filters at configuration time, so that
/// `feedd check` reports it before anything is delivered; `description` is the sentence for a person.
public enum HookError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A filter's `/regular expression/` does not compile.
    case invalidPattern(pattern: String, reason: String)
    /// A webhook's Mustache template does not parse.
    case invalidTemplate(hook: String, reason: String)
    /// A setting of a hook is unusable: an empty command, a URL that is not http(s), …
    case invalidSetting(hook: String, key: String, reason: String)

    public var description: String {
        switch self {
        case .invalidPattern(let pattern, let reason):
            return "filter pattern \"\(pattern)\" is not a valid regular expression: \(reason)"
        case .invalidTemplate(let hook, let reason):
            return "hook \"\(hook)\": template does not parse: \(reason)"
        case .invalidSetting(let hook, let key, let reason):
            return "hook \"\(hook)\": \(key): \(reason)"
        }
    }
}
