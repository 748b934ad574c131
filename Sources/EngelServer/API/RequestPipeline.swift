import EngelCore
import EngelWire
import Foundation
import HTTPTypes
import Logging
import NIOCore

/// A request as a transport hands it over: its head, and its whole body or why it was refused.
struct IncomingRequest: Sendable {
    var head: HTTPRequest
    var body: Result<ByteBuffer, RequestBodyRejected>
}

/// An answer ready to write: its head and its whole body.
struct OutgoingAnswer: Sendable {
    var head: HTTPResponse
    var body: ByteBuffer
}

/// Where a request came from, asked of its connection only when a log line or the authentication
/// slowdown needs it: a channel answers under a lock.
struct RequestOrigin: Sendable {
    /// The connection; `nil` for requests that came through no socket (router tests).
    let channel: (any Channel)?

    /// The client's IP address as text, without the port.
    var address: String? { channel?.remoteAddress?.ipAddress }
}

/// The one way every request is answered, whichever transport brought it:
///
/// 1. the route, from the one ``RouteTable``;
/// 2. decode the body, require credentials, parse what the method asks for: synchronous;
/// 3. one store call, which authenticates and acts; its ``Reply`` is at hand now or comes later,
///    as the store says;
/// 4. one encoder: the answer, or the envelope of any failure, in the route's dialect;
/// 5. the authentication slowdown holds back a 401 to an address that failed too often;
/// 6. one observation: the request id, the metrics, the log line.
///
/// When the store replies now, so does the pipeline, and the transport writes the answer on the
/// connection's thread without a task.
///
/// A class: a reply that comes later is finished by closures on the store's thread, and each
/// capturing a copy of every field (a dozen references, retained and released from two threads)
/// cost adds about a fifth more server CPU (Benchmarks/RESULTS.md, "2026-11-30 (session 7)").
final class RequestPipeline: Sendable {
    let routes: RouteTable
    let store: any EngelStore
    let parser: PhoneNumberParser
    let now: @Sendable () -> Date
    let metrics: ServerMetrics
    let throttle: AuthenticationThrottle
    /// The whole `Authorization` value `/metrics` requires, when a token is configured.
    let metricsAuthorization: [UInt8]?

    init(
        routes: RouteTable, store: any EngelStore, parser: PhoneNumberParser, now: @escaping @Sendable () -> Date,
        metrics: ServerMetrics, throttle: AuthenticationThrottle, metricsAuthorization: [UInt8]?
    ) {
        self.routes = routes
        self.store = store
        self.parser = parser
        self.now = now
        self.metrics = metrics
        self.throttle = throttle
        self.metricsAuthorization = metricsAuthorization
    }

    /// What a request came to before it is written: an answer of the API, a failure, or the
    /// metrics' text.
    enum Outcome: Sendable {
        case answer(BlacklistAnswer)
        case failure(any Error)
        case exposition([UInt8])
    }

    /// The request being answered, as the last steps need it.
    private struct Answering: Sendable {
        let method: HTTPRequest.Method
        let route: RouteTable.Route?
        let origin: RequestOrigin
        let logger: Logger
        let id: String
        let started: ContinuousClock.Instant
    }

    /// Answers `request`; the reply is at hand when the store's was.
    func answer(_ request: IncomingRequest, from origin: RequestOrigin, logger: Logger) -> Reply<OutgoingAnswer> {
        let started = ContinuousClock.now
        let route = request.head.path.flatMap(routes.route(for:))
        let answering = Answering(
            method: request.head.method, route: route, origin: origin, logger: logger,
            id: RequestIdentifier.of(request.head.headerFields), started: started)
        switch outcome(of: request, at: route) {
        case .now(let outcome): return finish(outcome, answering)
        case .later(let pending): return Reply.later(pending).flatMap { [self] in finish($0, answering) }
        case .fromStore(let pending, let method, let call):
            // One link from the store's reply to the answer, not one per step: every write comes
            // this way, and each link is a lock and allocations more.
            return Reply.later(pending).flatMap { [self] in finish(answer($0, of: method, to: call), answering) }
        }
    }

    /// Steps 1 to 3's result: the outcome now, later, or (for writes and anything else the store
    /// does later) the store's own reply and what turns it into an outcome.
    private enum Step {
        case now(Outcome)
        case later(PendingReply<Outcome>)
        case fromStore(PendingReply<Result<ListCallResult, any Error>>, BlacklistMethod, ListCall)

