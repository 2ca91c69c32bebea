import Crypto
import FeedModel
import Foundation
import Hooks
import TestSupport
import Testing

@Suite("Webhook hooks")
struct WebhookHookTests {
    @Test("an endpoint that fails twice then succeeds gets one success, the same delivery id each time")
    func failsTwiceThenSucceeds() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            let calls = Counter()
            await server.route("/hook") { _ in
                calls.next() <= 2 ? .text("busy", status: 503) : .text("ok")
            }
            let clock = ManualClock()
            let hook = try WebhookHook(name: "chat", configuration: .init(url: baseURL + "/hook"), clock: clock)
            let runner = HookRunner(hook: hook, clock: clock, random: { 0.5 })
            let first = clock.now()
            var delivery = Sample.delivery(id: "d-7")
            var successes = 0
            for _ in 0..<5 {
                switch await runner.attempt(delivery, firstAttemptAt: first) {
                case .delivered:
                    successes += 1
                case .retry(let attempt, let at, let reason):
                    #expect(reason == "HTTP 503: busy")
                    // Full jitter with 0.5: half of 30 s after the first, half of 60 s after the second.
                    #expect(at.secondsSince1970 - clock.now().secondsSince1970 == (attempt == 2 ? 15 : 30))
                    clock.set(at)
                    delivery = delivery.attempt(attempt)
                    continue
                case .dead(let reason):
                    Issue.record("dead: \(reason)")
                }
                break
            }
            #expect(successes == 1)
            let requests = await server.requests(for: "/hook")
            #expect(requests.count == 3)
            #expect(requests.map { $0.header("X-Feedd-Delivery") } == ["d-7", "d-7", "d-7"])
            #expect(requests.map { $0.header("X-Feedd-Attempt") } == ["1", "2", "3"])
            #expect(requests.allSatisfy { $0.method == "POST" && $0.header("X-Feedd-Key") == "sha256:0123abcd" })
            let body = try parseJSON(requests[2].body)
            #expect(body["title"] as? String == "South Korea seeks 'new phase' in ties")
            #expect((body["delivery"] as? [String: Any])?["attempt"] as? Int == 3)
        }
    }

    @Test("deliveries one after the other reuse one connection to the endpoint")
    func keepAlive() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/hook", .text("ok"))
            let hook = try WebhookHook(name: "chat", configuration: .init(url: baseURL + "/hook"))
            for number in 0..<6 {
                let outcome = await hook.deliver(Sample.delivery(id: "d-\(number)"))
                #expect(outcome == .delivered("HTTP 200: ok"))
            }
            let requests = await server.requests(for: "/hook")
            #expect(requests.count == 6)
            #expect(requests.allSatisfy { $0.clientPort != nil })
            #expect(Set(requests.compactMap(\.clientPort)).count == 1, "one TCP connection for six deliveries")
        }
    }

    @Test("a 4xx answer is a permanent failure: a dead letter at once")
    func clientErrorIsPermanent() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/gone", .text("no such hook", status: 404))
            let hook = try WebhookHook(name: "chat", configuration: .init(url: baseURL + "/gone"))
            #expect(await hook.deliver(Sample.delivery()) == .permanent(reason: "HTTP 404: no such hook"))
            let step = await HookRunner(hook: hook).attempt(Sample.delivery(), firstAttemptAt: ManualClock().now())
            #expect(step == .dead(reason: "HTTP 404: no such hook"))
        }
    }

    @Test("429 with Retry-After is retried after that time")
    func retryAfterIsHonoured() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/slow", ScriptedResponse(status: 429).adding(header: "Retry-After", "120"))
            let clock = ManualClock()
            let hook = try WebhookHook(name: "chat", configuration: .init(url: baseURL + "/slow"), clock: clock)
            #expect(await hook.deliver(Sample.delivery()) == .retry(after: .seconds(120), reason: "HTTP 429"))
            let step = await HookRunner(hook: hook, clock: clock, random: { 0 })
                .attempt(Sample.delivery(), firstAttemptAt: clock.now())
            #expect(
                step
                    == .retry(
                        attempt: 2, at: Timestamp(secondsSince1970: clock.now().secondsSince1970 + 120),
                        reason: "HTTP 429"))
        }
    }

    @Test("a connection refused is retried")
    func transportErrorIsRetried() async throws {
        let hook = try WebhookHook(name: "chat", configuration: .init(url: "http://127.0.0.1:9/hook"))
        guard case .retry(nil, _) = await hook.deliver(Sample.delivery()) else {
            Issue.record("expected a retry")
            return
        }
    }

    @Test("the signature header is the HMAC-SHA256 of the body; secret headers come from a file")
    func signatureAndSecretHeaders() async throws {
        try await withTemporaryDirectory { directory in
            try await HTTPTestServer.withRunning { server, baseURL in
                await server.route("/signed", .text("ok"))
                try directory.write("Bearer s3cret\n", to: "token")
                let hook = try WebhookHook(
                    name: "signed",
                    configuration: .init(
                        url: baseURL + "/signed", method: "PUT",
                        headers: [.init(name: "Authorization", value: .file(directory.url(for: "token").path))],
                        signingSecret: .literal("hush")))
                #expect(await hook.deliver(Sample.delivery()).isDelivered)
                let request = try #require(await server.requests(for: "/signed").first)
                #expect(request.method == "PUT")
                #expect(request.header("Authorization") == "Bearer s3cret")
                #expect(request.header("Expect") == nil)
                let code = HMAC<SHA256>.authenticationCode(
                    for: request.body, using: SymmetricKey(data: Array("hush".utf8)))
                let hex = code.map { String(format: "%02x", $0) }.joined()
                #expect(request.header("X-Feedd-Signature") == "sha256=" + hex)
            }
        }
    }

    @Test("a Slack-style template is valid JSON whatever the title holds")
    func slackTemplate() async throws {
        try await HTTPTestServer.withRunning { server, baseURL in
            await server.route("/slack", .text("ok"))
            let template =
                #"{"text": "*{{feed.title}}*: <{{link}}|{{title}}>", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": {{{json.excerpt}}}}}]}"#
            let hook = try WebhookHook(name: "slack", configuration: .init(url: baseURL + "/slack", template: template))
            let title = "He said \"hi\"\\ and left\nnext line"
            #expect(await hook.deliver(Sample.delivery(Sample.item(title: title))).isDelivered)
            let body = try parseJSON(try #require(await server.requests(for: "/slack").first).body)
            #expect(body["text"] as? String == "*BBC News - World*: <https://news.example/a/1|\(title)>")
            let blocks = try #require(body["blocks"] as? [[String: Any]])
            #expect(
                (blocks[0]["text"] as? [String: Any])?["text"] as? String == "The two leaders met in Beijing & talked.")
        }
    }

    @Test("an ntfy-style template: a JSON publish, and a plain-text body without escaping")
    func ntfyTemplates() throws {
        let item = Sample.item(title: "Café \"opens\"")
        let json = try WebhookHook(
            name: "ntfy",
            configuration: .init(
                url: "https://ntfy.example",
                template:
                    #"{"topic": "feeds", "title": "{{feed.title}}", "message": "{{title}}", "click": "{{link}}", "tags": [{{#categories}}"{{.}}"{{/categories}}]}"#
            ))
        let body = try parseJSON(json.body(for: Sample.delivery(item)))
        #expect(body["message"] as? String == "Café \"opens\"")
        #expect(body["click"] as? String == "https://news.example/a/1")
        #expect(body["tags"] as? [String] == ["Asia"])

        let text = try WebhookHook(
            name: "ntfy-text",
            configuration: .init(
                url: "https://ntfy.example/feeds", template: "{{title}}\n{{link}}", contentType: "text/plain"))
        #expect(
            String(decoding: text.body(for: Sample.delivery(item)), as: UTF8.self)
                == "Café \"opens\"\nhttps://news.example/a/1")
    }

    @Test("a template that does not parse is a configuration error naming the hook")
    func badTemplate() {
        #expect(throws: HookError.self) {
            try WebhookHook(name: "bad", configuration: .init(url: "https://x.example", template: "{{#open}}"))
        }
        #expect(throws: HookError.invalidSetting(hook: "bad", key: "url", reason: "must be an http or https URL")) {
            try WebhookHook(name: "bad", configuration: .init(url: "file:///etc/passwd"))
        }
    }

    @Test("Retry-After as an HTTP date")
    func retryAfterDate() {
        let now = Timestamp(year: 2026, month: 11, day: 28, hour: 8, minute: 0, second: 0)!
        #expect(RetryAfter(header: "Sat, 28 Nov 2026 08:01:30 GMT")?.wait(from: now) == .seconds(90))
        #expect(RetryAfter(header: "45")?.wait(from: now) == .seconds(45))
        #expect(RetryAfter(header: "soon")?.wait(from: now) == nil)
    }
}
