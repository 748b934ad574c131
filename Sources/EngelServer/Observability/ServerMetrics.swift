import CoreMetrics
import Prometheus
import Synchronization

/// The metrics the server records, made through swift-metrics by a factory over one Prometheus
/// registry: the one `GET /metrics` shows. Nothing is bootstrapped globally, so every application
/// (and every test) has its own.
///
/// A class, so that an answer completed on another thread captures one reference to it rather than
/// a copy of every handle.
final class ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let answerHandles = HandleCache<AnswerKey, (CoreMetrics.Counter, CoreMetrics.Timer)>()
    private let listSizeGauges = HandleCache<String, CoreMetrics.Gauge>()

    static let requests = "engel_http_requests_total"
    static let requestDuration = "engel_http_request_duration_seconds"
    static let storeErrors = "engel_store_errors_total"
    static let listSize = "engel_blacklist_entries"
    static let slowedAuthentications = "engel_authentication_failures_slowed_total"

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        // Most answers take well under the library's smallest default bucket of 5 ms.
        factory.durationHistogramBuckets[Self.requestDuration] = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        self.factory = factory
    }

    /// One answered request: counted by endpoint and code, timed by endpoint.
    func requestAnswered(endpoint: String, code: Int, duration: Duration) {
        let (counter, timer) = answerHandles.handle(for: AnswerKey(endpoint: endpoint, code: code)) {
            (
                Counter(
                    label: Self.requests, dimensions: [("endpoint", endpoint), ("code", String(code))],
                    factory: factory),
                Timer(label: Self.requestDuration, dimensions: [("endpoint", endpoint)], factory: factory)
            )
        }
        counter.increment()
        timer.recordNanoseconds(duration.nanoseconds)
    }

    /// A store call failed (answered 503).
    func storeFailed(endpoint: String) {
        Counter(label: Self.storeErrors, dimensions: [("endpoint", endpoint)], factory: factory).increment()
    }

    /// The size of an account's whole list, as its latest unfiltered get-blacklist counted it.
    func listSize(account: String, entries: Int) {
        listSizeGauges.handle(for: account) {
            Gauge(label: Self.listSize, dimensions: [("account", account)], factory: factory)
        }.record(entries)
    }

    /// A 401 answered late because its address failed too often.
    func authenticationSlowed() {
        Counter(label: Self.slowedAuthentications, dimensions: [], factory: factory).increment()
    }

    /// The registry's metrics in Prometheus' text format.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}

/// Answers are counted by endpoint and code. Endpoints are the labels of `RouteTable`, and
/// codes a handful, so there are few of these.
private struct AnswerKey: Hashable {
    let endpoint: String
    let code: Int
}

/// Metric handles, each made once: making one looks the metric up in the registry under its lock
/// (and builds its label strings), which every answer would otherwise pay for.
private final class HandleCache<Key: Hashable & Sendable, Handle: Sendable>: Sendable {
    private let handles = Mutex<[Key: Handle]>([:])

    func handle(for key: Key, make: () -> Handle) -> Handle {
        if let found = handles.withLock({ $0[key] }) { return found }
        let made = make()
        return handles.withLock { handles in
            if let found = handles[key] { return found }
            handles[key] = made
            return made
        }
    }
}

extension Duration {
    /// The whole duration in nanoseconds, saturating.
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled &+ attoseconds / 1_000_000_000
    }
}