        init(_ reply: Reply<Outcome>) {
            switch reply {
            case .now(let outcome): self = .now(outcome)
            case .later(let pending): self = .later(pending)
            }
        }
    }

    // MARK: Steps 1 to 3: the route, the synchronous step, the store call

    private func outcome(of request: IncomingRequest, at route: RouteTable.Route?) -> Step {
        guard let route else { return .now(.failure(APIError(.unknownMethod, "no such method"))) }
        let body: ByteBuffer
        switch request.body {
        case .success(let read): body = read
        case .failure(let rejected): return .now(.failure(rejected))
        }
        switch route.endpoint {
        case .blacklist(let method):
            let call: ListCall
            do {
                try Self.requirePOST(request.head.method)
                call = try method.call(
                    decoding: Array(body.readableBytesView), with: route.dialect.codec, parser: parser, at: now())
            } catch {
                return .now(.failure(error))
            }
            switch store.reply(to: call) {
            case .now(let result): return .now(answer(result, of: method, to: call))
            case .later(let pending): return .fromStore(pending, method, call)
            }
        case .health where request.head.method == .get || request.head.method == .head:
            return Step(
                .suspending { [store] in
                    do {
                        try await store.checkHealth()
                        return .answer(.status(.success))
                    } catch {
                        return .failure(error)
                    }
                })
        case .metrics where request.head.method == .get:
            if let expected = metricsAuthorization,
                !Self.matches(request.head.headerFields[.authorization].map { Array($0.utf8) } ?? [], expected)
            {
                return .now(.answer(.status(.unauthorized)))
            }
            return .now(.exposition(metrics.exposition()))
        case .health, .metrics:
            return .now(.failure(APIError(.unknownMethod, "\(request.head.method.rawValue) is not served here")))
        }
    }

    /// The blacklist methods exist only as POST: GET, PUT, PATCH and DELETE are requests that cannot
    /// be processed (400), and other verbs find nothing (404).
    private static func requirePOST(_ method: HTTPRequest.Method) throws(APIError) {
        switch method {
        case .post: return
        case .get, .put, .patch, .delete: throw APIError(.badRequest, "\(method.rawValue) instead of POST")
        default: throw APIError(.unknownMethod, "\(method.rawValue) is not served here")
        }
    }

    private func answer(
        _ result: Result<ListCallResult, any Error>, of method: BlacklistMethod, to call: ListCall
    ) -> Outcome {
        switch result {
        case .success(let done):
            if case .page(let page) = done.outcome, case .success(.page(let filter, _)) = call.operation,
                filter.isUnbounded
            {
                metrics.listSize(account: done.account.name.value, entries: page.count)
            }
            do { return .answer(try method.answer(to: done.outcome)) } catch { return .failure(error) }
        case .failure(let error):
            return .failure(error)
        }
    }

    // MARK: Steps 4 to 6: encode, slow down, observe

    private func finish(_ outcome: Outcome, _ answering: Answering) -> Reply<OutgoingAnswer> {
        let answer = encode(outcome, answering)
        guard answer.head.status == .unauthorized, let address = answering.origin.address else {
            return .now(observed(answer, answering))
        }
        let delay = throttle.recordFailure(from: address)
        guard delay > .zero else { return .now(observed(answer, answering)) }
        metrics.authenticationSlowed()
        answering.logger.withRequestID(answering.id, at: .notice)?.notice(
            "repeated authentication failures: answer delayed",
            metadata: ["client": "\(address)", "delay_ms": "\(delay.millisecondsText)"])
        // A cancellation (the client left, the shutdown's grace ran out) ends the wait; the answer
        // is sent all the same.
        return .suspending { [self] in
            try? await Task.sleep(for: delay)
            return observed(answer, answering)
        }
    }

