import ArgumentParser
import FeedModel
import FeedParser
import Fetcher

struct Parse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse one feed and print it as a normalized JSON document.",
        discussion: """
            Reads a feed from a file, from standard input (`-`) or from an http, https or
            file URL, and prints one JSON object on standard output: the normalized
            document of feedd's spec (format, title, link, feed_url, description,
            language, updated, authors, image, items, warnings). Every field is present; a
            missing one is null or []. Dates are RFC 3339 in UTC. Each item carries `key`,
            the dedup key the store uses.

            Broken feeds are read as far as a person could read them; what was recovered
            from (bad XML, HTML entities without a DTD, a wrong encoding label, an
            unreadable date) is listed in `warnings`. Input that is not a feed at all (an
            empty file, bad JSON) prints one line on standard error and exits with status
            65. A web page is named as one, with the feeds its head names (for a URL), and
            `feedd add URL` is suggested: it finds the feed a page names.

            The parser never touches the network or the file system on its own: external
            entities and DTDs are not loaded, and entity expansion is bounded.

            EXAMPLES
              feedd parse --pretty config/examples/feedd-news.xml
              feedd parse --base-url https://example.org/ - < saved-feed.xml
              feedd parse https://www.debian.org/News/news | jq '.items[].title'

            """
                + HelpText.exitStatus([
                    (0, "printed"),
                    (1, "the input could not be read or fetched"),
                    HelpText.usage,
                    (65, "not a feed (a web page says so, with the feeds it names)"),
                ])
    )

    @Argument(help: ArgumentHelp("The feed: a file path, `-` for standard input, or an http, https or file URL."))
    var input: String

    @Flag(help: "Indent the JSON for reading.")
    var pretty = false

    @Option(
        name: .customLong("base-url"),
        help: ArgumentHelp(
            "The document's own URL, against which relative links are resolved.",
            discussion: "Defaults to the URL fetched (after redirects), or none for a file or standard input.",
            valueName: "url"))
    var baseURL: String?

    @Option(
        help: ArgumentHelp(
            "The character encoding to read the input in, as an HTTP charset would give it.",
            discussion: "Overrides the XML declaration (a byte order mark still wins). For URLs the server's "
                + "charset is used unless this is given.",
            valueName: "name"))
    var charset: String?

    @Option(help: ArgumentHelp("Largest body to fetch or read, in bytes.", valueName: "bytes"))
    var maxSize = ParseRun.defaultMaxSize

    @Option(help: ArgumentHelp("Seconds to wait for a URL before giving up.", valueName: "seconds"))
    var timeout = ParseRun.defaultTimeout

    @Flag(
        help: ArgumentHelp(
            "Describe the fetch on standard error.",
            discussion: "For a URL: the request sent, each response's status and timings (name lookup, connect, "
                + "TLS, first byte, total), the validators (ETag, Last-Modified) and cache hints received."))
    var verbose = false

    @Flag(help: ArgumentHelp("Print nothing; only the exit status tells whether the input is a feed."))
    var quiet = false

    @Option(
        help: ArgumentHelp("Parse the input this many times (for benchmarks); prints the last result.", valueName: "n"))
    var `repeat` = 1

    func validate() throws {
        guard `repeat` >= 1 else { throw ValidationError("--repeat must be at least 1") }
        guard maxSize > 0 else { throw ValidationError("--max-size must be positive") }
    }

    func run() async throws {
        await ParseRun(
            input: input, pretty: pretty, baseURL: baseURL, charset: charset, maxSize: maxSize, timeout: timeout,
            verbose: verbose, quiet: quiet, repeatCount: `repeat`
        ).run()
    }
}

/// What `feedd parse` does once its arguments are read: by `Parse` (swift-argument-parser), or by
/// `init?(plainArguments:)` for the plain invocations scripts run over many files.
struct ParseRun {
    static let defaultMaxSize = 32 << 20
    static let defaultTimeout = 60

    var input: String
    var pretty = false
    var baseURL: String? = nil
    var charset: String? = nil
    var maxSize = defaultMaxSize
    var timeout = defaultTimeout
    var verbose = false
    var quiet = false
    var repeatCount = 1

    init(
        input: String, pretty: Bool, baseURL: String?, charset: String?, maxSize: Int, timeout: Int, verbose: Bool,
        quiet: Bool, repeatCount: Int
    ) {
        self.input = input
        self.pretty = pretty
        self.baseURL = baseURL
        self.charset = charset
        self.maxSize = maxSize
        self.timeout = timeout
        self.verbose = verbose
        self.quiet = quiet
        self.repeatCount = repeatCount
    }

