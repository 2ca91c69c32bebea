import StoreLocation

/// The rules that look at more than one value (miniflux keeps its in one `Validate()`; so do we):
/// unique names, hook references, intervals within their bounds, retry delays in order.
struct ConfigValidator {
    let configuration: FeeddConfiguration
    /// The main file, for the global keys.
    let main: DecodeContext
    let feedSources: [DefinitionSource]
    let hookSources: [DefinitionSource]
    let problems: ProblemList
    /// Also look at the file system: the folders hooks write into (`ConfigLoader.checksOutputPaths`).
    var checksOutputPaths = false

    func validate() {
        checkUniqueNames(configuration.feeds.map(\.name), sources: feedSources, what: "feed")
        checkUniqueNames(configuration.hookDefinitions.map(\.name), sources: hookSources, what: "hook")
        checkIntervals()
        checkHookReferences()
        checkListener()
        Self.checkStorePassword(configuration, main: main)
        if checksOutputPaths {
            checkOutputPaths()
            checkSecretFile(configuration.listenToken, key: "listen_token", what: "token")
            checkSecretFile(configuration.storePassword, key: "store_password", what: "password")
        }
        for (hook, source) in zip(configuration.hookDefinitions, hookSources) {
            if hook.retry.base > hook.retry.maxDelay {
                source.context.report(
                    "retry.base (\(hook.retry.base)) is longer than retry.max_delay (\(hook.retry.maxDelay))",
                    at: source.path.appending("retry"))
            }
        }
    }

    /// A listener that others can reach serves nothing without the token: `listen` on an address that is
    /// not loopback needs `listen_token`.
    private func checkListener() {
        guard let text = configuration.listen, let address = try? ListenAddress(parsing: text), !address.isLoopback,
            configuration.listenToken == nil
        else { return }
        main.report(
            "\(TOMLText.quoted(text)) is not a loopback address, so anyone who can reach it could read feeds and "
                + "items: set listen_token = { file = \"…\" } (every request then needs it), or listen on 127.0.0.1 "
                + "behind a reverse proxy",
            at: ConfigKeyPath(keys: "listen"))
    }

    /// A token file that cannot be read, or is empty, would refuse every request; a password file likewise
    /// every connection: said by `feedd check`.
    private func checkSecretFile(_ secret: Secret?, key: String, what: String) {
        guard case .file(let path) = secret else { return }
        do throws(SecretReadError) {
            if try Secret.file(path).resolve(environment: [:]).isEmpty {
                main.report("the \(what) file \(path) is empty", at: ConfigKeyPath(keys: key))
            }
        } catch {
            main.report("\(error.reason): \(path)", at: ConfigKeyPath(keys: key))
        }
    }

    /// `store_password` needs a `store`, and the URL must not carry a password of its own: one password,
    /// so it is never unclear which one counts.
    static func checkStorePassword(_ configuration: FeeddConfiguration, main: DecodeContext) {
        guard configuration.storePassword != nil else { return }
        guard let url = configuration.store else {
            main.report(
                "store_password is set but store is not (the file store in state_dir needs no password)",
                at: ConfigKeyPath(keys: "store_password"))
            return
        }
        guard (try? PostgresSettings(url: url))?.passwordSource == .url else { return }
        let line = main.locator?.line(for: ConfigKeyPath(keys: "store")).map { " (line \($0))" } ?? ""
        main.report(
            "the store URL\(line) carries a password already, and store_password gives another: keep one "
                + "(store_password, so the password stays out of the file)",
            at: ConfigKeyPath(keys: "store_password"))
    }

    /// Folders that hooks write into and that cannot be made (`OutputPathCheck`), reported at the key.
    private func checkOutputPaths() {
        for (hook, source) in zip(configuration.hookDefinitions, hookSources) {
            let problem: (key: String, message: String)?
            switch hook.settings {
            case .jsonl(let settings):
                problem = OutputPathCheck.problem(creating: FilePaths.directory(of: settings.path)).map { ("path", $0) }
            case .maildir(let settings):
                problem = OutputPathCheck.problem(creating: settings.path).map { ("path", $0) }
            case .exec(let settings):
                problem = settings.workingDirectory.flatMap(OutputPathCheck.problem(existing:)).map {
                    ("working_directory", $0)
                }
            case .webhook, .sendmail:
                problem = nil
            }
            if let problem {
                source.context.report(problem.message, at: source.path.appending(problem.key))
            }
        }
    }

    private func checkUniqueNames(_ names: [String], sources: [DefinitionSource], what: String) {
        var first: [String: DefinitionSource] = [:]
        for (name, source) in zip(names, sources) where !name.isEmpty {
            if let earlier = first[name] {
                let line = earlier.context.locator?.line(for: earlier.path).map { ":\($0)" } ?? ""
                source.context.report(
                    "\(what) name `\(name)` is already used (\(earlier.context.file)\(line))",
                    at: source.path.appending("name"))
            } else {
                first[name] = source
            }
        }
    }

    private func checkIntervals() {
        let low = configuration.minInterval
        let high = configuration.maxInterval
        if low > high {
            main.report(
                "min_interval (\(low)) is longer than max_interval (\(high))", at: ConfigKeyPath(keys: "min_interval"))
            return
        }
        if configuration.backoffCap < low {
            main.report(
                "backoff_cap (\(configuration.backoffCap)) is shorter than min_interval (\(low))",
                at: ConfigKeyPath(keys: "backoff_cap"))
        }
        if let message = outside(configuration.interval) {
            main.report(message, at: ConfigKeyPath(keys: "interval"))
        }
        for (feed, source) in zip(configuration.feeds, feedSources) {
            if let interval = feed.interval, let message = outside(interval) {
                source.context.report(message, at: source.path.appending("interval"))
            }
        }
    }

    private func outside(_ interval: ConfigDuration) -> String? {
        if interval < configuration.minInterval {
            return "\(interval) is shorter than min_interval (\(configuration.minInterval))"
        }
        if interval > configuration.maxInterval {
            return "\(interval) is longer than max_interval (\(configuration.maxInterval))"
        }
        return nil
    }

    private func checkHookReferences() {
        let defined = configuration.hookDefinitions.map(\.name)
        func check(_ names: [String], context: DecodeContext, path: ConfigKeyPath) {
            for (index, name) in names.enumerated() where !defined.contains(name) {
                context.report(
                    "no hook named `\(name)`" + Suggestion.phrase(for: name, in: defined),
                    at: path.appending(index: index))
            }
        }
        check(configuration.hooks, context: main, path: ConfigKeyPath(keys: "hooks"))
        for (feed, source) in zip(configuration.feeds, feedSources) {
            check(feed.hooks, context: source.context, path: source.path.appending("hooks"))
        }
    }
}
