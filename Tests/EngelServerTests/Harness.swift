import AsyncHTTPClient
import EngelCore
import EngelServer
import EngelStores
import EngelTestSupport
import EngelWire
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import ServiceLifecycle
import Testing

/// How a test reaches the server.
enum Transport: String, Sendable, CaseIterable, CustomTestStringConvertible {
    /// Hummingbird's router test client over `buildResponder` and a memory store: no sockets, fast.
    case inProcess = "in process"
    /// A real connection to the application of `buildApplication` over SQLite, as users run it.
    case live

    var testDescription: String { rawValue }
}

/// An answer as a client sees it.
struct Answer {
    let status: Int
    let contentType: String?
    let body: String
    /// Every header, by name.
    var fields: HTTPFields = [:]

    /// Every header, as one text (to search it).
    var headers: String { "\(fields)" }

    /// The envelope, read from JSON or from XML as the content type says.
    var envelope: ResponseEnvelope? {
        guard contentType?.hasPrefix("application/xml") == true else {
            return try? JSONDecoder().decode(ResponseEnvelope.self, from: Data(body.utf8))
        }
        guard let root = try? WireXMLElement.parse(document: Data(body.utf8)), root.name == "response",
            let status = try? root.child("status"),
            let code = (try? status.childText("code")).flatMap({ $0.flatMap(Int.init) }),
            let message = try? status.childText("message")
        else { return nil }
        let list = (try? root.child("blacklist")).flatMap { $0 }.map { blacklist in
            ListResultPayload(
                count: (try? blacklist.childText("count")).flatMap { $0.flatMap(Int.init) } ?? -1,
                number: blacklist.children.filter { $0.name == "number" }.map(\.text))
        }
        return ResponseEnvelope(
            response: EngelWire.ResponseBody(status: StatusPayload(code: code, message: message), blacklist: list))
    }

    var code: Int? {
        if let code = envelope?.response.status.code { return code }
        // Engel's batch methods answer other `blacklist` shapes: the status alone is read then.
        return try? JSONDecoder().decode(StatusOnly.self, from: Data(body.utf8)).response.status.code
    }

    private struct StatusOnly: Decodable {
        struct Body: Decodable { let status: StatusPayload }
        let response: Body
    }
    var numbers: [String]? { envelope?.response.blacklist?.number }
    var count: Int? { envelope?.response.blacklist?.count }
}

/// A store with accounts, and a server over it reached in process or live, for posting requests as
/// a given account.
struct Harness {
    let store: any EngelStore
    let clock = ManualClock()
    private(set) var configuration: ServerConfiguration
    let accounts: [String: IssuedCredentials]
    private(set) var transport: Transport = .inProcess
    /// The temporary SQLite file of a store the harness opened itself: its live server closes the
    /// store when it stops, as `engel serve` closes its own, and the file is then removed (so a
    /// harness that opened its store runs one live server).
    private(set) var ownedDatabase: String? = nil

    /// A harness whose store is `store`, or else a fresh one: a memory store in process, SQLite live.
    static func make(
        _ transport: Transport = .inProcess, store given: (any EngelStore)? = nil,
        accounts names: [String] = ["acme"], maximumBodyBytes: Int = 64 * 1024
    ) async throws -> Harness {
        var ownedDatabase: String?
        let store: any EngelStore
        switch (given, transport) {
        case (let given?, _): store = given
        case (nil, .inProcess): store = MemoryStore()
        case (nil, .live):
            let path = TestDatabases.temporarySQLitePath()
            store = try await SQLiteStore.open(path: path)
            ownedDatabase = path
        }
        var accounts: [String: IssuedCredentials] = [:]
        let administration = AccountAdministration(store: store)
        for name in names {
            accounts[name] = try await administration.create(named: name).credentials
        }
        // The suites send many 401s from one address; the slowdown, tested on its own, would hold
        // each of them back once the live server has seen ten.
        return Harness(
            store: store,
            configuration: ServerConfiguration(
                maximumBodyBytes: maximumBodyBytes, authenticationSlowdown: AuthenticationSlowdown(maximumDelay: .zero)),
            accounts: accounts, transport: transport, ownedDatabase: ownedDatabase)
    }

    /// This harness with its configuration changed by `change`.
    func configured(_ change: (inout ServerConfiguration) -> Void) -> Harness {
        var changed = self
        change(&changed.configuration)
        return changed
    }

