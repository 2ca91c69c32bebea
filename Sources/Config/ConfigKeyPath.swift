/// Where a value sits in the TOML tree: `feed[2].filter.include`, `hook[0].retry.base`.
///
/// Indexes count the `[[feed]]` or `[[hook]]` tables of one file from 0, in the order they are written.
public struct ConfigKeyPath: Sendable, Hashable, CustomStringConvertible {
    /// One step: a key of a table or an index of an array.
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) {
        self.components = components
    }

    /// A path of keys only: `ConfigKeyPath(keys: "retention", "max_age")`.
    public init(keys: String...) {
        components = keys.map { .key($0) }
    }

    /// This path with `key` appended.
    public func appending(_ key: String) -> ConfigKeyPath {
        ConfigKeyPath(components + [.key(key)])
    }

    /// This path with `index` appended.
    public func appending(index: Int) -> ConfigKeyPath {
        ConfigKeyPath(components + [.index(index)])
    }

    /// The path without its last component.
    public var parent: ConfigKeyPath {
        ConfigKeyPath(Array(components.dropLast()))
    }

    public var isEmpty: Bool { components.isEmpty }

    /// `feed[2].filter.include`; keys that are not bare TOML keys are quoted.
    public var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += TOMLText.key(key)
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }
}
