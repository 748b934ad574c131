import EngelCore
import EngelWire
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The three blacklist methods: decode, authenticate, act, answer.
///
/// Handlers throw ``APIError``; ``EnvelopeErrorMiddleware`` writes every failure.
struct BlacklistAPI<Context: RequestContext>: Sendable {
    let store: any EngelStore
    let parser: PhoneNumberParser
    let maximumBodyBytes: Int
    let now: @Sendable () -> Date

    /// Paths of the JSON methods, as the live API names them.
    enum Method: String, CaseIterable {
        case add = "/v1/add-blacklist/json"
        case list = "/v1/get-blacklist/json"
        case delete = "/v1/delete-blacklist/json"
    }

    func addRoutes(to router: Router<Context>) {
        router.post(RouterPath(Method.add.rawValue)) { request, context in
            try await add(request, context: context)
        }
        router.post(RouterPath(Method.list.rawValue)) { request, context in
            try await list(request, context: context)
        }
        router.post(RouterPath(Method.delete.rawValue)) { request, context in
            try await delete(request, context: context)
        }
        // The methods exist, but only as POST: any other verb is a request that cannot be processed.
        for method in Method.allCases {
            for verb: HTTPRequest.Method in [.get, .put, .patch, .delete] {
                router.on(RouterPath(method.rawValue), method: verb) { _, _ -> Response in
                    throw APIError(.badRequest, "\(verb.rawValue) instead of POST")
                }
            }
        }
    }

    func add(_ request: Request, context: Context) async throws -> Response {
        let received = try await decode(ReceivedRequest<NumberPayload>.self, from: request, context: context)
        let account = try await authenticate(received)
        let number = try parser.parse(try received.requiredBlacklist().number)
        _ = try await store.add(number, for: account.id, at: now())
        return .envelope(.success)
    }

    func delete(_ request: Request, context: Context) async throws -> Response {
        let received = try await decode(ReceivedRequest<NumberPayload>.self, from: request, context: context)
        let account = try await authenticate(received)
        let number = try parser.parse(try received.requiredBlacklist().number)
        guard try await store.remove(number, for: account.id) else {
            throw APIError(.cannotRemoveBlock, "number is not listed")
        }
        return .envelope(.success)
    }

    func list(_ request: Request, context: Context) async throws -> Response {
        let received = try await decode(ReceivedRequest<ListPayload>.self, from: request, context: context)
        let account = try await authenticate(received)
        let payload = try received.blacklist() ?? ListPayload()
        let page = try await store.page(
            for: account.id, filter: try payload.dateFilter(), page: try payload.pageRequest())
        return .envelope(.success, body: ResponseWriter.page(page))
    }

    /// Reads at most ``maximumBodyBytes`` and decodes the envelope, whatever the content type says:
    /// clients send `application/json`, with or without a charset, or nothing at all.
    private func decode<Payload>(
        _ type: ReceivedRequest<Payload>.Type, from request: Request, context: Context
    ) async throws -> ReceivedRequest<Payload> {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError(.badRequest, "body larger than \(maximumBodyBytes) bytes")
        }
        return try ReceivedRequest<Payload>.decode(from: Data(body.readableBytesView))
    }

    /// The account the credentials belong to, or 401. Unknown keys cost a digest comparison too,
    /// so timing does not reveal whether a key exists.
    private func authenticate<Payload>(_ received: ReceivedRequest<Payload>) async throws -> Account {
        let credentials = try received.credentials()
        guard let account = try await store.account(withKey: credentials.key) else {
            _ = Self.decoyDigest.matches(credentials.hashDigest)
            throw APIError(.unauthorized, "unknown key")
        }
        guard account.accepts(credentials) else {
            throw APIError(.unauthorized, account.apiEnabled ? "wrong hash" : "API access is off")
        }
        return account
    }

    private static var decoyDigest: HashDigest { HashDigest(of: "decoy") }
}