    /// This harness over `store` instead (its accounts and configuration, not its clock): `store`
    /// usually wraps this one's.
    func over(_ store: any EngelStore) -> Harness {
        Harness(store: store, configuration: configuration, accounts: accounts, transport: transport)
    }

    /// The in-process application over this harness's store (or `store`), with its metrics in
    /// `metrics`, logging to `logger` (by default warnings and worse only: one line per answer at
    /// info would bury the test runner's output).
    func application(
        store: (any EngelStore)? = nil, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        logger: Logger? = nil
    ) -> some ApplicationProtocol {
        let clock = clock
        var quiet = Logger(label: "engel-test")
        quiet.logLevel = .warning
        return Application(
            router: buildResponder(store: store ?? self.store, configuration: configuration, metrics: metrics) {
                clock.now
            },
            logger: logger ?? quiet)
    }

    /// Runs `body` with the server users run (`buildApplication`) over this harness's store (or
    /// `store`) on a free port, with `services` beside it; its metrics in `metrics`.
    func withServer<Value: Sendable>(
        store: (any EngelStore)? = nil, services: [any Service] = [],
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), logger: Logger = LiveServer.quietLogger,
        _ body: (LiveServer) async throws -> Value
    ) async throws -> Value {
        let clock = clock
        var services = services
        if ownedDatabase != nil {
            services.append(StoreLifecycleService(store: self.store))
        }
        defer {
            if let ownedDatabase { TestDatabases.removeTemporarySQLite(at: ownedDatabase) }
        }
        return try await LiveServer.with(
            .engel(
                store: store ?? self.store, configuration: configuration, services: services, metrics: metrics,
                logger: logger
            ) { clock.now }, body)
    }

    /// Runs `body` with a client of this harness's server (over its store, or `store`), reached by
    /// its ``transport``.
    func withClient<Value: Sendable>(
        store: (any EngelStore)? = nil, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        logger: Logger? = nil, _ body: @Sendable (HarnessClient) async throws -> Value
    ) async throws -> Value {
        switch transport {
        case .inProcess:
            try await application(store: store, metrics: metrics, logger: logger).test(.router) { client in
                try await body(HarnessClient(client))
            }
        case .live:
            try await withServer(store: store, metrics: metrics, logger: logger ?? LiveServer.quietLogger) {
                server in try await body(HarnessClient(port: server.port))
            }
        }
    }

    /// The `authentication` object of `account`, as JSON.
    func authentication(_ account: String = "acme") -> String {
        guard let credentials = accounts[account] else { return "{}" }
        return #"{"key":"\#(credentials.key)","hash":"\#(credentials.hash)"}"#
    }

    /// The `authentication` of `account`, in either dialect.
    func authenticationValue(_ account: String = "acme") -> WireValue {
        guard let credentials = accounts[account] else { return [:] }
        return ["key": .string(credentials.key), "hash": .string(credentials.hash)]
    }

    /// A request for `account` with `blacklist`, in either dialect (`nil` leaves it out).
    func request(_ account: String = "acme", blacklist: WireValue = nil) -> WireValue {
        ["request": ["authentication": authenticationValue(account), "blacklist": blacklist]]
    }

    /// A request body for `account` with `blacklist` as given (JSON text), or none.
    func body(_ account: String = "acme", blacklist: String?) -> String {
        if let blacklist {
            return #"{"request":{"authentication":\#(authentication(account)),"blacklist":\#(blacklist)}}"#
        }
        return #"{"request":{"authentication":\#(authentication(account))}}"#
    }
}

/// A client of a harness's server, in process or over a connection: the same calls either way.
struct HarnessClient: Sendable {
    /// Sends one request and reads its whole answer.
    private let exchange:
        @Sendable (_ path: String, _ method: HTTPRequest.Method, _ headers: HTTPFields, _ body: ByteBuffer)
            async throws -> Answer

    /// Through Hummingbird's test client.
    init(_ client: some TestClientProtocol) {
        exchange = { path, method, headers, body in
            try await client.execute(uri: path, method: method, headers: headers, body: body) { response in
                Answer(
                    status: Int(response.status.code), contentType: response.headers[.contentType],
                    body: String(buffer: response.body), fields: response.headers)
            }
        }
    }

