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
import Prometheus
import Testing

/// An answer as a client sees it.
struct Answer {
    let status: Int
    let contentType: String?
    let body: String
    /// Every header, as one text (to search it).
    var headers: String = ""

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
            configuration: ServerConfiguration(maximumBodyBytes: maximumBodyBytes),
            accounts: accounts)
    }

    /// The application over this harness's store (or `store`), with its metrics in `metrics`,
    /// logging to `logger` (by default warnings and worse only: one line per answer at info would
    /// bury the test runner's output).
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
                body: String(buffer: response.body), headers: "\(response.headers)")
        }
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
