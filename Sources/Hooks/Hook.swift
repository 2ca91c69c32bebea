/// A way of telling the world about new items: a command, a webhook, a file, a mailbox.
///
/// Each kind is a type of its own behind this protocol, made from a plain `Sendable`
/// configuration that the config layer fills in. `deliver` never throws: whatever happens is a
/// `DeliveryOutcome`, and the caller decides with the `RetryPolicy` what comes next
/// (`HookRunner.step`, which the daemon's outbox state machine uses too).
public protocol Hook: Sendable {
    /// The hook's name in the configuration, for logs and the outbox.
    var name: String { get }

    /// Delivers `delivery` once. Must be safe to call again with the same delivery (a retry), and
    /// must end in bounded time (every kind has a timeout).
    func deliver(_ delivery: Delivery) async -> DeliveryOutcome
}

/// What one attempt at a delivery came to.
public enum DeliveryOutcome: Sendable, Hashable {
    /// The receiver has it. The text says how it went, for the log (status, output).
    case delivered(String)
    /// It failed in a way that may pass: try again, no sooner than `after` when the receiver said
    /// so (`Retry-After`), else when the retry policy says.
    case retry(after: Duration?, reason: String)
    /// It failed in a way that retrying cannot fix (HTTP 404, a bad address): dead letter at once.
    case permanent(reason: String)

    /// True for `.delivered`.
    public var isDelivered: Bool {
        if case .delivered = self { return true }
        return false
    }
}