    /// Over real connections to `127.0.0.1:port`.
    init(port: Int) {
        exchange = { path, method, headers, body in
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.method = HTTPMethod(rawValue: method.rawValue)
            for field in headers { request.headers.add(name: field.name.rawName, value: field.value) }
            request.body = .bytes(body)
            // Long: in the whole suite, hundreds of tests share two cores, and a stall there is not this
            // request's failure (the tests that time answers measure them themselves).
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(90))
            let bytes = try await response.body.collect(upTo: 1 << 24)
            var fields: HTTPFields = [:]
            for (name, value) in response.headers {
                if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
            }
            return Answer(
                status: Int(response.status.code), contentType: fields[.contentType], body: String(buffer: bytes),
                fields: fields)
        }
    }

    /// Sends `body` to `path` as given.
    func execute(
        _ path: String, method: HTTPRequest.Method = .post, headers: HTTPFields = [:], body: ByteBuffer
    ) async throws -> Answer {
        try await exchange(path, method, headers, body)
    }

    /// POSTs `body` to `path`.
    func post(
        _ path: String, _ body: String, contentType: String? = "application/json", method: HTTPRequest.Method = .post
    ) async throws -> Answer {
        var headers: HTTPFields = [:]
        if let contentType { headers[.contentType] = contentType }
        return try await execute(path, method: method, headers: headers, body: ByteBuffer(string: body))
    }

    /// POSTs `request` to `endpoint` in `dialect`, with the dialect's usual content type.
    func send(_ endpoint: Endpoint, _ request: WireValue, in dialect: WireDialect) async throws -> Answer {
        try await post(
            endpoint.path(dialect), request.rendered(in: dialect), contentType: dialect.requestContentType)
    }

    func add(
        _ harness: Harness, _ number: String, as account: String = "acme", in dialect: WireDialect = .json
    ) async throws -> Answer {
        try await send(.add, harness.request(account, blacklist: ["number": .string(number)]), in: dialect)
    }

    func delete(
        _ harness: Harness, _ number: String, as account: String = "acme", in dialect: WireDialect = .json
    ) async throws -> Answer {
        try await send(.delete, harness.request(account, blacklist: ["number": .string(number)]), in: dialect)
    }

    func list(_ harness: Harness, _ blacklist: String? = nil, as account: String = "acme") async throws -> Answer {
        try await post("/v1/get-blacklist/json", harness.body(account, blacklist: blacklist))
    }

    func list(
        _ harness: Harness, _ blacklist: WireValue, as account: String = "acme", in dialect: WireDialect
    ) async throws -> Answer {
        try await send(.list, harness.request(account, blacklist: blacklist), in: dialect)
    }
}

/// Every pairing of an element of `first` with one of `second`: the arguments of a test that takes
/// a third beside them (Swift Testing combines at most two collections).
func pairs<First, Second>(_ first: some Collection<First>, _ second: some Collection<Second>) -> [(First, Second)] {
    first.flatMap { one in second.map { other in (one, other) } }
}

/// The exact bytes of a status-only envelope.
func statusBody(_ code: Int, _ message: String, in dialect: WireDialect = .json) -> String {
    switch dialect {
    case .json:
        #"{"response":{"status":{"code":\#(code),"message":"\#(message)"}}}"#
    case .xml:
        #"<?xml version="1.0" encoding="UTF-8"?><response><status><code>\#(code)</code><message>\#(message)</message></status></response>"#
    }
}

/// The exact bytes of a successful get-blacklist envelope.
func listBody(count: Int, numbers: [String], in dialect: WireDialect) -> String {
    switch dialect {
    case .json:
        let list = numbers.map { #""\#($0)""# }.joined(separator: ",")
        return
            #"{"response":{"status":{"code":200,"message":"İşlem başarılı"},"blacklist":{"count":\#(count),"number":[\#(list)]}}}"#
    case .xml:
        let list = numbers.map { "<number>\($0)</number>" }.joined()
        return
            #"<?xml version="1.0" encoding="UTF-8"?><response><status><code>200</code><message>İşlem başarılı</message></status><blacklist><count>\#(count)</count>\#(list)</blacklist></response>"#
    }
}

/// `text` as a form field value (`application/x-www-form-urlencoded`).
func formEncoded(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._*")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
}
