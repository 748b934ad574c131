public import EngelCore
import EngelServer
import EngelStores
import Foundation
public import Hummingbird
public import IletiMerkezi
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// An Engel server listening on a free port of 127.0.0.1, with accounts.
public struct LiveServer: Sendable {
    /// `http://127.0.0.1:PORT/v1/`.
    public let baseURL: String
    /// The store served.
    public let store: any EngelStore
    /// The accounts made at start, by name.
    public let accounts: [String: IssuedCredentials]
    /// The clock stamping added-at times.
    public let clock: ManualClock

    /// A client of `account` without retries unless asked.
    public func client(
        _ account: String = "acme", retry: BlacklistClient.RetryPolicy = .none, timeout: Duration = .seconds(10)
    ) -> BlacklistClient {
        let issued = accounts[account]
        return BlacklistClient(
            configuration: .init(
                baseURL: baseURL, credentials: .init(key: issued?.key ?? "", hash: issued?.hash ?? ""),
                timeout: timeout, retry: retry))
    }

    /// Runs `body` with a server over `store` (a fresh memory store by default).
    public static func with<Value: Sendable>(
        store: (any EngelStore)? = nil, accounts names: [String] = ["acme"],
        _ body: @Sendable (LiveServer) async throws -> Value
    ) async throws -> Value {
        let store = store ?? MemoryStore()
        var accounts: [String: IssuedCredentials] = [:]
        for name in names {
            accounts[name] = try await AccountAdministration(store: store).create(named: name).credentials
        }
        let clock = ManualClock()
        let issued = accounts
        let router = buildResponder(
            store: store, configuration: ServerConfiguration(port: 0)
        ) { clock.now }
        return try await withServer(router: router) { port in
            try await body(
                LiveServer(
                    baseURL: "http://127.0.0.1:\(port)/v1/", store: store, accounts: issued, clock: clock))
        }
    }
}

/// Serves `router` on a free port of 127.0.0.1 for the length of `body`, which gets the port.
public func withServer<Router: HTTPResponderBuilder, Value: Sendable>(
    router: Router, _ body: @Sendable (Int) async throws -> Value
) async throws -> Value
where Router.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    var logger = Logger(label: "test-server")
    logger.logLevel = .critical
    let port = Mutex<Int?>(nil)
    let application = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }, logger: logger)
    let group = ServiceGroup(services: [application], logger: logger)
    return try await serving(group, boundPort: { port.withLock { $0 } }, body)
}

/// Runs `group` until `boundPort` reports the port its server listens on, then `body` with that
/// port; then shuts the group down, waits for it to stop, and returns what `body` did.
func serving<Value: Sendable>(
    _ group: ServiceGroup, boundPort: @escaping @Sendable () -> Int?, _ body: (Int) async throws -> Value
) async throws -> Value {
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var bound: Int?
        while bound == nil {
            try await Task.sleep(for: .milliseconds(5))
            bound = boundPort()
        }
        let result: Result<Value, any Error>
        do {
            result = .success(try await body(bound ?? 0))
        } catch {
            result = .failure(error)
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return try result.get()
    }
}
