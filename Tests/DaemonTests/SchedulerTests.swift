import Config
import FeedModel
import TestSupport
import Testing

@testable import Daemon

/// The scheduler and its policy as pure state machines: every time is passed in, nothing waits.
@Suite("Scheduler")
struct SchedulerTests {
    static let start = Timestamp(secondsSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z, a Friday
    static let minute: Int64 = 60
    static let settings = ScheduleSettings(
        defaultInterval: .seconds(1800), jitter: 0, minInterval: .seconds(300), maxInterval: .seconds(86_400),
        backoffCap: .seconds(6 * 3600))

    func at(_ offset: Int64) -> Timestamp { Timestamp(secondsSince1970: Self.start.secondsSince1970 + offset) }

    func decide(_ outcome: SchedulePolicy.Outcome, interval: Int64 = 1800, jitter: Double = 0, random: Double = 0.5)
        -> SchedulePolicy.Decision
    {
        var settings = Self.settings
        settings.jitter = jitter
        return SchedulePolicy(settings: settings).decide(
            outcome, interval: .seconds(interval), now: Self.start, unitRandom: random)
    }

    @Test("a success waits the interval; hints that ask for longer win, within max_interval")
    func successHonoursHints() {
        #expect(decide(.success(FreshnessHints())).nextDue == at(1800))
        #expect(decide(.success(FreshnessHints(ttlMinutes: 60))).nextDue == at(3600))
        #expect(decide(.success(FreshnessHints(maxAge: 7200))).nextDue == at(7200))
        #expect(decide(.success(FreshnessHints(expiresIn: 5400))).nextDue == at(5400))
        #expect(decide(.success(FreshnessHints(updatePeriodSeconds: 86_400 / 2))).nextDue == at(43_200))
        // A hint shorter than the interval changes nothing; one past max_interval is cut to it.
        #expect(decide(.success(FreshnessHints(maxAge: 60))).nextDue == at(1800))
        #expect(decide(.success(FreshnessHints(ttlMinutes: 10_000))).nextDue == at(86_400))
        // An interval under min_interval is raised to it.
        #expect(decide(.success(FreshnessHints()), interval: 10).nextDue == at(300))
    }

    @Test("jitter moves a wait by at most its share, either way")
    func jitterBounds() {
        #expect(decide(.success(FreshnessHints()), jitter: 0.1, random: 0).nextDue == at(1620))
        #expect(
            decide(.success(FreshnessHints()), jitter: 0.1, random: 0.999).nextDue.secondsSince1970
                <= at(1980).secondsSince1970)
        #expect(decide(.success(FreshnessHints()), jitter: 0.1, random: 0.5).nextDue == at(1800))
    }

    @Test("skipHours and skipDays push the next poll to the first allowed hour (UTC)")
    func skipHoursAndDays() {
        // Due 08:30 on Friday; hours 8-11 skipped: 12:00.
        let hours = FreshnessHints(skipHours: [8, 9, 10, 11])
        #expect(decide(.success(hours)).nextDue == at(4 * 3600))
        // Friday skipped: Saturday 00:00 (2027-01-16).
        #expect(decide(.success(FreshnessHints(skipDays: [5]))).nextDue == Timestamp(rfc3339: "2027-01-16T00:00:00Z"))
        // Friday and Saturday: Sunday would be past max_interval (1 day), which wins.
        #expect(decide(.success(FreshnessHints(skipDays: [5, 6]))).nextDue == at(86_400))
        // Every hour skipped: the hint is ignored.
        #expect(decide(.success(FreshnessHints(skipHours: Set(0..<24)))).nextDue == at(1800))
    }

    @Test("failures back off exponentially from the interval up to the cap, and stay there")
    func backoff() {
        #expect(decide(.failure(consecutiveFailures: 1, retryAfter: nil)).nextDue == at(1800))
        #expect(decide(.failure(consecutiveFailures: 2, retryAfter: nil)).nextDue == at(3600))
        #expect(decide(.failure(consecutiveFailures: 3, retryAfter: nil)).nextDue == at(7200))
        #expect(!decide(.failure(consecutiveFailures: 4, retryAfter: nil)).isAtBackoffCap)
        let capped = decide(.failure(consecutiveFailures: 5, retryAfter: nil))
        #expect(capped.nextDue == at(6 * 3600))
        #expect(capped.isAtBackoffCap)
        // A feed failing for months is still retried, at the cap.
        let late = decide(.failure(consecutiveFailures: 5000, retryAfter: nil))
        #expect(late.nextDue == at(6 * 3600))
        #expect(late.isAtBackoffCap)
    }

