import Curl
import FeedModel
import Testing

@testable import Fetcher

@Suite("HTTP dates, Cache-Control and Retry-After")
struct ResponseSummaryTests {
    @Test(
        "the three HTTP date formats",
        arguments: ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"]
    )
    func httpDates(text: String) {
        #expect(Timestamp(httpDate: text)?.rfc3339 == "1994-11-06T08:49:37Z")
    }

    @Test("not a date", arguments: ["0", "-1", "", "tomorrow", "Sun, 31 Feb 2026 08:00:00 GMT"])
    func notDates(text: String) {
        #expect(Timestamp(httpDate: text) == nil)
    }

    @Test("max-age is read from a Cache-Control list, case-insensitively, across fields")
    func maxAge() {
        let headers = ResponseHeaders(fields: [
            HeaderField(name: "CACHE-CONTROL", value: "public"),
            HeaderField(name: "cache-control", value: "Max-Age=\"300\", must-revalidate"),
        ])
        #expect(ResponseSummary(headers).cacheHints.maxAge == 300)
        #expect(ResponseSummary.maxAge("no-store") == nil)
    }

    @Test("Retry-After: seconds, a date against Date, a date alone, garbage")
    func retryAfter() {
        let date = Timestamp(year: 2026, month: 11, day: 29, hour: 12)
        #expect(RetryAfter(header: " 90 ", serverDate: nil) == .seconds(90))
        #expect(RetryAfter(header: "Sun, 29 Nov 2026 12:01:00 GMT", serverDate: date) == .seconds(60))
        #expect(RetryAfter(header: "Sun, 29 Nov 2026 11:00:00 GMT", serverDate: date) == .seconds(0))
        #expect(RetryAfter(header: "Sun, 29 Nov 2026 12:01:00 GMT", serverDate: nil) == .date(date!.adding(60)))
        #expect(RetryAfter(header: "-5", serverDate: nil) == nil)
        #expect(RetryAfter(header: "soon", serverDate: nil) == nil)
        #expect(RetryAfter.date(date!.adding(60)).seconds(from: date!) == 60)
    }
}

extension Timestamp {
    fileprivate func adding(_ seconds: Int64) -> Timestamp {
        Timestamp(secondsSince1970: secondsSince1970 + seconds)
    }
}
