public import EngelCore
public import EngelServer
import Hummingbird
public import Logging
public import Prometheus
public import ServiceLifecycle
import Synchronization

/// A real Engel server, as `engel serve` runs it (the application of `buildApplication` in the
/// service group of ``ServerConfiguration/serviceGroup(running:logger:signals:)``), on a free port.
public struct EngelServerRun: Sendable {
    /// The port it listens on.
    public let port: Int
    /// The service group running it: trigger a graceful shutdown through it.
    public let group: ServiceGroup

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Runs `body` with a server over `store` configured by `configuration` (its port is ignored),
    /// then shuts it down unless `body` did, and waits for it to stop.
    public static func with<Value: Sendable>(
        store: any EngelStore, configuration: ServerConfiguration, services: [any Service] = [],
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), logger: Logger = quietLogger,
        _ body: @Sendable (EngelServerRun) async throws -> Value
    ) async throws -> Value {
        var configuration = configuration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        let port = Mutex<Int?>(nil)
        let application = buildApplication(
            store: store, configuration: configuration, services: services, metrics: metrics, logger: logger
        ) { bound in port.withLock { $0 = bound } }
        let group = configuration.serviceGroup(running: application, logger: logger, signals: [])
        let boundPort: @Sendable () -> Int? = { port.withLock { $0 } }
        return try await serving(group, boundPort: boundPort) { bound in
            try await body(EngelServerRun(port: bound, group: group))
        }
    }

    /// A logger that only shows what is critical.
    public static var quietLogger: Logger {
        var logger = Logger(label: "engel-test-server")
        logger.logLevel = .critical
        return logger
    }
}
