public import EngelCore
public import Foundation
public import Logging
public import Prometheus
public import ServiceLifecycle

/// Delivers every webhook of the store (DESIGN.md, "Webhooks"), as a service beside the server.
///
/// Every `pollInterval` it lists the webhooks, starting a ``WebhookCourier`` for each new one and
/// cancelling the courier of each removed one. Each courier runs in its own task, so a dead or slow
/// receiver holds up nothing but its own webhook, and never the API. Servers sharing a database
/// share the work through leases: a courier delivers only while its server holds the webhook's
/// lease (``WebhookStore/claimWebhook(id:holder:now:lease:)``).
///
/// Graceful shutdown cancels the couriers at once: a delivery cut short is sent again later, as
/// at-least-once allows.
public struct WebhookDispatcher: Service {
    let store: any EngelStore
    let settings: WebhookSettings
    let metrics: WebhookMetrics
    let logger: Logger
    /// Who holds the leases this dispatcher takes: random, so that a restarted server does not
    /// take its predecessor's leases for its own before they run out.
    let holder: String
    /// The time leases are claimed at and deliveries are signed at.
    let now: @Sendable () -> Date

    /// Creates a dispatcher for `store`, whose metrics go to `registry` (the one `/metrics` shows).
    /// `now` stamps lease claims and signatures (tests pass a clock they move, to make a lease run
    /// out whenever they choose).
    public init(
        store: any EngelStore, settings: WebhookSettings, metrics registry: PrometheusCollectorRegistry,
        logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.now = now
        self.store = store
        self.settings = settings
        self.metrics = WebhookMetrics(registry: registry)
        self.logger = logger
        self.holder = "engel-" + UUID().uuidString.lowercased()
    }

    public func run() async throws {
        let poster = WebhookPoster(timeout: settings.deliveryTimeout)
        // Returns when the task is cancelled, or at graceful shutdown.
        await cancelWhenGracefulShutdown {
            await supervise(poster: poster)
        }
        await poster.shutdown()
    }

    /// Keeps one courier running per webhook until cancelled, then cancels them and waits for them.
    private func supervise(poster: WebhookPoster) async {
        var couriers: [Int64: Task<Void, Never>] = [:]
        var listingFailed = false
        while !Task.isCancelled {
            do {
                let webhooks = try await store.webhooks()
                if listingFailed {
                    logger.notice("webhooks are listed again")
                    listingFailed = false
                }
                let current = Set(webhooks.map(\.id))
                for (id, courier) in couriers where !current.contains(id) {
                    courier.cancel()
                    couriers[id] = nil
                }
                for webhook in webhooks where couriers[webhook.id] == nil {
                    let courier = WebhookCourier(
                        webhook: webhook, store: store, poster: poster, settings: settings, metrics: metrics,
                        holder: holder, logger: logger, now: now)
                    couriers[webhook.id] = Task { await courier.run() }
                }
            } catch {
                // Said once per outage, not once per poll.
                if !listingFailed {
                    logger.error("cannot list the webhooks: \(error)")
                    listingFailed = true
                }
            }
            try? await Task.sleep(for: settings.pollInterval)
        }
        for courier in couriers.values { courier.cancel() }
        for courier in couriers.values { await courier.value }
    }
}
