/// How the server delivers webhooks (DESIGN.md, "Webhooks"): the timeouts and intervals of
/// ``WebhookDispatcher``. The defaults are DESIGN's; tests shorten them to milliseconds.
public struct WebhookSettings: Sendable, Hashable {
    /// How long a receiver has to answer a delivery, body included; a later answer is a failure
    /// (``ServerSetting/webhookTimeout``).
    public var deliveryTimeout: Duration
    /// The wait after a first failure, doubled after each further one (``ServerSetting/webhookFirstBackoff``).
    public var firstBackoff: Duration
    /// The longest wait between attempts (``ServerSetting/webhookMaximumBackoff``).
    public var maximumBackoff: Duration
    /// How long a server's claim on a webhook lasts unless renewed (``ServerSetting/webhookLease``).
    /// The holder renews it every third of it; a server that dies loses its webhooks to another
    /// within about 1.25 leases, so the default keeps DESIGN's 30 s takeover.
    public var lease: Duration
    /// How often a caught-up webhook looks for new changes, and the server for added or removed
    /// webhooks (``ServerSetting/webhookPollInterval``).
    public var pollInterval: Duration

    /// Creates settings.
    public init(
        deliveryTimeout: Duration = .seconds(10), firstBackoff: Duration = .seconds(1),
        maximumBackoff: Duration = .seconds(300), lease: Duration = .seconds(20), pollInterval: Duration = .seconds(1)
    ) {
        self.deliveryTimeout = deliveryTimeout
        self.firstBackoff = firstBackoff
        self.maximumBackoff = maximumBackoff
        self.lease = lease
        self.pollInterval = pollInterval
    }

    /// How often the holder renews its lease: a third of it, so two renewals may fail before the
    /// lease runs out.
    var renewalInterval: Duration { lease / 3 }

    /// How often a server that does not hold a webhook tries to claim it: a quarter of the lease,
    /// so a dead holder's webhook is taken over at most a quarter lease after its lease ends.
    var claimRetryInterval: Duration { lease / 4 }

    /// The wait before the attempt after `failures` failures in a row (1 or more): the first
    /// backoff doubled for each failure after the first, at most the maximum.
    public func backoff(afterFailures failures: Int) -> Duration {
        var wait = firstBackoff
        for _ in 1..<max(failures, 1) {
            wait *= 2
            if wait >= maximumBackoff { return maximumBackoff }
        }
        return min(wait, maximumBackoff)
    }
}
