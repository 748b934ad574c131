import EngelCore
import EngelServer
import EngelStores
import EngelWire
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// A clock tests move by hand.
final class ManualClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_775_000_000)) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    func set(_ date: Date) {
        current.withLock { $0 = date }
    }
}

/// An answer as a client sees it.
struct Answer {
    let status: Int
    let contentType: String?
    let body: String

    var envelope: ResponseEnvelope? {
        try? JSONDecoder().decode(ResponseEnvelope.self, from: Data(body.utf8))
    }

    var code: Int? { envelope?.response.status.code }
    var numbers: [String]? { envelope?.response.blacklist?.number }
    var count: Int? { envelope?.response.blacklist?.count }
}

/// A store with accounts, and an application over it, for posting requests as a given account.
struct Harness {
    let store: any EngelStore
    let clock = ManualClock()
    let configuration: ServerConfiguration
    let accounts: [String: IssuedCredentials]

    static func make(
        store: (any EngelStore)? = nil, accounts names: [String] = ["acme"], maximumBodyBytes: Int = 64 * 1024
    ) async throws -> Harness {
        let store = store ?? MemoryStore()
        var accounts: [String: IssuedCredentials] = [:]
        let administration = AccountAdministration(store: store)
        for name in names {
            accounts[name] = try await administration.create(named: name).credentials
        }
        return Harness(
            store: store,
            configuration: ServerConfiguration(
                database: .sqlite(path: "/unused"), maximumBodyBytes: maximumBodyBytes),
            accounts: accounts)
    }

    func application() -> some ApplicationProtocol {
        let clock = clock
        return Application(router: buildRouter(store: store, configuration: configuration) { clock.now })
    }

    /// Runs `body` with a client of the router (no sockets).
    func withClient<Value: Sendable>(
        _ setup: TestingSetup = .router, _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        try await application().test(setup) { client in try await body(client) }
    }

    /// The `authentication` object of `account`, as JSON.
    func authentication(_ account: String = "acme") -> String {
        guard let credentials = accounts[account] else { return "{}" }
        return #"{"key":"\#(credentials.key)","hash":"\#(credentials.hash)"}"#
    }

    /// A request body for `account` with `blacklist` as given (JSON text), or none.
    func body(_ account: String = "acme", blacklist: String?) -> String {
        if let blacklist {
            return #"{"request":{"authentication":\#(authentication(account)),"blacklist":\#(blacklist)}}"#
        }
        return #"{"request":{"authentication":\#(authentication(account))}}"#
    }
}

extension TestClientProtocol {
    /// POSTs `body` to `path`.
    func post(
        _ path: String, _ body: String, contentType: String? = "application/json", method: HTTPRequest.Method = .post
    ) async throws -> Answer {
        var headers: HTTPFields = [:]
        if let contentType { headers[.contentType] = contentType }
        return try await execute(uri: path, method: method, headers: headers, body: ByteBuffer(string: body)) {
            response in
            Answer(
                status: Int(response.status.code), contentType: response.headers[.contentType],
                body: String(buffer: response.body))
        }
    }

    func add(_ harness: Harness, _ number: String, as account: String = "acme") async throws -> Answer {
        try await post("/v1/add-blacklist/json", harness.body(account, blacklist: #"{"number":"\#(number)"}"#))
    }

    func delete(_ harness: Harness, _ number: String, as account: String = "acme") async throws -> Answer {
        try await post("/v1/delete-blacklist/json", harness.body(account, blacklist: #"{"number":"\#(number)"}"#))
    }

    func list(_ harness: Harness, _ blacklist: String? = nil, as account: String = "acme") async throws -> Answer {
        try await post("/v1/get-blacklist/json", harness.body(account, blacklist: blacklist))
    }
}

/// The exact bytes of a status-only envelope.
func statusBody(_ code: Int, _ message: String) -> String {
    #"{"response":{"status":{"code":\#(code),"message":"\#(message)"}}}"#
}
