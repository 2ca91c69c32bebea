import Fetcher
import TestSupport

/// Runs `body` with a fetcher and shuts it down afterwards, even when `body` throws.
func withFetcher<Result: Sendable>(
    _ configuration: HTTPFetcher.Configuration = HTTPFetcher.Configuration(),
    _ body: (HTTPFetcher) async throws -> Result
) async throws -> Result {
    let fetcher = try HTTPFetcher(configuration: configuration)
    defer { fetcher.shutdown() }
    return try await body(fetcher)
}

/// Starts a test server and a fetcher with `configuration`, and runs `body` with both.
func withServerAndFetcher<Result: Sendable>(
    _ configuration: HTTPFetcher.Configuration = HTTPFetcher.Configuration(),
    _ body: (HTTPTestServer, String, HTTPFetcher) async throws -> Result
) async throws -> Result {
    try await HTTPTestServer.withRunning { server, baseURL in
        try await withFetcher(configuration) { fetcher in
            try await body(server, baseURL, fetcher)
        }
    }
}

extension HTTPFetcher {
    /// Fetches `url` with the fetcher's defaults, or with `limits`.
    func fetch(_ url: String, limits: FetchLimits? = nil) async -> FetchResult {
        await fetch(FetchRequest(url: url, limits: limits))
    }
}
