public import Config
import Fetcher
import Hooks
import Store
import StoreLocation

/// A configuration that loads but cannot be turned into a running daemon: a secret that cannot be read,
/// a hook that cannot be built. Each problem names the feed or hook.
public struct SettingsError: Error, Sendable, CustomStringConvertible {
    public var problems: [String]

    public var description: String {
        problems.joined(separator: "\n")
    }
}

extension DaemonSettings {
    /// The settings of a loaded configuration (`ConfigLoader.load`): hooks built, secrets of feeds read.
    ///
    /// - Parameters:
    ///   - stateDirectory: `--state-dir`, which wins over the file.
    ///   - environment: for secrets given as `{ env = "NAME" }`.
    public init(
        configuration: FeeddConfiguration, stateDirectory: String? = nil, environment: [String: String]
    ) throws(SettingsError) {
        var problems: [String] = []
        let userAgent = configuration.userAgent ?? HTTPFetcher.Configuration.defaultUserAgent

        var hooks: [HookSettings] = []
        for definition in configuration.hookDefinitions {
            do throws(HookError) {
                hooks.append(try Self.hook(definition, userAgent: userAgent))
            } catch {
                problems.append("hook \"\(definition.name)\" (\(definition.origin)): \(error)")
            }
        }

        var feeds: [FeedSettings] = []
        for feed in configuration.feeds where feed.enabled {
            do throws(SettingsError) {
                feeds.append(try Self.feed(feed, in: configuration, environment: environment))
            } catch {
                problems += error.problems
            }
        }
        var listen: ListenAddress? = nil
        if let text = configuration.listen {
            do throws(ListenAddressError) {
                listen = try ListenAddress(parsing: text)
            } catch {
                problems.append(error.description)
            }
        }
        let listenToken = configuration.listenToken.map(Self.secretSource)
        if let listenToken {
            // Read once now, so that a token that cannot be read stops the start, not every request.
            do throws(SecretError) {
                if try listenToken.resolve().isEmpty { problems.append("listen_token (\(listenToken)) is empty") }
            } catch {
                problems.append("listen_token: \(error)")
            }
        }
        let database = Self.database(configuration, environment: environment, problems: &problems)
        guard problems.isEmpty else { throw SettingsError(problems: problems) }

        var store = StoreOptions()
        store.retention = .init(
            maxItems: configuration.retention.maxItems, maxAge: configuration.retention.maxAge.duration)
        for feed in configuration.feeds {
            let retention = configuration.retention(of: feed)
            if retention != configuration.retention {
                store.retentionByFeed[feed.name] = .init(
                    maxItems: retention.maxItems, maxAge: retention.maxAge.duration)
            }
        }
        store.keyMemory = .init(polls: configuration.keyMemory.polls, age: configuration.keyMemory.age.duration)
        store.floodGuard = .init(minimum: configuration.floodGuard.minimum, share: configuration.floodGuard.share)

        let interval = configuration.interval.duration
        // The file gives jitter as a duration; the scheduler takes it as a share of the interval.
        let jitter = min(max(Self.seconds(configuration.jitter.duration) / max(Self.seconds(interval), 1), 0), 1)
        self.init(
            stateDirectory: stateDirectory ?? configuration.stateDirectory,
            feeds: feeds,
            hooks: hooks,
            globalHooks: configuration.hooks,
            fetch: FetchSettings(
                userAgent: userAgent, concurrency: configuration.concurrency, perHost: configuration.perHost,
                limits: Self.limits(configuration.limits)),
            schedule: ScheduleSettings(
                defaultInterval: interval, jitter: jitter, minInterval: configuration.minInterval.duration,
                maxInterval: configuration.maxInterval.duration, backoffCap: configuration.backoffCap.duration),
            notifyExisting: configuration.notifyExisting,
            store: store,
            listen: listen)
        self.listenToken = listenToken
        self.database = database
        if let instance = configuration.instance { self.instance = instance }
        statusPageRefresh = configuration.listenRefresh.duration
    }

