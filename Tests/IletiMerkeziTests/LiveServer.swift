import EngelCore
import EngelServer
import EngelStores
import Foundation
import Hummingbird
import IletiMerkezi
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A clock tests move by hand, stamping added-at times.
final class TestClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_775_000_000))

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// An Engel server listening on a free port of 127.0.0.1, with accounts.
struct LiveServer: Sendable {
    let baseURL: String
    let store: any EngelStore
    let accounts: [String: IssuedCredentials]
    let clock: TestClock

    /// A client of `account` without retries unless asked.
    func client(
        _ account: String = "acme", retry: BlacklistClient.RetryPolicy = .none, timeout: Duration = .seconds(10)
    ) -> BlacklistClient {
        let issued = accounts[account]
        return BlacklistClient(
            configuration: .init(
                baseURL: baseURL, credentials: .init(key: issued?.key ?? "", hash: issued?.hash ?? ""),
                timeout: timeout, retry: retry))
    }

    /// Runs `body` with a server over `store` (a fresh memory store by default).
    static func with<Value: Sendable>(
        store: (any EngelStore)? = nil, accounts names: [String] = ["acme"],
        _ body: @Sendable (LiveServer) async throws -> Value
    ) async throws -> Value {
        let store = store ?? MemoryStore()
        var accounts: [String: IssuedCredentials] = [:]
        for name in names {
            accounts[name] = try await AccountAdministration(store: store).create(named: name).credentials
        }
        let clock = TestClock()
        let issued = accounts
        let router = buildRouter(
            store: store, configuration: ServerConfiguration(port: 0, database: .sqlite(path: "/unused"))
        ) { clock.now }
        return try await withServer(router: router) { port in
            try await body(
                LiveServer(
                    baseURL: "http://127.0.0.1:\(port)/v1/", store: store, accounts: issued, clock: clock))
        }
    }
}

/// Serves `router` on a free port of 127.0.0.1 for the length of `body`, which gets the port.
func withServer<Value: Sendable>(
    router: Router<BasicRequestContext>, _ body: @Sendable (Int) async throws -> Value
) async throws -> Value {
    var logger = Logger(label: "test-server")
    logger.logLevel = .critical
    let port = Mutex<Int?>(nil)
    let application = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }, logger: logger)
    let group = ServiceGroup(services: [application], logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var bound: Int?
        while bound == nil {
            try await Task.sleep(for: .milliseconds(5))
            bound = port.withLock { $0 }
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
