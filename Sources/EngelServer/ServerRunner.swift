public import EngelCore
import Hummingbird
public import Logging
import Prometheus
import ServiceLifecycle

/// What a running server tells its operator (not its log: the first credentials must not be logged).
public enum ServerEvent: Sendable {
    /// The database was empty, so an account was created; its credentials are shown this once.
    case firstAccountCreated(name: String, credentials: IssuedCredentials)
    /// The server accepts connections.
    case listening(host: String, port: Int, database: DatabaseLocation, tls: Bool)
}

/// Runs the server as `engel serve` does: open the store, make the first account if the store is
/// empty, serve (and deliver webhooks) until SIGTERM or SIGINT, then let in-flight requests finish
/// (for at most the configured grace period) and close the store.
public enum ServerRunner {
    /// Runs until a shutdown signal; `announce` receives the operator-facing events.
    public static func run(
        _ configuration: ServerConfiguration, logger: Logger, announce: @escaping @Sendable (ServerEvent) -> Void
    ) async throws {
        FreedMemory.keepForReuse()
        // Before the store, so a bad certificate fails fast and touches nothing.
        let tls = try configuration.loadTLS()
        tls?.warnIfExpired(logger: logger)
        if tls == nil, !configuration.listensOnLoopbackOnly {
            logger.warning(
                "serving plain HTTP on a reachable address: API keys and hashes cross the network in clear",
                metadata: ["host": "\(configuration.host)", "fix": "--tls-cert and --tls-key, or a TLS proxy in front"])
        }
        let store = try await configuration.database.open(logger: logger)
        do {
            if let credentials = try await AccountAdministration(store: store).createFirstAccountIfEmpty() {
                announce(.firstAccountCreated(name: AccountAdministration.firstAccountName, credentials: credentials))
            }
            // Before listening, so the first requests do not wait for it.
            let started = ContinuousClock.now
            if let prepared = try await store.prepareForServing() {
                logger.info("\(prepared) in \((ContinuousClock.now - started).millisecondsText) ms")
            }
        } catch {
            await store.close()
            throw error
        }
        let registry = PrometheusCollectorRegistry()
        // The group stops services in reverse order: the server first, then the dispatcher, then
        // the store, which outlives both.
        var services: [any Service] = [
            StoreLifecycleService(store: store),
            WebhookDispatcher(store: store, settings: configuration.webhooks, metrics: registry, logger: logger),
        ]
        if let tls { services.append(TLSReloadService(tls: tls, logger: logger)) }
        let app = buildApplication(
            store: store, configuration: configuration, services: services, metrics: registry, tls: tls,
            logger: logger
        ) { port in
            announce(
                .listening(host: configuration.host, port: port, database: configuration.database, tls: tls != nil))
        }
        do {
            try await configuration.serviceGroup(running: app, logger: logger).run()
        } catch {
            // The lifecycle service closes the store, unless the group failed before it ran.
            await store.close()
            throw error
        }
        await store.close()
    }
}