    /// The PostgreSQL store of `store`, its password read now (`store_password`, else the URL's, else
    /// `PGPASSWORD`), so that a password that cannot be read stops the start; nil for the file store.
    private static func database(
        _ configuration: FeeddConfiguration, environment: [String: String], problems: inout [String]
    ) -> PostgresSettings? {
        guard let setting = configuration.database else { return nil }
        do throws(DatabaseSettingError) {
            let settings = try setting.settings(environment: environment)
            if settings.passwordSource == .secret, settings.password?.isEmpty == true, let secret = setting.password {
                problems.append("store_password (\(secret)) is empty")
                return nil
            }
            return settings
        } catch {
            problems.append(error.description)
            return nil
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    private static func limits(_ limits: FetchLimitsConfiguration) -> FetchLimits {
        FetchLimits(
            connectTimeout: limits.connectTimeout.duration, totalTimeout: limits.timeout.duration,
            lowSpeedLimit: limits.lowSpeedLimit, lowSpeedTime: limits.lowSpeedTime.duration,
            maxBodySize: Int(clamping: limits.maxBodySize.bytes), maxRedirects: limits.maxRedirects)
    }

    private static func feed(
        _ feed: FeedConfiguration, in configuration: FeeddConfiguration, environment: [String: String]
    ) throws(SettingsError) -> FeedSettings {
        var problems: [String] = []
        func read(_ secret: Secret, _ what: String) -> String {
            do throws(SecretReadError) {
                return try secret.resolve(environment: environment)
            } catch {
                problems.append("feed \"\(feed.name)\" (\(feed.origin)): \(what): \(error)")
                return ""
            }
        }
        let headers = feed.headers.map { HTTPHeaderField(name: $0.name, value: read($0.value, "header \($0.name)")) }
        let credential = feed.auth.map {
            Credential(username: $0.username, password: read($0.password, "auth.password"))
        }
        let filter: ItemFilter
        do throws(HookError) {
            filter = try ItemFilter(include: feed.filter.include, exclude: feed.filter.exclude)
        } catch {
            problems.append("feed \"\(feed.name)\" (\(feed.origin)): filter: \(error)")
            filter = ItemFilter()
        }
        guard problems.isEmpty else { throw SettingsError(problems: problems) }
        var settings = FeedSettings(
            name: feed.name, url: feed.url, interval: feed.interval?.duration, hooks: feed.hooks, filter: filter,
            headers: headers, credential: credential, proxy: feed.proxy, insecureSkipTLSVerify: !feed.tlsVerify,
            limits: feed.limits.isEmpty ? nil : limits(configuration.limits(of: feed)),
            notifyExisting: feed.notifyExisting)
        settings.tags = feed.tags
        return settings
    }

    private static func secretSource(_ secret: Secret) -> SecretSource {
        switch secret {
        case .literal(let value): return .literal(value)
        case .file(let path): return .file(path)
        case .env(let name): return .env(name)
        }
    }

    private static func hook(_ definition: HookConfiguration, userAgent: String) throws(HookError) -> HookSettings {
        let name = definition.name
        let hook: any Hook
        switch definition.settings {
        case .exec(let exec):
            hook = try ExecHook(
                name: name,
                configuration: .init(
                    command: exec.command,
                    environment: Dictionary(
                        exec.env.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last }),
                    workingDirectory: exec.workingDirectory, timeout: exec.timeout.duration,
                    killGrace: exec.killGrace.duration, outputLimit: Int(clamping: exec.outputLimit.bytes)))
        case .webhook(let webhook):
            hook = try WebhookHook(
                name: name,
                configuration: .init(
                    url: webhook.url, method: webhook.method, template: webhook.template,
                    contentType: webhook.contentType,
                    templateEscaping: webhook.templateEscape.flatMap(TemplateEscaping.init(rawValue:)),
                    headers: webhook.headers.map { .init(name: $0.name, value: secretSource($0.value)) },
                    signingSecret: webhook.secret.map(secretSource), timeout: webhook.timeout.duration,
                    connectTimeout: webhook.connectTimeout.duration,
                    maxResponseSize: Int(clamping: webhook.maxResponseSize.bytes), userAgent: userAgent))
        case .jsonl(let jsonl):
            hook = try JSONLinesHook(
                name: name,
                configuration: .init(
                    path: jsonl.path, maxSize: jsonl.maxSize.bytes, keep: jsonl.keep, syncsEachWrite: jsonl.fsync))
        case .maildir(let maildir):
            hook = try MaildirHook(
                name: name,
                configuration: .init(
                    path: maildir.path,
                    mail: MailSettings(from: maildir.from, to: maildir.to, subjectPrefix: maildir.subjectPrefix)))
        case .sendmail(let sendmail):
            hook = try SendmailHook(
                name: name,
                configuration: .init(
                    program: sendmail.sendmail, arguments: sendmail.arguments,
                    mail: MailSettings(from: sendmail.from, to: sendmail.to, subjectPrefix: sendmail.subjectPrefix),
                    timeout: sendmail.timeout.duration))
        }
        let retry = RetryPolicy(
            baseDelay: definition.retry.base.duration, maxDelay: definition.retry.maxDelay.duration,
            maxAttempts: definition.retry.maxAttempts, maxAge: definition.retry.maxAge.duration)
        return HookSettings(
            hook: hook, filter: try ItemFilter(include: definition.filter.include, exclude: definition.filter.exclude),
            batch: definition.batch, onUpdate: definition.onUpdate, retry: retry, concurrency: definition.concurrency)
    }
}
