public import EngelCore
public import Foundation
public import Hummingbird
public import Logging
import ServiceLifecycle

/// The request context every Engel route sees.
public typealias EngelRequestContext = BasicRequestContext

/// Builds the router: the blacklist methods in JSON and XML, `/healthz`, and the envelope for every failure.
///
/// - Parameters:
///   - store: Where accounts and lists live.
///   - configuration: Limits and the accepted number prefixes.
///   - now: The clock stamping added-at times (tests pass a fixed one).
public func buildRouter(
    store: any EngelStore, configuration: ServerConfiguration, now: @escaping @Sendable () -> Date = { Date() }
) -> Router<EngelRequestContext> {
    let router = Router(context: EngelRequestContext.self)
    router.add(middleware: EnvelopeErrorMiddleware())
    BlacklistAPI(
        operations: BlacklistOperations(
            store: store, parser: PhoneNumberParser(prefixes: configuration.mobilePrefixes), now: now),
        maximumBodyBytes: configuration.maximumBodyBytes
    ).addRoutes(to: router)
    router.get("/healthz") { _, context -> Response in
        do {
            try await store.checkHealth()
            return .envelope(.success)
        } catch {
            context.logger.error("health check failed", metadata: ["error": "\(error)"])
            return .envelope(.serviceUnavailable)
        }
    }
    return router
}

/// Builds the application serving `store` as `configuration` says.
///
/// `services` run beside the server and are shut down after it, so a store closed by one of them
/// outlives every in-flight request.
public func buildApplication(
    store: any EngelStore, configuration: ServerConfiguration, services: [any Service] = [], logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(store: store, configuration: configuration),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port), serverName: "Engel"),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger
    )
}