    /// The answer's bytes in the route's dialect (JSON for unknown paths), every failure as the
    /// envelope of its status: protocol errors keep theirs; a body that was not read is 400 and
    /// closes the connection; anything else is the store failing, answered 503, counted and logged.
    private func encode(_ outcome: Outcome, _ answering: Answering) -> OutgoingAnswer {
        let dialect = answering.route?.dialect ?? .json
        switch outcome {
        case .answer(let answer):
            return .envelope(answer, in: dialect)
        case .exposition(let text):
            return OutgoingAnswer(
                head: HTTPResponse(
                    status: .ok, headerFields: [.contentType: "text/plain; version=0.0.4; charset=utf-8"]),
                body: ByteBuffer(bytes: text))
        case .failure(let error as APIError):
            refused(error.status, error.reason, answering)
            return .envelope(.status(error.status), in: dialect)
        case .failure(let error as StoreError) where error == .accountMissing:
            // Deleted after the credentials were checked: refused as its next request will be,
            // not a failing store.
            refused(.unauthorized, "the account was deleted meanwhile", answering)
            return .envelope(.status(.unauthorized), in: dialect)
        case .failure(let rejected as RequestBodyRejected):
            refused(.badRequest, rejected.description, answering)
            var answer = OutgoingAnswer.envelope(.status(.badRequest), in: dialect)
            // The rest of the body is never read, so the connection cannot carry another request.
            answer.head.headerFields[.connection] = "close"
            return answer
        case .failure(let error):
            metrics.storeFailed(endpoint: answering.route?.label ?? RouteTable.unknownLabel)
            answering.logger.withRequestID(answering.id, at: .error)?.error(
                "request failed",
                metadata: [
                    "method": "\(answering.method)", "path": "\(answering.route?.label ?? RouteTable.unknownLabel)",
                    "error": "\(String(reflecting: error))",
                ])
            return .envelope(.status(.serviceUnavailable), in: dialect)
        }
    }

    private func refused(_ status: APIStatus, _ reason: String, _ answering: Answering) {
        let level: Logger.Level = status == .serviceUnavailable ? .error : .debug
        answering.logger.withRequestID(answering.id, at: level)?.log(
            level: level, "request refused",
            metadata: [
                "method": "\(answering.method)", "path": "\(answering.route?.label ?? RouteTable.unknownLabel)",
                "code": "\(status.code)", "reason": "\(reason)",
            ])
    }

    /// `answer` with the request's id, counted, timed and logged.
    private func observed(_ answer: OutgoingAnswer, _ answering: Answering) -> OutgoingAnswer {
        var answer = answer
        // No step sets this header: appending skips the search for one to replace.
        answer.head.headerFields.append(HTTPField(name: .requestID, value: answering.id))
        if answering.route?.endpoint == .health {
            // A load balancer's probe learns which build answers.
            answer.head.headerFields.append(HTTPField(name: .engelVersion, value: EngelVersion.text))
            // A HEAD answer is the GET's head alone.
            if answering.method == .head { answer.body.clear() }
        }
        let duration = ContinuousClock.now - answering.started
        let endpoint = answering.route?.label ?? RouteTable.unknownLabel
        let code = answer.head.status.code
        metrics.requestAnswered(endpoint: endpoint, code: code, duration: duration)
        answering.logger.withRequestID(answering.id, at: .info)?.info(
            "answered",
            metadata: [
                "method": "\(answering.method)", "path": "\(endpoint)", "code": "\(code)",
                "duration_ms": "\(duration.millisecondsText)", "client": "\(answering.origin.address ?? "-")",
            ])
        return answer
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

extension OutgoingAnswer {
    /// `answer` in `dialect`, with the HTTP status equal to the envelope's code.
    static func envelope(_ answer: BlacklistAnswer, in dialect: WireDialect) -> OutgoingAnswer {
        let status = answer.status
        return OutgoingAnswer(
            head: HTTPResponse(
                status: HTTPResponse.Status(code: status.code, reasonPhrase: status.reasonPhrase),
                headerFields: dialect == .xml ? xmlFields : jsonFields),
            body: ByteBuffer(bytes: dialect.codec.encode(answer)))
    }

    // Made once rather than for every answer.
    private static let jsonFields: HTTPFields = [.contentType: JSONWireCodec().contentType]
    private static let xmlFields: HTTPFields = [.contentType: XMLWireCodec().contentType]
}

extension Logger {
    /// This logger with the request's id, when it logs at `level`; `nil` when it does not, so the
    /// metadata is never set for a line that is not written.
    fileprivate func withRequestID(_ id: String, at level: Logger.Level) -> Logger? {
        guard logLevel <= level else { return nil }
        var logger = self
        logger[metadataKey: "hb.request.id"] = .string(id)
        return logger
    }
}
