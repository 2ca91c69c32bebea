public import FeedModel
internal import Foundation

/// Reads the configuration file, the files it includes and the OPML files it names, applies the
/// environment and command-line overrides, and validates the result, collecting every problem.
///
/// Precedence: command line (`overrides`), then environment (`FEEDD_STATE_DIR`, `FEEDD_LOG_LEVEL`,
/// `FEEDD_LOG_FORMAT`, `FEEDD_LISTEN`, `FEEDD_INSTANCE`), then the file, then defaults (for `state_dir`: `$STATE_DIRECTORY`, which systemd
/// sets from `StateDirectory=`, then `/var/lib/feedd`).
public struct ConfigLoader: Sendable {
    /// Reads an OPML file's bytes (`FeedParser.OPMLReader.read`); the configuration target does not
    /// parse XML itself.
    public typealias OPMLReading = @Sendable (_ bytes: [UInt8]) throws -> OPMLDocument

    /// The process environment (or a test's).
    public var environment: [String: String]
    /// Command-line values by key (`["state_dir": "/tmp/state"]`), written as TOML values would be
    /// (a duration as `30m`, a list as `a,b`).
    public var overrides: [String: String]
    /// Needed when the configuration names OPML files.
    public var opmlReader: OPMLReading?
    /// Where relative paths given on the command line or in the environment start from.
    public var currentDirectory: String
    /// Also check the file system: a folder a hook writes into (a `jsonl` file's, a Maildir) that does
    /// not exist and cannot be made, an exec hook's `working_directory` that does not exist. `feedd
    /// check` sets it; commands that only read the configuration do not.
    public var checksOutputPaths = false

    public init(
        environment: [String: String],
        overrides: [String: String] = [:],
        opmlReader: OPMLReading? = nil,
        currentDirectory: String? = nil
    ) {
        self.environment = environment
        self.overrides = overrides
        self.opmlReader = opmlReader
        self.currentDirectory = currentDirectory ?? FileManager.default.currentDirectoryPath
    }

    /// The environment variables the loader reads; a caller may pass only these.
    public static let environmentVariables = [
        "FEEDD_CONFIG", "FEEDD_STATE_DIR", "FEEDD_LOG_LEVEL", "FEEDD_LOG_FORMAT", "FEEDD_LISTEN", "FEEDD_INSTANCE",
        "STATE_DIRECTORY",
    ]

    /// `ConfigLoader(environment:…).load(path:)`.
    public static func load(
        path: String, environment: [String: String], overrides: [String: String] = [:],
        opmlReader: OPMLReading? = nil
    ) throws(ConfigErrors) -> FeeddConfiguration {
        try ConfigLoader(environment: environment, overrides: overrides, opmlReader: opmlReader).load(path: path)
    }

    /// The file to read: `option` (from `--config`), else `$FEEDD_CONFIG`, else `/etc/feedd/feedd.toml`
    /// when it exists, else `config/feedd.toml` (relative to the current directory).
    public static func defaultPath(
        option: String?, environment: [String: String], fileExists: ((String) -> Bool)? = nil
    ) -> String {
        if let option, !option.isEmpty { return option }
        if let path = environment["FEEDD_CONFIG"], !path.isEmpty { return path }
        let exists = fileExists ?? { FileManager.default.fileExists(atPath: $0) }
        if exists("/etc/feedd/feedd.toml") { return "/etc/feedd/feedd.toml" }
        return "config/feedd.toml"
    }

    /// The `state_dir` the file at `path` sets itself (resolved against the file's folder) and its line, or
    /// nil when it sets none. Reads that file and that key only, so that a configuration with problems
    /// elsewhere still names its store: what the commands that only read or tend the store need.
    /// Throws when the file cannot be read or parsed, or `state_dir` is not a string.
    public func stateDirectorySetting(path: String) throws(ConfigErrors) -> (directory: String, line: Int?)? {
        let (absolutePath, text, root) = try readAlone(path: path)
        guard let value = root.entries?.first(where: { $0.key == "state_dir" })?.value else { return nil }
        let line = SourceLocator(text: text).line(for: ConfigKeyPath(keys: "state_dir"))
        guard case .string(let directory) = value, !directory.isEmpty else {
            throw ConfigErrors(problems: [
                ConfigProblem(
                    file: path, line: line, keyPath: "state_dir",
                    message: "expected a non-empty string, got \(value.shortText)")
            ])
        }
        return (FilePaths.resolve(directory, against: FilePaths.directory(of: absolutePath)), line)
    }

