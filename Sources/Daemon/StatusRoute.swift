import FlyingFox
import Foundation

/// The listener's routes: the one table that `StatusServer` dispatches on and that the OpenAPI test compares
/// with `docs/openapi.yaml`, so that what is served and what is described cannot drift apart.
///
/// A path template names its parameter in braces (`/api/feeds/{name}/poll`), as OpenAPI does. Every `GET`
/// route answers `HEAD` too.
enum StatusRoute: String, CaseIterable, Sendable {
    case statusPage
    case health
    case metrics
    case feeds
    case items
    case feedAtom
    case feedJSON
    case pollFeed
    case retryDeliveries
    case releaseHeld
    case dropHeld

    /// Who may call a route.
    enum Access: Sendable {
        /// Anyone who can reach a loopback listener; with the token on any other address.
        case read
        /// Only with the token (`listen_token`), on any address.
        case write
    }

    var method: HTTPMethod {
        switch self {
        case .statusPage, .health, .metrics, .feeds, .items, .feedAtom, .feedJSON: .GET
        case .pollFeed, .retryDeliveries, .releaseHeld, .dropHeld: .POST
        }
    }

    var template: String {
        switch self {
        case .statusPage: "/"
        case .health: "/health"
        case .metrics: "/metrics"
        case .feeds: "/feeds"
        case .items: "/items"
        case .feedAtom: "/feed.atom"
        case .feedJSON: "/feed.json"
        case .pollFeed: "/api/feeds/{name}/poll"
        case .retryDeliveries: "/api/deliveries/retry"
        case .releaseHeld: "/api/held/{name}/release"
        case .dropHeld: "/api/held/{name}/drop"
        }
    }

    var access: Access { method == .POST ? .write : .read }

    /// What a request asked for: the routes whose template fits its path, and the `{name}` it gave.
    struct Match: Sendable {
        /// Routes whose template fits the path, whatever their method.
        var routes: [StatusRoute]
        /// The path parameter, percent-decoded.
        var name: String?

        /// The route for `method` (`HEAD` is served by the `GET` route).
        func route(for method: HTTPMethod) -> StatusRoute? {
            let wanted = method == .HEAD ? HTTPMethod.GET : method
            return routes.first { $0.method == wanted }
        }

        /// The methods the path allows, for a `405`'s `Allow` header.
        var allowed: String {
            routes.flatMap { $0.method == .GET ? ["GET", "HEAD"] : [$0.method.rawValue] }.joined(separator: ", ")
        }
    }

    /// The routes that `path` fits (none: `404`).
    static func match(_ path: String) -> Match {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        var found = Match(routes: [])
        for route in allCases {
            let pattern = route.template.split(separator: "/", omittingEmptySubsequences: false)
            guard pattern.count == parts.count else { continue }
            var name: String? = nil
            var fits = true
            for (expected, given) in zip(pattern, parts) {
                if expected == "{name}" {
                    guard !given.isEmpty, let decoded = String(given).removingPercentEncoding else {
                        fits = false
                        break
                    }
                    name = decoded
                } else if expected != given {
                    fits = false
                    break
                }
            }
            if fits {
                found.routes.append(route)
                found.name = name ?? found.name
            }
        }
        return found
    }
}