    @Test("backoff_cap of the configuration is the cap of the failure backoff")
    func backoffCapFromConfiguration() throws {
        var configuration = FeeddConfiguration()
        #expect(
            try DaemonSettings(configuration: configuration, environment: [:]).schedule.backoffCap == .seconds(86_400))
        configuration.backoffCap = .hours(6)
        let settings = try DaemonSettings(configuration: configuration, environment: [:])
        #expect(settings.schedule.backoffCap == .seconds(6 * 3600))
        let policy = SchedulePolicy(settings: settings.schedule)
        let late = policy.decide(
            .failure(consecutiveFailures: 30, retryAfter: nil), interval: .seconds(1800), now: Self.start,
            unitRandom: 0.5)
        #expect(late.nextDue.secondsSince1970 - Self.start.secondsSince1970 <= 6 * 3600 + 6 * 360)
        #expect(late.isAtBackoffCap)
    }

    @Test("Retry-After lengthens a failure's wait, up to max_retry_after")
    func retryAfter() {
        #expect(decide(.failure(consecutiveFailures: 1, retryAfter: 7200)).nextDue == at(7200))
        #expect(decide(.failure(consecutiveFailures: 1, retryAfter: 10)).nextDue == at(1800))
        #expect(decide(.failure(consecutiveFailures: 1, retryAfter: 10_000_000)).nextDue == at(86_400))
    }

    @Test("new feeds start spread evenly over their window, never all at once")
    func initialSpread() {
        let feeds = (0..<10).map { (name: "f\($0)", window: Duration.seconds(600), stored: Timestamp?.none) }
        let due = Scheduler.initialDueTimes(
            feeds, now: Self.start, maxWait: .seconds(86_400), randoms: Array(repeating: 0.5, count: 10))
        let offsets = feeds.map { due[$0.name]!.secondsSince1970 - Self.start.secondsSince1970 }.sorted()
        #expect(offsets == [30, 90, 150, 210, 270, 330, 390, 450, 510, 570])
        // At 20 feeds a second, ten new feeds all start within half a second; 20,000 keep the window.
        let quick = Scheduler.initialDueTimes(
            feeds, now: Self.start, maxWait: .seconds(86_400), randoms: Array(repeating: 0.5, count: 10), startRate: 20)
        #expect(feeds.allSatisfy { quick[$0.name]! == Self.start })
        let many = (0..<20_000).map { (name: "f\($0)", window: Duration.seconds(600), stored: Timestamp?.none) }
        let spreadOut = Scheduler.initialDueTimes(
            many, now: Self.start, maxWait: .seconds(86_400), randoms: Array(repeating: 0.5, count: 20_000),
            startRate: 20)
        #expect(spreadOut["f19999"]!.secondsSince1970 - Self.start.secondsSince1970 == 599)
    }

    @Test("stored due times in the future survive a restart; overdue ones are spread")
    func storedDueTimes() {
        let feeds: [(name: String, window: Duration, stored: Timestamp?)] = [
            ("ahead", .seconds(600), at(900)), ("overdue", .seconds(600), at(-900)),
            ("far", .seconds(600), at(10 * 86_400)),
        ]
        let due = Scheduler.initialDueTimes(feeds, now: Self.start, maxWait: .seconds(86_400), randoms: [0, 0, 0])
        #expect(due["ahead"] == at(900))
        #expect(due["overdue"] == at(0))
        #expect(due["far"] == at(86_400))
    }

    @Test("due feeds come out earliest first, at most the limit, each once until finished")
    func takeDueOrder() {
        var scheduler = Scheduler()
        scheduler.schedule("c", host: "h1", at: at(30))
        scheduler.schedule("a", host: "h1", at: at(10))
        scheduler.schedule("b", host: "h2", at: at(20))
        scheduler.schedule("later", host: "h2", at: at(1000))
        #expect(scheduler.nextDueTime() == at(10))
        #expect(scheduler.takeDue(now: at(25), limit: 10) == ["a", "b"])
        #expect(scheduler.takeDue(now: at(100), limit: 1) == ["c"])
        #expect(scheduler.takeDue(now: at(100), limit: 10) == [])
        #expect(scheduler.pollingCount == 3)
        scheduler.finished("a", nextDue: at(200))
        #expect(scheduler.pollingCount == 2)
        #expect(scheduler.takeDue(now: at(300), limit: 10) == ["a"])
        #expect(scheduler.nextDueTime() == at(1000))
    }

    @Test("rescheduling or removing a feed leaves no stale entry behind")
    func rescheduleAndRemove() {
        var scheduler = Scheduler()
        scheduler.schedule("a", host: "h", at: at(10))
        scheduler.schedule("a", host: "h", at: at(500))
        scheduler.schedule("b", host: "h", at: at(20))
        scheduler.remove("b")
        #expect(scheduler.takeDue(now: at(100), limit: 10) == [])
        #expect(scheduler.takeDue(now: at(500), limit: 10) == ["a"])
        // A feed removed while polling is forgotten when its poll ends.
        scheduler.remove("a")
        scheduler.finished("a", nextDue: at(600))
        #expect(scheduler.count == 0)
        #expect(scheduler.pollingCount == 0)
    }

    @Test("a 429 pauses every feed of that host, not only the one that got it")
    func hostPause() {
        var scheduler = Scheduler()
        scheduler.schedule("one", host: "busy:443", at: at(0))
        scheduler.schedule("two", host: "busy:443", at: at(50))
        scheduler.schedule("other", host: "calm:443", at: at(50))
        #expect(scheduler.takeDue(now: at(0), limit: 10) == ["one"])
        scheduler.finished("one", nextDue: at(3600), pause: ("busy:443", at(600)))
        #expect(scheduler.takeDue(now: at(60), limit: 10) == ["other"])
        #expect(scheduler.due(of: "two") == at(600))
        #expect(scheduler.takeDue(now: at(599), limit: 10) == [])
        #expect(scheduler.takeDue(now: at(600), limit: 10) == ["two"])
    }

    @Test("ten thousand feeds come out in due order")
    func manyFeeds() {
        var scheduler = Scheduler()
        var generator = SeededRandom()
        for index in 0..<10_000 {
            scheduler.schedule(
                "f\(index)", host: "h\(index % 50)", at: at(Int64.random(in: 0..<10_000, using: &generator)))
        }
        var last: Int64 = .min
        var count = 0
        for name in scheduler.takeDue(now: at(10_000), limit: .max) {
            let due = scheduler.due(of: name)!.secondsSince1970
            #expect(due >= last, "\(name) due at \(due) after \(last); \(generator.seedDescription)")
            last = due
            count += 1
        }
        #expect(count == 10_000, "\(generator.seedDescription)")
    }

    @Test("a document's update hints become the schedule's: ttl, skip lists, the period over the frequency")
    func documentHints() {
        let document = UpdateHints(
            ttlMinutes: 90, skipHours: [1, 2], skipDays: [0], updatePeriodSeconds: 86_400, updateFrequency: 4)
        #expect(
            FreshnessHints(document)
                == FreshnessHints(ttlMinutes: 90, skipHours: [1, 2], skipDays: [0], updatePeriodSeconds: 21_600))
        #expect(FreshnessHints(UpdateHints(updateFrequency: 4)) == FreshnessHints())
        #expect(FreshnessHints(UpdateHints()) == FreshnessHints())
    }

    @Test("hosts are keyed by host and port as the fetcher keys them, without credentials or path")
    func hostKeys() {
        #expect(hostKey(of: "https://User:pw@Example.org:8443/feed?x=1") == "example.org:8443")
        #expect(hostKey(of: "http://127.0.0.1:8080/a") == "127.0.0.1:8080")
        // The scheme's port is filled in, so that the scheduler's key is the one the fetcher's pauses carry.
        #expect(hostKey(of: "https://example.org/feed") == "example.org:443")
        #expect(hostKey(of: "http://localhost/feed") == "localhost:80")
        #expect(hostKey(of: "file:///tmp/feed.xml") == ":0")
        #expect(hostKey(of: "not a url") == "not a url")
    }
}