    /// The PostgreSQL store the file at `path` names (`store`, with `store_password`) and the line of
    /// `store`, or nil when it sets no `store`. Like `stateDirectorySetting`, reads that file and those keys
    /// only, checked as a full load checks them; throws their problems (file:line, the part of the URL at
    /// fault), or when the file cannot be read or parsed.
    public func databaseSetting(path: String) throws(ConfigErrors) -> (database: DatabaseSetting, line: Int?)? {
        let (absolutePath, text, root) = try readAlone(path: path)
        let entries = (root.entries ?? []).filter { ["store", "store_password", "instance"].contains($0.key) }
        guard entries.contains(where: { $0.key == "store" }) else { return nil }
        let problems = ProblemList()
        let locator = SourceLocator(text: text)
        let context = DecodeContext(
            file: path, directory: FilePaths.directory(of: absolutePath), locator: locator, problems: problems)
        var configuration = FeeddConfiguration()
        _ = SectionDecoder.decodeEntries(entries, into: &configuration, context: context)
        ConfigValidator.checkStorePassword(configuration, main: context)
        guard problems.problems.isEmpty, let database = configuration.database else {
            throw ConfigErrors(problems: problems.problems, files: [path])
        }
        return (database, locator.line(for: ConfigKeyPath(keys: "store")))
    }

    /// The file at `path` parsed, for reading a key or two alone: its absolute path, text and root table.
    private func readAlone(path: String) throws(ConfigErrors) -> (String, String, ConfigNode) {
        let absolutePath = FilePaths.resolve(path, against: currentDirectory)
        func problem(_ line: Int?, _ message: String) -> ConfigErrors {
            ConfigErrors(problems: [ConfigProblem(file: path, line: line, keyPath: "", message: message)])
        }
        guard let data = FileManager.default.contents(atPath: absolutePath) else {
            throw problem(nil, FileManager.default.fileExists(atPath: absolutePath) ? "cannot be read" : "no such file")
        }
        let text = String(decoding: data, as: UTF8.self)
        do throws(ConfigNode.SyntaxError) {
            return (absolutePath, text, try ConfigNode.parse(text))
        } catch {
            throw problem(error.line, error.message)
        }
    }

    /// The validated configuration of the file at `path`, or every problem found.
    public func load(path: String) throws(ConfigErrors) -> FeeddConfiguration {
        try load(path: path, text: nil)
    }

    /// The validated configuration whose main file holds `text`, as if it were the file at `path`
    /// (problems name `path`; `include`, `opml` and relative paths start from its folder), or every
    /// problem found. For configurations made in code: tests, and programs that embed the daemon.
    public func load(text: String, path: String) throws(ConfigErrors) -> FeeddConfiguration {
        try load(path: path, text: text)
    }

    private func load(path: String, text: String?) throws(ConfigErrors) -> FeeddConfiguration {
        var session = LoadSession(loader: self, path: path, text: text)
        let configuration = session.run()
        let problems = session.problems.problems
        guard problems.isEmpty else { throw ConfigErrors(problems: problems, files: [path]) }
        return configuration
    }
}

/// Where a feed or hook came from, for cross-checks that report against it.
struct DefinitionSource {
    let context: DecodeContext
    let path: ConfigKeyPath
}

/// One run of the loader.
private struct LoadSession {
    let loader: ConfigLoader
    /// As given (shown in problems).
    let displayPath: String
    let absolutePath: String
    /// The main file's text when given in code (`load(text:path:)`), else nil: it is read from disk.
    let mainText: String?
    let problems = ProblemList()
    var configuration = FeeddConfiguration()
    var feedSources: [DefinitionSource] = []
    var hookSources: [DefinitionSource] = []

