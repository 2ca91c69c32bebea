import Config
import Platform
import Store

/// Names a listing or tending command may be asked about: what the store knows, and what the
/// configuration names when the store was found through it (given `--state-dir` or `FEEDD_STATE_DIR`,
/// these commands read no configuration file) and it can be read.
/// Asking about a name that neither knows ends the process (status 1) with a "did you mean".
enum KnownNames {
    /// Ends the process unless `name` is a feed of the store or of the configuration.
    static func requireFeed(_ name: String?, store: any FeedStore, options: StateDirectoryOptions) async {
        guard let name else { return }
        var names = await StoreFailure.run { () async throws(StoreError) in try await store.feeds() }.map(\.name)
        names += await StoreFailure.run { () async throws(StoreError) in try await store.held() }.map(\.feed)
        names += configuration(options)?.feeds.map(\.name) ?? []
        require(name, kind: "feed", in: names)
    }

    /// Ends the process unless `name` is a hook of the configuration or has deliveries in the store.
    /// With `newAllowed` (replay: a new hook has no deliveries yet), only a configuration that was read
    /// can refuse it.
    static func requireHook(
        _ name: String?, store: any FeedStore, options: StateDirectoryOptions, newAllowed: Bool = false
    ) async {
        guard let name else { return }
        if newAllowed && configuration(options) == nil { return }
        var names = await StoreFailure.run { () async throws(StoreError) in
            try await store.pendingDeliveries(dueBy: nil, limit: .max) + store.deadDeliveries(limit: .max)
        }.map(\.hook)
        names += configuration(options)?.hookDefinitions.map(\.name) ?? []
        require(name, kind: "hook", in: names)
    }

    private static func require(_ name: String, kind: String, in names: [String]) {
        let unique = Array(Set(names)).sorted()
        guard !unique.contains(name) else { return }
        let hint = ConfigEditing.closest(to: name, in: unique).map { "; did you mean `\($0)`?" } ?? ""
        let known = unique.isEmpty ? " (none known)" : ""
        Diagnostics.fail("no \(kind) named `\(name)`\(known)\(hint)", status: 1)
    }

    /// The configuration that located the store, or nil when none was read for it (`--state-dir` or
    /// `FEEDD_STATE_DIR` given) or it cannot be loaded.
    static func configuration(_ options: StateDirectoryOptions) -> FeeddConfiguration? {
        if options.stateDirectory != nil || Environment.value("FEEDD_STATE_DIR").map({ !$0.isEmpty }) == true {
            return nil
        }
        return try? ConfigurationFile.load(option: options.configFile.path, stateDirectory: options.stateDirectory)
            .configuration
    }
}
