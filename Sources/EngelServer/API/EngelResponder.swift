import EngelCore
import EngelWire
import HTTPTypes
public import Hummingbird
import Logging
import NIOCore

/// Answers every request: finds its endpoint in a fixed table and runs it inside the middlewares,
/// outermost first: observation (so every answer, slowed or not, is observed as the client gets
/// it), the authentication slowdown, and the envelope for every failure.
///
/// Engel serves eight fixed paths, so one dictionary lookup replaces Hummingbird's router, whose
/// trie walk cost several percent of each request. Paths are matched as that router matches them:
/// empty segments (`//`, a trailing `/`) do not count.
public struct EngelResponder: HTTPResponder, HTTPResponderBuilder {
    public typealias Context = EngelRequestContext

    let observation: ObservationMiddleware
    let slowdown: AuthenticationSlowdownMiddleware
    let envelopeErrors: EnvelopeErrorMiddleware<Context>
    let api: BlacklistAPI
    let store: any EngelStore
    let metrics: ServerMetrics
    /// The whole `Authorization` value `/metrics` requires, when a token is configured.
    let metricsAuthorization: [UInt8]?
    /// The store's reads that can be answered at once, when it has any.
    let immediateReads: (any ImmediateReads)?
    /// The store's adds that complete without a suspension, when it has them.
    let completionWrites: (any CompletionWrites)?

    public func buildResponder() -> Self { self }

    public func respond(to request: Request, context: Context) async throws -> Response {
        try await observation.handle(request, context: context) { request, context in
            try await slowdown.handle(request, context: context) { request, context in
                try await envelopeErrors.handle(request, context: context) { request, context in
                    try await answer(request, context: context)
                }
            }
        }
    }

    /// The answer to a request that can be made without suspending, observed as every answer is;
    /// `nil` when it cannot (see ``BlacklistAPI/respondAtOnce(method:dialect:httpMethod:body:reads:)``),
    /// and the request must go through ``respond(to:context:)``.
    ///
    /// Only successes are made at once, so neither the authentication slowdown nor the envelope for
    /// failures has anything to do with them.
    func respondAtOnce(
        to head: HTTPRequest, body: ByteBuffer, logger: Logger, clientAddress: @autoclosure () -> String?
    ) -> ImmediateResponse? {
        let started = ContinuousClock.now
        // A query string, or a path spelled other than exactly, goes the ordinary way.
        guard let reads = immediateReads, let path = head.path,
            case .blacklist(let method, let dialect)? = KnownPath.exactly(path),
            let response = api.respondAtOnce(
                method: method, dialect: dialect, httpMethod: head.method, body: body, reads: reads)
        else { return nil }
        return observed(response, to: head, path: path, since: started, logger: logger, client: clientAddress())
    }

    /// Starts an add-blacklist request without a task, when the store allows it and the request
    /// is sound, and calls `answer` on `loop` with its answer, observed as every answer is; with
    /// `nil` when the add failed and the request must go through ``respond(to:context:)`` after all
    /// (adds are idempotent, so it is tried again there and its failure answered). Returns `false`,
    /// having started nothing, for every other request.
    func startAddWithoutSuspending(
        to head: HTTPRequest, body: ByteBuffer, on loop: any EventLoop, logger: Logger,
        clientAddress: @escaping @Sendable () -> String?,
        answer: @escaping @Sendable (ImmediateResponse?) -> Void
    ) -> Bool {
        let started = ContinuousClock.now
        guard let reads = immediateReads, let writes = completionWrites, let path = head.path,
            case .blacklist(.add, let dialect)? = KnownPath.exactly(path)
        else { return false }
        return api.addWithoutSuspending(
            dialect: dialect, httpMethod: head.method, body: body, reads: reads, writes: writes
        ) { [self] response in
            loop.execute {
                guard let response else { return answer(nil) }
                answer(
                    observed(response, to: head, path: path, since: started, logger: logger, client: clientAddress()))
            }
        }
    }

    /// `response` with the request's id, recorded as ``ObservationMiddleware`` records every answer.
    private func observed(
        _ response: ImmediateResponse, to head: HTTPRequest, path: String, since started: ContinuousClock.Instant,
        logger: Logger, client: @autoclosure () -> String?
    ) -> ImmediateResponse {
        var response = response
        let id = ObservationMiddleware.requestID(head.headerFields)
        var logger = logger
        // Only the info line would carry it.
        if logger.logLevel <= .info { logger[metadataKey: "hb.request.id"] = .string(id) }
        response.head.headerFields.append(HTTPField(name: .requestID, value: id))
        observation.record(
            method: head.method, path: path, code: response.head.status.code, since: started, logger: logger,
            client: client())
        return response
    }

    private func answer(_ request: Request, context: Context) async throws -> Response {
        switch KnownPath.of(path: request.uri.path) {
        case .blacklist(let method, let dialect)?:
            return try await api.respond(to: request, method: method, dialect: dialect)
        case .health? where request.method == .get:
            do {
                try await store.checkHealth()
                return .envelope(.success)
            } catch {
                metrics.storeFailed(endpoint: "/healthz")
                context.logger.error("health check failed", metadata: ["error": "\(error)"])
                return .envelope(.serviceUnavailable)
            }
        case .metrics? where request.method == .get:
            if let expected = metricsAuthorization,
                !Self.matches(request.headers[.authorization].map { Array($0.utf8) } ?? [], expected)
            {
                return .envelope(.unauthorized)
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        case .health?, .metrics?, nil:
            throw HTTPError(.notFound)
        }
    }

    /// Compares in time that depends on the lengths only, so a wrong token's answer time does not
    /// tell how much of it was right.
    static func matches(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        guard given.count == expected.count else { return false }
        var difference: UInt8 = 0
        for index in expected.indices { difference |= given[index] ^ expected[index] }
        return difference == 0
    }
}

/// The paths Engel serves, and what each names.
enum KnownPath: Sendable {
    case blacklist(BlacklistMethod, WireDialect)
    case health
    case metrics

    /// The endpoint at `path`, if any, empty segments ignored (as requests are routed).
    static func of(path: String) -> KnownPath? {
        if let endpoint = exactly(path) { return endpoint }
        // Rarely needed, so only after the exact lookup failed.
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return byPath["/" + segments.joined(separator: "/")]
    }

    /// The endpoint spelled exactly `path`, if any (as metrics and error envelopes name paths).
    static func exactly(_ path: String) -> KnownPath? {
        byPath[path]
    }

    private static let byPath: [String: KnownPath] = {
        var byPath: [String: KnownPath] = ["/healthz": .health, "/metrics": .metrics]
        for method in BlacklistMethod.allCases {
            for dialect in WireDialect.allCases { byPath[method.path(in: dialect)] = .blacklist(method, dialect) }
        }
        return byPath
    }()
}
