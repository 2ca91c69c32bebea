package import Foundation

/// Files in `Tests/TestSupport/Fixtures`, copied into the test bundle as resources.
package enum Fixtures {
    /// The URL of the fixture at `relativePath`, e.g. `http/feed.xml.gz`.
    package static func url(_ relativePath: String) throws -> URL {
        guard let base = Bundle.module.resourceURL else {
            throw FixtureError.missing(relativePath)
        }
        let url = base.appendingPathComponent("Fixtures").appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw FixtureError.missing(relativePath)
        }
        return url
    }

    /// The bytes of the fixture at `relativePath`.
    package static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(relativePath)))
    }
}

/// A fixture that is not in the bundle.
package enum FixtureError: Error, CustomStringConvertible {
    case missing(String)

    package var description: String {
        switch self {
        case .missing(let path):
            "fixture \(path) is missing from Tests/TestSupport/Fixtures"
        }
    }
}
