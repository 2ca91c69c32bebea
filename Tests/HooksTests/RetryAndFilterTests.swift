import FeedModel
import Hooks
import Testing

@Suite("Retry policy")
struct RetryPolicyTests {
    let policy = RetryPolicy()

    @Test("full jitter between zero and the doubling ceiling, capped at 6 hours")
    func backoff() {
        #expect(
            policy.decision(afterFailedAttempt: 1, age: .zero, unitRandom: 0.999)
                == .retry(after: .milliseconds(29_970)))
        #expect(policy.decision(afterFailedAttempt: 1, age: .zero, unitRandom: 0) == .retry(after: .zero))
        #expect(policy.ceiling(afterAttempt: 3) == .seconds(120))
        #expect(policy.ceiling(afterAttempt: 19) == .seconds(6 * 3600))
        #expect(
            policy.decision(afterFailedAttempt: 15, age: .seconds(60), unitRandom: 0.5)
                == .retry(after: .seconds(3 * 3600)))
    }

    @Test("dead after max attempts or max age; the last wait ends at the max age")
    func givingUp() {
        #expect(
            policy.decision(afterFailedAttempt: 20, age: .zero, unitRandom: 0.5)
                == .giveUp(reason: "gave up after 20 attempts (max_attempts 20)"))
        #expect(
            policy.decision(afterFailedAttempt: 3, age: .seconds(3 * 86_400), unitRandom: 0.5)
                == .giveUp(reason: "gave up after 3d (max_age 3d)"))
        let nearEnd = Duration.seconds(3 * 86_400 - 10)
        #expect(policy.decision(afterFailedAttempt: 12, age: nearEnd, unitRandom: 0.9) == .retry(after: .seconds(10)))
    }

    @Test("Retry-After replaces the jitter")
    func retryAfter() {
        #expect(
            policy.decision(afterFailedAttempt: 1, age: .zero, retryAfter: .seconds(120), unitRandom: 0)
                == .retry(after: .seconds(120)))
    }
}

@Suite("Filters")
struct ItemFilterTests {
    @Test("keywords match title, summary text, authors and categories, ignoring case")
    func keywords() throws {
        let filter = try ItemFilter(include: ["korea"])
        #expect(filter.accepts(Sample.item()))
        #expect(try ItemFilter(include: ["BEIJING"]).accepts(Sample.item()))
        #expect(try ItemFilter(include: ["jake kwon"]).accepts(Sample.item()))
        #expect(try ItemFilter(include: ["asia"]).accepts(Sample.item()))
        #expect(!(try ItemFilter(include: ["football"]).accepts(Sample.item())))
        // Markup is not text: the <b> tag does not match.
        #expect(!(try ItemFilter(include: ["<b>"]).accepts(Sample.item())))
        #expect(ItemFilter().accepts(Sample.item()))
    }

    @Test("regular expressions, case-insensitive unless flagged c")
    func patterns() throws {
        #expect(try ItemFilter(include: ["/south\\s+KOREA/"]).accepts(Sample.item()))
        #expect(!(try ItemFilter(include: ["/south\\s+KOREA/c"]).accepts(Sample.item())))
        #expect(try ItemFilter(include: ["/^South/c"]).accepts(Sample.item()))
    }

    @Test("exclude wins over include")
    func excludeWins() throws {
        let filter = try ItemFilter(include: ["korea"], exclude: ["/beij/"])
        #expect(!filter.accepts(Sample.item()))
        #expect(try ItemFilter(exclude: ["football"]).accepts(Sample.item()))
    }

    @Test("an invalid regular expression is an error that quotes it")
    func invalidPattern() {
        do {
            _ = try ItemFilter(include: ["/(unclosed/"])
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("filter pattern \"/(unclosed/\" is not a valid regular expression"))
        }
        #expect(throws: HookError.invalidPattern(pattern: "/x/q", reason: "unknown flag \"q\" (use i, c, s or m)")) {
            try ItemFilter(exclude: ["/x/q"])
        }
    }
}
