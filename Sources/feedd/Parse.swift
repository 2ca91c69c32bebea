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
            HTML page, an empty file) prints one line on standard error and exits with
            status 65.

            The parser never touches the network or the file system on its own: external
            entities and DTDs are not loaded, and entity expansion is bounded.

            EXAMPLES
              feedd parse --pretty config/examples/feedd-news.xml
              curl -s https://lwn.net/headlines/rss | feedd parse --base-url https://lwn.net/ -
              feedd parse https://www.debian.org/News/news | jq '.items[].title'

            EXIT STATUS
              0 printed; 1 the input could not be read or fetched; 65 not a feed; 64 bad usage.
            """
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
    var maxSize = 32 << 20

    @Option(help: ArgumentHelp("Seconds to wait for a URL before giving up.", valueName: "seconds"))
    var timeout = 60

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
        let document: FeedDocument
        if `repeat` == 1 && !InputSource.isURL(input) {
            // A file or standard input streams through the parser and is never held whole.
            let session = FeedParser(options: .init(baseURL: baseURL, charset: charset)).session()
            do {
                try InputSource.stream(input, maxSize: maxSize) { session.push($0) }
            } catch {
                Diagnostics.fail("\(input): \(error)", status: 1)
            }
            do {
                document = try session.finish()
            } catch {
                Diagnostics.fail("\(input): \(error)", status: 65)
            }
        } else {
            document = await parseWhole()
        }
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
            for _ in 0..<`repeat` {
                document = nil  // One document at a time, as in a single parse.
                document = try parser.parse(source.bytes)
            }
        } catch {
            Diagnostics.fail("\(input): \(error)", status: 65)
        }
        guard let document else { Diagnostics.fail("\(input): nothing parsed", status: 65) }
        return document
    }
}
