public import EngelCore
public import EngelServer
public import Foundation
public import Hummingbird
public import Logging
public import Prometheus
public import ServiceLifecycle

/// A server listening on a free port of 127.0.0.1 while a test, or a whole suite, runs. Every test
/// target starts its servers through ``with(_:_:)``.
public struct LiveServer: Sendable {
    /// The port it listens on.
    public let port: Int
    /// The service group running it: trigger a graceful shutdown through it.
    public let group: ServiceGroup

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// What a live server serves.
    public struct Served: Sendable {
        /// Gets ready, then makes the service group that runs the server and tells `onServerRunning`
        /// the port it listens on.
        let makeGroup:
            @Sendable (_ onServerRunning: @escaping @Sendable (Int) async -> Void) async throws -> ServiceGroup

        /// The Engel server as `engel serve` runs it: the store prepared for serving, the application
        /// of `buildApplication` over it, in ``ServerConfiguration/serviceGroup(running:logger:signals:cancellationLimit:)``
        /// (no signals), on a free port of 127.0.0.1 whatever `configuration` says. Pass
        /// `StoreLifecycleService` in `services` to have the store closed after the server stops.
        public static func engel(
            store: any EngelStore, configuration: ServerConfiguration, services: [any Service] = [],
            metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
            logger: Logger = LiveServer.quietLogger,
            now: @escaping @Sendable () -> Date = { Date() }
        ) -> Served {
            var configuration = configuration
            configuration.host = "127.0.0.1"
            configuration.port = 0
            return Served { [configuration] onServerRunning in
                _ = try await store.prepareForServing()
                let application = buildApplication(
                    store: store, configuration: configuration, services: services, metrics: metrics, now: now,
                    logger: logger, onServerRunning: onServerRunning)
                // A test process runs many servers on two cores: cancellation may be slow there, and
                // the group's limit would stop the whole test run, not just the server.
                return configuration.serviceGroup(
                    running: application, logger: logger, signals: [], cancellationLimit: .seconds(60))
            }
        }

        /// A stand-in for the remote API: a plain Hummingbird application of `router`.
        public static func standIn(_ router: Router<BasicRequestContext>) -> Served {
            let responder = router.buildResponder()
            return Served { onServerRunning in
                let application = Application(
                    responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                    onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
                    logger: LiveServer.quietLogger)
                return ServiceGroup(services: [application], logger: LiveServer.quietLogger)
            }
        }
    }

    /// Serves `served` for the length of `body`, then shuts the server down (unless `body` did) and
    /// waits for it to stop; returns what `body` did.
    public static func with<Value: Sendable>(
        _ served: Served, _ body: (LiveServer) async throws -> Value
    ) async throws -> Value {
        let (ports, portFound) = AsyncStream.makeStream(of: Int.self)
        let group = try await served.makeGroup { port in
            portFound.yield(port)
            portFound.finish()
        }
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                // A group that stops before it listens ends the wait for the port too.
                defer { portFound.finish() }
                try await group.run()
            }
            var found = ports.makeAsyncIterator()
            guard let port = await found.next() else {
                try await tasks.waitForAll()
                throw NotListening()
            }
            let result: Result<Value, any Error>
            do {
                result = .success(try await body(LiveServer(port: port, group: group)))
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }

    /// A logger that only shows what is critical: one line per answer would bury the test output.
    public static var quietLogger: Logger {
        var logger = Logger(label: "engel-test-server")
        logger.logLevel = .critical
        return logger
    }

    /// The server stopped before it listened.
    struct NotListening: Error {}
}
