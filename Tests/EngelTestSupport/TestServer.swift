public import EngelCore
import EngelServer
import EngelStores
public import Foundation
public import IletiMerkezi
import ServiceLifecycle
public import Testing

/// The Engel server for tests of its clients (the SDK, the CLI): started as `engel serve` starts it,
/// over SQLite in a temporary folder unless given a store. Tests share one per suite (the
/// ``Testing/Trait/sharedServer`` trait) and keep apart by making accounts of their own.
public struct TestServer: Sendable {
    /// The running server.
    public let live: LiveServer
    /// The store it serves.
    public let store: any EngelStore

    /// `http://127.0.0.1:PORT/v1/`.
    public var baseURL: String { live.baseURL + "/v1/" }

    /// A new account for the calling test alone, named after `label`.
    public func account(_ label: String = "test") async throws -> TestAccount {
        let name = "\(label)-\(UUID().uuidString.lowercased())"
        return TestAccount(
            name: name, credentials: try await AccountAdministration(store: store).create(named: name).credentials)
    }

    /// A client of `account`, without retries unless asked.
    public func client(
        _ account: TestAccount, retry: BlacklistClient.RetryPolicy = .none, timeout: Duration = .seconds(10)
    ) -> BlacklistClient {
        BlacklistClient(
            configuration: .init(
                baseURL: baseURL, credentials: .init(key: account.credentials.key, hash: account.credentials.hash),
                timeout: timeout, retry: retry))
    }

    /// Lists `numbers` for `account` straight in the store, stamped `date`, as `engel account load`
    /// does: for tests that need entries at known times (the server's clock is the real one).
    public func load(_ numbers: [String], into account: TestAccount, at date: Date) async throws {
        let parser = PhoneNumberParser()
        _ = try await AccountAdministration(store: store).load(
            try numbers.map { try parser.parse($0) }, into: account.name, at: date)
    }

    /// Runs `body` with a server of its own over `store`; by default over a fresh SQLite database,
    /// opened, served and closed as `engel serve` does it, and removed afterwards.
    public static func run<Value: Sendable>(
        over store: (any EngelStore)? = nil, _ body: (TestServer) async throws -> Value
    ) async throws -> Value {
        let path = TestDatabases.temporarySQLitePath()
        defer { TestDatabases.removeTemporarySQLite(at: path) }
        // What `engel serve --host 127.0.0.1 --port 0 --database sqlite:PATH` reads.
        let configuration = try ServerConfiguration.resolve(
            [.host: "127.0.0.1", .port: "0", .database: "sqlite:" + path], environment: [:])
        let served: any EngelStore
        var services: [any Service] = []
        if let store {
            served = store
        } else {
            served = try await configuration.database.open(logger: LiveServer.quietLogger)
            services = [StoreLifecycleService(store: served)]
        }
        return try await LiveServer.with(.engel(store: served, configuration: configuration, services: services)) {
            live in try await body(TestServer(live: live, store: served))
        }
    }

    /// The server of the suite running the calling test (see ``Testing/Trait/sharedServer``).
    public static var current: TestServer {
        get throws {
            guard let shared else { throw NoSharedServer() }
            return shared
        }
    }

    @TaskLocal static var shared: TestServer?

    /// The test's suite has no ``Testing/Trait/sharedServer`` trait.
    struct NoSharedServer: Error {}
}

/// An account a test made for itself.
public struct TestAccount: Sendable {
    /// Its name.
    public let name: String
    /// Its key, secret and hash.
    public let credentials: IssuedCredentials
}

/// Starts one ``TestServer`` before a suite's first test and stops it after its last.
public struct SharedServerTrait: SuiteTrait, TestScoping {
    /// Once for the whole suite, not once per test.
    public var isRecursive: Bool { false }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await TestServer.run { server in
            try await TestServer.$shared.withValue(server) { try await function() }
        }
    }
}

extension Trait where Self == SharedServerTrait {
    /// One Engel server for the whole suite, reached through ``TestServer/current``.
    public static var sharedServer: Self { Self() }
}
