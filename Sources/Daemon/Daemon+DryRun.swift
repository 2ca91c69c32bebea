import FeedModel
import FeedParser
import Fetcher
public import Hooks
public import Logging
import Platform
import Store

/// What one hook would receive from one feed in a dry run.
public struct DryRunDelivery: Sendable {
    public var hook: String
    /// The delivery as the hook would get it (attempt 1, id `dry-run-N`).
    public var delivery: Hooks.Delivery
}

/// What a dry run found for one feed.
public struct DryRunFeed: Sendable {
    public var feed: String
    /// "new items", "not modified", "nothing new", "first poll: N items stored silently", or the error.
    public var outcome: String
    public var isFailure: Bool
    public var deliveries: [DryRunDelivery]
}

extension Daemon {
    /// Polls like `pollOnce` but stores nothing and calls no hook: fetches each feed (with the stored
    /// validators), parses it, asks the store which items would be new (`FeedStore.preview`), and returns
    /// what each hook would receive. Opens the store read-only (`openStore`), so it works while the daemon
    /// runs.
    public static func dryRun(settings: DaemonSettings, feeds names: [String]? = nil, logger: Logger)
        async throws(DaemonError) -> [DryRunFeed]
    {
        let problems = settings.problems()
        guard problems.isEmpty else { throw .invalidSettings(problems) }
        // No state directory yet: every feed is new.
        let store: (any FeedStore)? =
            Directory.exists(settings.stateDirectory)
            ? try await openStore(settings: settings, readOnly: true, logger: logger) : nil
        let active = ActiveSettings(settings)
        let feeds = names.map { $0.compactMap { active.feeds[$0] } } ?? settings.feeds
        let fetcher: HTTPFetcher
        do {
            fetcher = try HTTPFetcher(configuration: settings.fetch.fetcherConfiguration)
        } catch {
            try? await store?.close()
            throw .system(error)
        }
        let width = max(settings.fetch.concurrency, 1)
        var results: [String: DryRunFeed] = [:]
        await withTaskGroup(of: DryRunFeed.self) { group in
            var next = 0
            func add() {
                let feed = feeds[next]
                group.addTask { await dryRun(feed, active: active, store: store, fetcher: fetcher) }
                next += 1
            }
            while next < min(width, feeds.count) { add() }
            for await result in group {
                results[result.feed] = result
                if next < feeds.count { add() }
            }
        }
        fetcher.shutdown()
        try? await store?.close()
        return feeds.compactMap { results[$0.name] }
    }

    private static func dryRun(
        _ feed: FeedSettings, active: ActiveSettings, store: (any FeedStore)?, fetcher: HTTPFetcher
    ) async -> DryRunFeed {
        func failure(_ message: String) -> DryRunFeed {
            DryRunFeed(feed: feed.name, outcome: message, isFailure: true, deliveries: [])
        }
        let state = (try? await store?.fetchState(feed: feed.name)) ?? nil
        var request = FetchRequest(
            url: feed.url, headers: feed.headers, credential: feed.credential, proxy: feed.proxy,
            insecureSkipTLSVerify: feed.insecureSkipTLSVerify, limits: feed.limits)
        if let state, state.url == feed.url {
            request.validators = Validators(etag: state.etag, lastModified: state.lastModified)
        }
        switch await fetcher.fetch(request) {
        case .failure(let error):
            return failure(error.description)
        case .notModified:
            return DryRunFeed(feed: feed.name, outcome: "not modified", isFailure: false, deliveries: [])
        case .content(let content):
            let document: FeedDocument
            do throws(ParseError) {
                document = try FeedParser(options: .init(baseURL: content.finalURL, charset: content.charset))
                    .parse(content.body)
            } catch {
                return failure("\(content.finalURL): \(error.description)")
            }
            var preview = CommitPreview()
            let items = PollPipeline.oldestFirst(document.items)
            if let store {
                do throws(StoreError) {
                    preview = try await store.preview(feed: feed.name, items: items)
                } catch {
                    return failure(error.description)
                }
            } else {
                preview.new = items
            }
            let plan = DeliveryPlan(feed: feed, active: active)
            if preview.isFirstPoll, let announced = plan.announcedOnFirstPoll(preview.new) {
                if announced.isEmpty {
                    return DryRunFeed(
                        feed: feed.name, outcome: "first poll: \(preview.new.count) items stored silently",
                        isFailure: false, deliveries: [])
                }
                preview.new = preview.new.filter { announced.contains($0.key) }
            }
            let hookFeed = HookFeed(
                name: feed.name, title: document.title ?? state?.title, url: URLCredentials.masked(feed.url))
            var deliveries: [DryRunDelivery] = []
            for hook in plan.hooks {
                var picked: [(FeedItem, HookEvent)] = []
                for item in preview.new where plan.hooks(for: item, event: .new).contains(hook.name) {
                    picked.append((item, .new))
                }
                for item in preview.updated where plan.hooks(for: item, event: .updated).contains(hook.name) {
                    picked.append((item, .updated))
                }
                if hook.batch {
                    for event in [HookEvent.new, .updated] {
                        let items = picked.filter { $0.1 == event }.map(\.0)
                        guard !items.isEmpty else { continue }
                        let id = "dry-run-\(deliveries.count + 1)"
                        deliveries.append(
                            DryRunDelivery(
                                hook: hook.name,
                                delivery: Hooks.Delivery(id: id, feed: hookFeed, event: event, content: .batch(items))))
                    }
                } else {
                    for (item, event) in picked {
                        let id = "dry-run-\(deliveries.count + 1)"
                        deliveries.append(
                            DryRunDelivery(
                                hook: hook.name,
                                delivery: Hooks.Delivery(id: id, feed: hookFeed, event: event, item: item)))
                    }
                }
            }
            let held = preview.heldOrMatched.isEmpty ? "" : ", \(preview.heldOrMatched.count) held or matched"
            return DryRunFeed(
                feed: feed.name,
                outcome:
                    "\(preview.new.count) new, \(preview.updated.count) updated, \(preview.unchanged) unchanged\(held)",
                isFailure: false, deliveries: deliveries)
        }
    }
}
