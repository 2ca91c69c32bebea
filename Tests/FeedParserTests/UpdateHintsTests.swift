import FeedModel
import FeedParser
import Testing

/// `FeedDocument.updateHints`: what a feed says about when it changes, read by namespace.
@Suite("Update hints")
struct UpdateHintsTests {
    private func hints(_ text: String) throws -> UpdateHints {
        try FeedParser().parse(Array(text.utf8)).updateHints
    }

    @Test("the channel gives ttl, skipHours, skipDays and the syndication module; an item's ttl is not read")
    func rssChannel() throws {
        let read = try hints(
            """
            <?xml version="1.0"?><rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
            <channel><title>t</title><ttl> 90 </ttl>
            <skipHours><hour>1</hour><hour>2</hour><hour>24</hour><hour>25</hour><day>Monday</day></skipHours>
            <skipDays><day>Sunday</day><day>SATURDAY</day><day>Someday</day></skipDays>
            <sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>
            <sy:updateBase>2000-01-01T12:00+00:00</sy:updateBase>
            <item><title>x</title><ttl>5</ttl><sy:updatePeriod>hourly</sy:updatePeriod></item></channel></rss>
            """)
        #expect(read.ttlMinutes == 90)
        #expect(read.skipHours == [0, 1, 2])
        // `day` counts in either list, as it always has; a name that is no day is left out.
        #expect(read.skipDays == [0, 1, 6])
        #expect(read.updatePeriodSeconds == 86_400)
        #expect(read.updateFrequency == 4)
        #expect(read.updateIntervalSeconds == 21_600)
        #expect(read.updateBase == Timestamp(rfc3339: "2000-01-01T12:00:00Z"))
    }

    @Test("the syndication module is found by its namespace URI, under any prefix, and only there")
    func byNamespace() throws {
        let other = try hints(
            """
            <rss version="2.0" xmlns:s="http://purl.org/rss/1.0/modules/syndication/"><channel><title>t</title>
            <s:updatePeriod>weekly</s:updatePeriod></channel></rss>
            """)
        #expect(other.updateIntervalSeconds == 7 * 86_400)
        let wrong = try hints(
            """
            <rss version="2.0" xmlns:sy="http://example.com/not-syndication"><channel><title>t</title>
            <sy:updatePeriod>weekly</sy:updatePeriod></channel></rss>
            """)
        #expect(wrong == UpdateHints())
        let atom = try hints(
            """
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:x="http://purl.org/rss/1.0/modules/syndication/">
            <title>t</title><ttl>60</ttl><x:updatePeriod>Hourly</x:updatePeriod><x:updateFrequency>0</x:updateFrequency>
            </feed>
            """)
        // Atom has no `ttl`; a frequency of 0 is no frequency.
        #expect(atom == UpdateHints(updatePeriodSeconds: 3600))
        #expect(
            try hints(#"{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": []}"#) == UpdateHints())
    }

    @Test("reading the hints adds no warning, and bad values are left out")
    func noWarnings() throws {
        let document = try FeedParser().parse(
            Array(
                """
                <rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>t</title>
                <ttl>soon</ttl><skipHours><hour>noon</hour></skipHours><sy:updatePeriod>fortnightly</sy:updatePeriod>
                <sy:updateBase>not a date</sy:updateBase></channel></rss>
                """.utf8))
        #expect(document.updateHints == UpdateHints())
        #expect(document.warnings.isEmpty)
    }
}
