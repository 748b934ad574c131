public import EngelCore
public import Foundation
public import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
public import Prometheus
public import ServiceLifecycle
public import UnixSignals

/// Builds the responder: the blacklist methods in JSON and XML, `/healthz`, `/metrics`, and the
/// envelope for every failure, all answered by one ``RequestPipeline``; and, while
/// ``ServerConfiguration/panelEnabled``, the panel's pages under `/panel`.
///
/// - Parameters:
///   - store: Where accounts and lists live.
///   - configuration: Limits, the authentication slowdown and the accepted number prefixes.
///   - metrics: The registry the server's metrics are made in and `/metrics` shows (a fresh one
///     by default: nothing is bootstrapped globally).
///   - now: The clock stamping added-at times (tests pass a fixed one).
///   - servesTLS: Whether the server speaks TLS itself, so the panel's cookies are `Secure`.
public func buildResponder(
    store: any EngelStore, configuration: ServerConfiguration,
    metrics registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    now: @escaping @Sendable () -> Date = { Date() }, servesTLS: Bool = false
) -> EngelResponder {
    let metrics = ServerMetrics(registry: registry)
    let routes = RouteTable(configuration: configuration)
    let parser = PhoneNumberParser(prefixes: configuration.mobilePrefixes)
    // One throttle: failed panel sign-ins and the API's 401s from one address slow each other down.
    let throttle = AuthenticationThrottle(policy: configuration.authenticationSlowdown)
    let panel =
        configuration.panelEnabled
        ? PanelSite(
            store: store, configuration: configuration, routes: routes, parser: parser, now: now, throttle: throttle,
            metrics: metrics, servesTLS: servesTLS)
        : nil
    return EngelResponder(
        pipeline: RequestPipeline(
            routes: routes, store: store, parser: parser, now: now, metrics: metrics, throttle: throttle,
            metricsAuthorization: configuration.metricsToken.map { Array("Bearer \($0)".utf8) }),
        panel: panel?.router().buildResponder(), panelImports: panel?.imports)
}

/// The `Server` header of every answer.
let serverName = "Engel"

/// Builds the application serving `store` as `configuration` says: the router of ``buildResponder``
/// behind an HTTP/1.1 server that closes idle connections and guards request bodies.
///
/// `services` run beside the server and are shut down after it, so a store closed by one of them
/// outlives every in-flight request. ``ListMaintenance`` runs beside them (expiry, retention), and
/// so do the panel's CSV imports.
/// With `tls`, connections are TLS only (``ServerTLS``). `now` stamps added-at times (tests pass a clock they move).
public func buildApplication(
    store: any EngelStore, configuration: ServerConfiguration, services: [any Service] = [],
    metrics registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    now: @escaping @Sendable () -> Date = { Date() }, tls: ServerTLS? = nil, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let responder = buildResponder(
        store: store, configuration: configuration, metrics: registry, now: now, servesTLS: tls != nil)
    return Application(
        router: responder,
        server: .engelHTTP1(
            configuration: HTTP1Channel.Configuration(idleTimeout: TimeAmount(configuration.idleTimeout)),
            tls: tls, pipeline: responder.pipeline, readTimeout: configuration.readTimeout, logger: logger,
            serverName: serverName),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port), serverName: serverName),
        // Last, so a shutdown stops them before the services listed earlier (the store's lifecycle).
        services: services + [ListMaintenance(store: store, configuration: configuration, now: now, logger: logger)]
            + (responder.panelImports.map { [PanelImportRunner(imports: $0, logger: logger)] } ?? []),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger
    )
}

extension ServerConfiguration {
    /// The service group `engel serve` runs `application` in: a signal in `signals` starts a graceful
    /// shutdown (no new connections, in-flight requests finish), and whatever is still running after
    /// ``shutdownGrace`` is cancelled; the process stops if that takes longer than
    /// `cancellationLimit`.
    public func serviceGroup(
        running application: some Service, logger: Logger, signals: [UnixSignal] = [.sigterm, .sigint],
        cancellationLimit: Duration = .seconds(5)
    ) -> ServiceGroup {
        var group = ServiceGroupConfiguration(
            services: [.init(service: application)], gracefulShutdownSignals: signals, logger: logger)
        group.maximumGracefulShutdownDuration = shutdownGrace
        // Cancelled work that still does not stop is a bug; the process must exit all the same.
        group.maximumCancellationDuration = cancellationLimit
        return ServiceGroup(configuration: group)
    }
}
