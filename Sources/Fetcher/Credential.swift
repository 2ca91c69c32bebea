/// A user name and password for HTTP basic authentication.
///
/// Where they come from (a file, an environment variable) is the configuration's business; this
/// type only carries them. Its `description`, `debugDescription` and mirror hide the password,
/// so printing, interpolating or `dump`ing a request never reveals it.
public struct Credential: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public var description: String {
        "Credential(username: \(username), password: <redacted>)"
    }

    public var debugDescription: String {
        description
    }

    public var customMirror: Mirror {
        Mirror(self, children: ["username": username, "password": "<redacted>"], displayStyle: .struct)
    }
}