    init(loader: ConfigLoader, path: String, text: String?) {
        self.loader = loader
        mainText = text
        displayPath = path
        absolutePath = FilePaths.resolve(path, against: loader.currentDirectory)
    }

    mutating func run() -> FeeddConfiguration {
        configuration.file = absolutePath
        guard let (main, entries) = read(absolutePath, display: displayPath, at: nil) else { return configuration }
        var stateDirectorySet = entries.contains { $0.key == "state_dir" }
        readMain(entries, context: main)
        stateDirectorySet = applyOverrides() || stateDirectorySet
        if !stateDirectorySet, let directory = loader.environment["STATE_DIRECTORY"], !directory.isEmpty {
            // systemd joins several StateDirectory= entries with colons; the first is ours.
            let first = String(directory.split(separator: ":").first ?? Substring(directory))
            configuration.stateDirectory = FilePaths.resolve(first, against: loader.currentDirectory)
        }
        ConfigValidator(
            configuration: configuration, main: main, feedSources: feedSources, hookSources: hookSources,
            problems: problems, checksOutputPaths: loader.checksOutputPaths
        ).validate()
        return configuration
    }

    /// Reads and parses a TOML file; problems (unreadable, syntax) are reported against `reference`
    /// (the `include` key naming it) or the file itself.
    private func read(
        _ path: String, display: String, at reference: (DecodeContext, ConfigKeyPath)?
    ) -> (DecodeContext, [(key: String, value: ConfigNode)])? {
        let given = reference == nil ? mainText.map { Data($0.utf8) } : nil
        guard let data = given ?? FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
            if let (context, keyPath) = reference {
                context.report("\(display): \(reason)", at: keyPath)
            } else {
                problems.append(ConfigProblem(file: display, line: nil, keyPath: "", message: reason))
            }
            return nil
        }
        let text = String(decoding: data, as: UTF8.self)
        let context = DecodeContext(
            file: display, directory: FilePaths.directory(of: path), locator: SourceLocator(text: text),
            problems: problems)
        do throws(ConfigNode.SyntaxError) {
            let root = try ConfigNode.parse(text)
            return (context, root.entries ?? [])
        } catch {
            problems.append(ConfigProblem(file: display, line: error.line, keyPath: "", message: error.message))
            return nil
        }
    }

    private mutating func readMain(_ entries: [(key: String, value: ConfigNode)], context: DecodeContext) {
        let tables = entries.filter { $0.key == "feed" || $0.key == "hook" }
        let globals = entries.filter { $0.key != "feed" && $0.key != "hook" }
        let unknown = SectionDecoder.decodeEntries(globals, into: &configuration, context: context)
        let known = FeeddConfiguration.options.map(\.info.key) + ["feed", "hook"]
        for entry in unknown {
            context.at(entry.key) { SectionDecoder.reportUnknown(entry.key, known: known, context: context) }
        }
        readTables(tables, context: context)
        readIncludes(context: context)
        readOPML(context: context)
    }

    /// `[[feed]]` and `[[hook]]` tables of one file.
    private mutating func readTables(_ entries: [(key: String, value: ConfigNode)], context: DecodeContext) {
        for entry in entries {
            context.at(entry.key) {
                guard case .array(let nodes) = entry.value, nodes.allSatisfy({ $0.entries != nil }) else {
                    context.report("write each one as a [[\(entry.key)]] table")
                    return
                }
                for (index, node) in nodes.enumerated() {
                    context.at(index: index) {
                        let source = DefinitionSource(context: context, path: context.path)
                        let line = context.locator?.line(for: context.path).map { ":\($0)" } ?? ""
                        if entry.key == "feed" {
                            guard var feed = SectionDecoder.decode(node, as: FeedConfiguration.self, context: context)
                            else { return }
                            feed.origin = context.file + line
                            configuration.feeds.append(feed)
                            feedSources.append(source)
                        } else {
                            var hook = decodeHook(node.entries ?? [], context: context)
                            hook.origin = context.file + line
                            configuration.hookDefinitions.append(hook)
                            hookSources.append(source)
                        }
                    }
                }
            }
        }
    }

    /// A hook: the common keys (`type` among them), then the kind's own; a key of another kind is
    /// reported as such.
    private func decodeHook(_ entries: [(key: String, value: ConfigNode)], context: DecodeContext) -> HookConfiguration
    {
        var hook = HookConfiguration()
        let rest = SectionDecoder.decodeEntries(entries, into: &hook, context: context)
        guard entries.contains(where: { $0.key == "type" }),
            HookKind.allCases.map(\.rawValue).contains(typeText(entries))
        else { return hook }
        var settings = hook.settings
        let unknown = settings.decode(rest, context: context)
        hook.settings = settings
        let kind = hook.kind
        let known = HookConfiguration.options.map(\.info.key) + HookKindSettings.optionInfos(for: kind).map(\.key)
        for entry in unknown {
            context.at(entry.key) {
                let owners = HookKind.allCases.filter { other in
                    other != kind && HookKindSettings.optionInfos(for: other).contains { $0.key == entry.key }
                }
                if owners.isEmpty {
                    SectionDecoder.reportUnknown(entry.key, known: known, context: context)
                } else {
                    let names = owners.map(\.rawValue).joined(separator: " and ")
                    context.report("`\(entry.key)` is a key of \(names) hooks, not of \(kind.rawValue) hooks")
                }
            }
        }
        return hook
    }

    private func typeText(_ entries: [(key: String, value: ConfigNode)]) -> String {
        guard case .string(let text)? = entries.first(where: { $0.key == "type" })?.value else { return "" }
        return text
    }

    /// The files of `include`: only `[[feed]]` and `[[hook]]` tables.
    private mutating func readIncludes(context: DecodeContext) {
        for (index, pattern) in configuration.include.enumerated() {
            let keyPath = ConfigKeyPath(keys: "include").appending(index: index)
            let files: [String]
            if Glob.hasWildcard(pattern) {
                files = Glob.files(matching: pattern)
            } else {
                files = [pattern]
            }
            for file in files {
                guard file != absolutePath else {
                    context.report("a file cannot include itself", at: keyPath)
                    continue
                }
                guard let (included, entries) = read(file, display: display(file), at: (context, keyPath)) else {
                    continue
                }
                var tables: [(key: String, value: ConfigNode)] = []
                for entry in entries {
                    if entry.key == "feed" || entry.key == "hook" {
                        tables.append(entry)
                    } else {
                        included.at(entry.key) {
                            included.report("an included file holds only [[feed]] and [[hook]] tables")
                        }
                    }
                }
                readTables(tables, context: included)
            }
        }
    }

    /// How a file beside or below the main one is named in problems: by the main file's folder as
    /// given (`config/feeds.d/news.toml`); other files by their absolute path.
    private func display(_ file: String) -> String {
        let mainDirectory = FilePaths.directory(of: absolutePath)
        guard file.hasPrefix(mainDirectory + "/") else { return file }
        let relative = String(file.dropFirst(mainDirectory.count + 1))
        let displayDirectory = FilePaths.directoryText(of: displayPath)
        return displayDirectory.isEmpty ? relative : displayDirectory + "/" + relative
    }

    /// Feeds from the outlines of the `opml` files.
    private mutating func readOPML(context: DecodeContext) {
        for (index, path) in configuration.opml.enumerated() {
            let keyPath = ConfigKeyPath(keys: "opml").appending(index: index)
            let shown = display(path)
            guard let data = FileManager.default.contents(atPath: path) else {
                context.report("\(shown): no such file", at: keyPath)
                continue
            }
            guard let reader = loader.opmlReader else {
                context.report("OPML files cannot be read here (no OPML reader given)", at: keyPath)
                continue
            }
            let document: OPMLDocument
            do {
                document = try reader(Array(data))
            } catch {
                context.report("\(shown): \(error)", at: keyPath)
                continue
            }
            let opmlContext = DecodeContext(
                file: shown, directory: FilePaths.directory(of: path), locator: nil, problems: problems)
            var taken = Set(configuration.feeds.map(\.name))
            let knownURLs = Set(configuration.feeds.map(\.url))
            for (position, subscription) in document.subscriptions.enumerated() {
                let outline = subscription.outline
                let label = outline.title ?? outline.text ?? outline.xmlURL ?? ""
                let outlinePath = ConfigKeyPath(keys: "outline").appending(index: position)
                let url: String
                do throws(CodecFailure) {
                    url = try URLCheck.feed(outline.xmlURL ?? "", directory: opmlContext.directory)
                } catch {
                    opmlContext.report("\(TOMLText.quoted(label)): \(error.message)", at: outlinePath)
                    continue
                }
                // A feed the TOML already names wins over its OPML twin.
                guard !knownURLs.contains(url) else { continue }
                var feed = FeedConfiguration(name: Slug.unique(Slug.make(label, url: url), taken: taken), url: url)
                taken.insert(feed.name)
                feed.tags = subscription.categories
                feed.origin = shown
                configuration.feeds.append(feed)
                feedSources.append(DefinitionSource(context: opmlContext, path: outlinePath))
            }
        }
    }

    /// Environment variables and command-line values over the file; true when one set `state_dir`.
    private mutating func applyOverrides() -> Bool {
        var stateDirectorySet = false
        let environmentContext = DecodeContext(
            file: "environment", directory: loader.currentDirectory, locator: nil, problems: problems)
        for option in FeeddConfiguration.options {
            guard let variable = option.info.environment, let text = loader.environment[variable], !text.isEmpty
            else { continue }
            environmentContext.path = ConfigKeyPath(keys: variable)
            option.apply(&configuration, ValueCodecs.node(for: option.info, text: text), environmentContext)
            if option.info.key == "state_dir" { stateDirectorySet = true }
        }
        let commandLineContext = DecodeContext(
            file: "command line", directory: loader.currentDirectory, locator: nil, problems: problems)
        let known = FeeddConfiguration.options.map(\.info.key)
        for (key, text) in loader.overrides.sorted(by: { $0.key < $1.key }) {
            commandLineContext.path = ConfigKeyPath(keys: key)
            guard let option = FeeddConfiguration.options.first(where: { $0.info.key == key }) else {
                SectionDecoder.reportUnknown(key, known: known, context: commandLineContext)
                continue
            }
            option.apply(&configuration, ValueCodecs.node(for: option.info, text: text), commandLineContext)
            if key == "state_dir" { stateDirectorySet = true }
        }
        return stateDirectorySet
    }
}