    /// The arguments after `parse` when they are plain: one input (a path, a URL or `-`) and `Parse`'s
    /// options each written once as a separate word (`--pretty`, `--quiet`, `--verbose`, `--base-url URL`,
    /// `--charset NAME`, `--max-size N`, `--timeout N`, `--repeat N`) with valid values. Anything else,
    /// help and errors included, is nil, and swift-argument-parser reads the arguments instead: it costs
    /// about 45 million instructions at start-up (it builds every command's definitions, reflects and
    /// casts types at run time; docs/benchmarks.md), several times the parse of a typical feed.
    init?(plainArguments arguments: ArraySlice<String>) {
        var input: String?
        var seen: Set<String> = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let word = arguments[index]
            index += 1
            if word == "-" || !word.hasPrefix("-") {
                guard input == nil else { return nil }
                input = word
                continue
            }
            guard seen.insert(word).inserted else { return nil }
            switch word {
            case "--pretty": pretty = true
            case "--quiet": quiet = true
            case "--verbose": verbose = true
            case "--base-url", "--charset", "--max-size", "--timeout", "--repeat":
                guard index < arguments.endIndex, !arguments[index].hasPrefix("-") else { return nil }
                let value = arguments[index]
                index += 1
                switch word {
                case "--base-url": baseURL = value
                case "--charset": charset = value
                default:
                    guard let number = Int(value) else { return nil }
                    switch word {
                    case "--max-size": maxSize = number
                    case "--timeout": timeout = number
                    default: repeatCount = number
                    }
                }
            default: return nil
            }
        }
        // Parse.validate's checks: a value they refuse goes to swift-argument-parser for its message.
        guard let input, repeatCount >= 1, maxSize > 0 else { return nil }
        self.input = input
    }

    /// Whether the input is read as it streams in (a file or standard input, parsed once): then `runStreaming`
    /// does all the work, synchronously.
    var streams: Bool { repeatCount == 1 && !InputSource.isURL(input) }

    func run() async {
        if streams { return runStreaming() }
        write(await parseWhole())
    }

    /// Parses a file or standard input as it is read, never holding it whole, and prints it. Synchronous, so
    /// that the entry point can run it on the main thread without starting the concurrency runtime's threads.
    func runStreaming() {
        let session = FeedParser(options: .init(baseURL: baseURL, charset: charset)).session()
        do {
            try InputSource.stream(input, maxSize: maxSize) { session.push($0) }
        } catch {
            Diagnostics.fail("\(input): \(error)", status: 1)
        }
        let document: FeedDocument
        do {
            document = try session.finish()
        } catch {
            notAFeed(error, page: nil)
        }
        write(document)
    }

    private func write(_ document: FeedDocument) {
        guard !quiet else { return }
        do {
            try JSONOutput.write(document, pretty: pretty)
        } catch {
            Diagnostics.fail("standard output: \(error)", status: 1)
        }
    }

    /// Reads the whole input (a URL, or any input with `--repeat`) and parses it `repeat` times.
    private func parseWhole() async -> FeedDocument {
        let source: InputSource
        do {
            source = try await InputSource.read(input, maxSize: maxSize, timeout: timeout, verbose: verbose)
        } catch {
            Diagnostics.fail("\(input): \(error)", status: 1)
        }
        let parser = FeedParser(
            options: .init(baseURL: baseURL ?? source.url, charset: charset ?? source.charset))
        var document: FeedDocument? = nil
        do {
            for _ in 0..<repeatCount {
                document = nil  // One document at a time, as in a single parse.
                document = try parser.parse(source.bytes)
            }
        } catch {
            notAFeed(error, page: source)
        }
        guard let document else { Diagnostics.fail("\(input): nothing parsed", status: 65) }
        return document
    }

    /// Exits 65 with why the input is not a feed. A web page (root element `<html>`) is named as one,
    /// with the feeds its head names when it was read whole (a URL), and `feedd add` is suggested: it
    /// finds the feed of a page.
    private func notAFeed(_ error: ParseError, page: InputSource?) -> Never {
        guard case .notAFeed(let root) = error, root.lowercased() == "html" else {
            Diagnostics.fail("\(input): \(error)", status: 65)
        }
        var message = "\(input): a web page (HTML), not a feed"
        if let page {
            let pageURL = page.url ?? FeedTables.url(fromArgument: input)
            let candidates = FeedDiscovery.candidates(inPage: page.bytes, pageURL: pageURL)
            if candidates.isEmpty {
                message += "; its head names no feed"
            } else {
                message += "; it names \(plural(candidates.count, "feed")):\n"
                message += candidates.map { "  \($0.shown)\n" }.joined()
                message += "parse one of those, or"
            }
        }
        let argument = input == "-" ? "URL" : input.contains(" ") ? "'\(input)'" : input
        message +=
            (message.hasSuffix("or") ? " " : "\n")
            + "subscribe with `feedd add \(argument)` (it finds the feed a page names)"
        Diagnostics.fail(message, status: 65)
    }
}
