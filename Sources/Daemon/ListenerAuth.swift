import Config
import FlyingFox
import Foundation
import Hooks

/// Who may use the listener: reads are open on a loopback address; the write API (`POST /api/…`) needs the
/// bearer token of `listen_token`, and so does every request when `listen` is not loopback.
///
/// The token is read at each request (a rotated file needs no reload) and compared in constant time: the
/// time taken depends on the length of what the client sent, never on how much of it matched.
struct ListenerAuth: Sendable {
    /// `listen_token`; nil: the write API is off.
    let token: SecretSource?
    /// `listen` is not a loopback address: reads need the token too.
    let readsNeedToken: Bool

    init(settings: DaemonSettings) {
        token = settings.listenToken
        readsNeedToken = settings.listenerIsPublic
    }

    /// What to do with a request for a route of `access`.
    enum Verdict: Sendable, Equatable {
        case allowed
        /// `403`: the write API is off (no token configured).
        case disabled
        /// `401`: no `Authorization: Bearer` header, or a wrong token; `basic`: a read, which a browser
        /// may answer with Basic credentials (the challenge asks for those).
        case unauthorized(missing: Bool, basic: Bool)
        /// `503`: the configured token cannot be read now (the file is gone).
        case unreadable(String)
    }

    func verdict(for access: StatusRoute.Access, authorization: String?) -> Verdict {
        guard access == .write || readsNeedToken else { return .allowed }
        guard let token else { return .disabled }
        let expected: String
        do throws(SecretError) {
            expected = try token.resolve()
        } catch {
            return .unreadable(error.description)
        }
        guard !expected.isEmpty else { return .unreadable("listen_token (\(token)) is empty") }
        // A browser cannot send a bearer token, but asks for Basic credentials by itself: for reads, the
        // token is also taken as the password of any user name.
        let presented = Self.bearer(authorization) ?? (access == .read ? Self.basicPassword(authorization) : nil)
        guard let presented else { return .unauthorized(missing: true, basic: access == .read) }
        return Self.constantTimeEquals(Array(presented.utf8), Array(expected.utf8))
            ? .allowed : .unauthorized(missing: false, basic: access == .read)
    }

    /// The password of an `Authorization: Basic base64(user:password)` header (RFC 7617).
    static func basicPassword(_ header: String?) -> String? {
        guard let header else { return nil }
        let trimmed = header.drop(while: { $0 == " " || $0 == "\t" })
        guard trimmed.count > 6, trimmed.prefix(6).lowercased() == "basic " else { return nil }
        let encoded = String(trimmed.dropFirst(6).trimmingPrefixAndSuffix(" \t"))
        guard let data = Data(base64Encoded: encoded), let colon = data.firstIndex(of: UInt8(ascii: ":")) else {
            return nil
        }
        let password = String(decoding: data[data.index(after: colon)...], as: UTF8.self)
        return password.isEmpty ? nil : password
    }

    /// The token of an `Authorization: Bearer TOKEN` header (the scheme's case does not matter: RFC 9110).
    static func bearer(_ header: String?) -> String? {
        guard let header else { return nil }
        let trimmed = header.drop(while: { $0 == " " || $0 == "\t" })
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let token = trimmed.dropFirst(7).trimmingPrefixAndSuffix(" \t")
        return token.isEmpty ? nil : String(token)
    }

    /// Whether `presented` equals `expected`, taking a time that depends only on `presented.count`: every
    /// byte presented is compared (against the expected bytes, cycled), and a length difference is folded in.
    static func constantTimeEquals(_ presented: [UInt8], _ expected: [UInt8]) -> Bool {
        guard !expected.isEmpty else { return false }
        var difference: UInt = presented.count == expected.count ? 0 : 1
        for index in presented.indices {
            difference |= UInt(presented[index] ^ expected[index % expected.count])
        }
        return difference == 0 && !presented.isEmpty
    }

    // MARK: Responses

    /// The answer to a request that is not allowed.
    static func refusal(_ verdict: Verdict) -> HTTPResponse? {
        switch verdict {
        case .allowed:
            return nil
        case .disabled:
            return StatusServer.json(
                .forbidden,
                error: "the write API is off: set listen_token = { file = \"/etc/feedd/api-token\" } "
                    + "(or { env = \"FEEDD_API_TOKEN\" }) in the configuration, restart feedd, and send "
                    + "Authorization: Bearer TOKEN")
        case .unauthorized(let missing, let basic):
            // One challenge (browsers read one per header): Basic for reads, so that a browser asks for the
            // token as a password; Bearer for the write API.
            let challenge =
                basic
                ? "Basic realm=\"feedd\""
                : missing ? "Bearer realm=\"feedd\"" : "Bearer realm=\"feedd\", error=\"invalid_token\""
            return StatusServer.json(
                .unauthorized,
                error: missing
                    ? "this needs Authorization: Bearer TOKEN (the token of listen_token)"
                        + (basic ? ", or the token as the password of any user name (a browser asks for it)" : "")
                    : "the token is wrong",
                headers: [HTTPHeader("WWW-Authenticate"): challenge])
        case .unreadable:
            return StatusServer.json(.serviceUnavailable, error: "the listener's token cannot be read; see the log")
        }
    }
}

extension Substring {
    fileprivate func trimmingPrefixAndSuffix(_ characters: String) -> Substring {
        var text = self
        while let first = text.first, characters.contains(first) { text.removeFirst() }
        while let last = text.last, characters.contains(last) { text.removeLast() }
        return text
    }
}
