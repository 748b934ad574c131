import CoreMetrics
import Prometheus

/// The webhook metrics, labelled by webhook and account, in the registry `/metrics` shows.
///
/// Lag is in seconds, not in changes: the feed's `seq` has gaps, so a count of changes behind
/// would cost a count query per look, while the age of the oldest undelivered change comes with
/// the changes the dispatcher reads anyway, and says what an operator asks ("how late is the
/// CRM?"). A server shows the lag only of the webhooks it holds, so the sum over servers has each
/// webhook once.
final class WebhookMetrics: Sendable {
    private let factory: PrometheusMetricsFactory

    static let lag = "engel_webhook_lag_seconds"
    static let deliveries = "engel_webhook_deliveries_total"
    static let failures = "engel_webhook_failures_total"

    init(registry: PrometheusCollectorRegistry) {
        self.factory = PrometheusMetricsFactory(registry: registry)
    }

    /// The handles of one webhook's metrics.
    struct Handles: Sendable {
        let lag: CoreMetrics.Gauge
        let deliveries: CoreMetrics.Counter
        let failures: CoreMetrics.Counter
    }

    func handles(webhook: Int64, account: String) -> Handles {
        let dimensions = [("webhook", String(webhook)), ("account", account)]
        return Handles(
            lag: Gauge(label: Self.lag, dimensions: dimensions, factory: factory),
            deliveries: Counter(label: Self.deliveries, dimensions: dimensions, factory: factory),
            failures: Counter(label: Self.failures, dimensions: dimensions, factory: factory))
    }

    /// Drops the webhook's lag, which only its holder can tell (its counters stay: they count what
    /// this server did).
    func forgetLag(of handles: Handles) {
        handles.lag.destroy()
    }
}
