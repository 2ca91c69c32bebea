internal import Curl
internal import FeedModel

/// The header fields the fetcher reports, picked out of a response in one pass.
///
/// Header names are compared as ASCII without building lowercased copies: this runs once per
/// response on the driver thread, thousands of times a second.
struct ResponseSummary {
    var etag: String?
    var lastModified: String?
    var contentType: String?
    var cacheControl: String?
    var expires: String?
    var retryAfter: String?
    var date: String?

    init(_ headers: ResponseHeaders) {
        for field in headers.fields {
            let name = field.name.utf8
            switch name.count {
            case 4 where Self.equals(name, "etag"):
                etag = etag ?? field.value
            case 4 where Self.equals(name, "date"):
                date = date ?? field.value
            case 7 where Self.equals(name, "expires"):
                expires = expires ?? field.value
            case 11 where Self.equals(name, "retry-after"):
                retryAfter = retryAfter ?? field.value
            case 12 where Self.equals(name, "content-type"):
                contentType = contentType ?? field.value
            case 13 where Self.equals(name, "last-modified"):
                lastModified = lastModified ?? field.value
            case 13 where Self.equals(name, "cache-control"):
                // Several fields of a list header are one list (RFC 9110 section 5.3).
                cacheControl = cacheControl.map { $0 + ", " + field.value } ?? field.value
            default:
                break
            }
        }
    }

    /// The validators, with empty values treated as absent.
    var validators: Validators {
        Validators(
            etag: etag.flatMap { $0.isEmpty ? nil : $0 }, lastModified: lastModified.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// `Cache-Control: max-age`, `Expires`, `Date` and `Retry-After`, read.
    var cacheHints: CacheHints {
        let serverDate = date.flatMap { Timestamp(httpDate: $0) }
        return CacheHints(
            maxAge: cacheControl.flatMap(Self.maxAge),
            expires: expires.flatMap { Timestamp(httpDate: $0) },
            date: serverDate,
            retryAfter: retryAfter.flatMap { RetryAfter(header: $0, serverDate: serverDate) }
        )
    }

    /// The `max-age` directive of a `Cache-Control` list.
    static func maxAge(_ value: String) -> Int? {
        for directive in value.split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingASCIISpaces.lowercased() == "max-age" else {
                continue
            }
            var number = parts[1].trimmingASCIISpaces
            if number.hasPrefix("\""), number.hasSuffix("\""), number.count >= 2 {
                number = String(number.dropFirst().dropLast())
            }
            return Int(number).map { max($0, 0) }
        }
        return nil
    }

    private static func equals(_ name: String.UTF8View, _ lowercased: StaticString) -> Bool {
        var index = 0
        let expected = UnsafeBufferPointer(start: lowercased.utf8Start, count: lowercased.utf8CodeUnitCount)
        for byte in name {
            // ASCII letters fold to lower case by setting bit 5; other bytes must match exactly.
            let folded = (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
            guard folded == expected[index] else {
                return false
            }
            index += 1
        }
        return true
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingASCIISpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