/// Turning override text into nodes by the option's type.
enum ValueCodecs {
    static func node(for info: OptionInfo, text: String) -> ConfigNode {
        switch info.type {
        case "integer": return Int(text).map(ConfigNode.integer) ?? .string(text)
        case "number": return Double(text).map(ConfigNode.float) ?? .string(text)
        case "boolean":
            switch text.lowercased() {
            case "true", "1", "yes": return .boolean(true)
            case "false", "0", "no": return .boolean(false)
            default: return .string(text)
            }
        case _ where info.type.hasPrefix("list of"):
            return .array(text.split(separator: ",").map { .string(String($0)) })
        default: return .string(text)
        }
    }
}

/// Feed names from OPML titles.
enum Slug {
    /// Lower case letters and digits, other runs as one `-`: "BBC News – World" → "bbc-news-world";
    /// the URL's host when the title gives nothing.
    static func make(_ title: String, url: String) -> String {
        var slug = ""
        for scalar in title.lowercased().unicodeScalars {
            if scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.isEmpty && !slug.hasSuffix("-") {
                slug += "-"
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        if slug.count > 48 { slug = String(slug.prefix(48)).trimmingSuffix("-") }
        if slug.isEmpty, let host = URLComponents(string: url)?.host, !host.isEmpty {
            return make(host, url: "")
        }
        return slug.isEmpty ? "feed" : slug
    }

    /// `slug`, or `slug-2`, `slug-3`… when taken.
    static func unique(_ slug: String, taken: Set<String>) -> String {
        guard taken.contains(slug) else { return slug }
        var number = 2
        while taken.contains("\(slug)-\(number)") { number += 1 }
        return "\(slug)-\(number)"
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: Character) -> String {
        var result = self
        while result.last == suffix { result.removeLast() }
        return result
    }
}

extension FilePaths {
    /// The folder part of a path as written (`config` of `config/feedd.toml`).
    static func directoryText(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }
}
