import EngelCore
import EngelWire
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Serves the three blacklist methods in both dialects with one set of ``BlacklistOperations``:
/// a method only reads the body with its dialect's codec and writes the answer with it.
///
/// Handlers throw ``APIError``; ``EnvelopeErrorMiddleware`` writes every failure.
struct BlacklistAPI: Sendable {
    let operations: BlacklistOperations
    let maximumBodyBytes: Int

    /// Answers `request` to `method` in `dialect`. The methods exist only as POST: GET, PUT, PATCH
    /// and DELETE are requests that cannot be processed (400), and other verbs find nothing (404).
    func respond(to request: Request, method: BlacklistMethod, dialect: WireDialect) async throws -> Response {
        guard request.method == .post else {
            switch request.method {
            case .get, .put, .patch, .delete:
                throw APIError(.badRequest, "\(request.method.rawValue) instead of POST")
            default:
                throw HTTPError(.notFound)
            }
        }
        let codec = dialect.codec
        switch method {
        case .add:
            let received = try await read(NumberPayload.self, from: request, codec: codec)
            return Response.envelope(try await operations.add(received), codec: codec)
        case .list:
            let received = try await read(ListPayload.self, from: request, codec: codec)
            return Response.envelope(try await operations.list(received), codec: codec)
        case .delete:
            let received = try await read(NumberPayload.self, from: request, codec: codec)
            return Response.envelope(try await operations.delete(received), codec: codec)
        }
    }

    /// The answer to a get-blacklist request made at once from `reads`, or `nil` when it cannot be
    /// (see ``BlacklistOperations/listAtOnce(_:from:)``); other methods are never answered at once.
    func respondAtOnce(
        method: BlacklistMethod, dialect: WireDialect, httpMethod: HTTPRequest.Method, body: ByteBuffer,
        reads: any ImmediateReads
    ) -> ImmediateResponse? {
        let codec = dialect.codec
        guard method == .list,
            let received = receivedAtOnce(ListPayload.self, httpMethod: httpMethod, body: body, codec: codec),
            let answer = operations.listAtOnce(received, from: reads)
        else { return nil }
        return .envelope(answer, codec: codec)
    }

    /// Starts an add-blacklist request without a task (see
    /// ``BlacklistOperations/addWithoutSuspending(_:reads:writes:completion:)``) and calls `answer`,
    /// from any thread, with its success envelope once the number is durable, or with `nil` when the
    /// add failed and the ordinary path must answer it; returns `false` when nothing was started.
    func addWithoutSuspending(
        dialect: WireDialect, httpMethod: HTTPRequest.Method, body: ByteBuffer, reads: any ImmediateReads,
        writes: any CompletionWrites, answer: @escaping @Sendable (ImmediateResponse?) -> Void
    ) -> Bool {
        let codec = dialect.codec
        guard let received = receivedAtOnce(NumberPayload.self, httpMethod: httpMethod, body: body, codec: codec)
        else { return false }
        return operations.addWithoutSuspending(received, reads: reads, writes: writes) { durable in
            answer(durable ? .envelope(.status(.success), codec: codec) : nil)
        }
    }

    /// A POST's whole body decoded by `codec`; `nil` for anything ``respond(to:method:dialect:)``
    /// would refuse at this step, which it then answers.
    private func receivedAtOnce<Payload: WirePayload>(
        _ type: Payload.Type, httpMethod: HTTPRequest.Method, body: ByteBuffer, codec: any WireCodec
    ) -> ReceivedRequest<Payload>? {
        guard httpMethod == .post, body.readableBytes <= maximumBodyBytes else { return nil }
        return try? codec.decode(type, from: Array(body.readableBytesView))
    }

    /// Reads at most ``maximumBodyBytes`` and decodes them with `codec`, whatever the content type
    /// says: clients label their bodies inconsistently or not at all.
    ///
    /// A body declared or found larger than the limit is refused before it is read whole, and one the
    /// connection could not deliver (too slow, cut off) is refused too: both are 400.
    private func read<Payload: WirePayload>(
        _ type: Payload.Type, from request: Request, codec: any WireCodec
    ) async throws -> ReceivedRequest<Payload> {
        // The first field, not the subscript: that joins repeated fields into a new string.
        if let declared = request.headers.first(where: { $0.name == .contentLength }).flatMap({ Int($0.value) }),
            declared > maximumBodyBytes
        {
            throw RequestBodyRejected(.tooLarge(limit: maximumBodyBytes))
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            throw RequestBodyRejected(.tooLarge(limit: maximumBodyBytes))
        } catch let rejected as RequestBodyRejected {
            throw rejected
        } catch {
            throw RequestBodyRejected(.unreadable)
        }
        return try codec.decode(Payload.self, from: Array(body.readableBytesView))
    }
}

/// The blacklist methods, as the live API names them (the XML dialect's paths; JSON adds `/json`).
enum BlacklistMethod: String, CaseIterable {
    case add = "/v1/add-blacklist"
    case list = "/v1/get-blacklist"
    case delete = "/v1/delete-blacklist"

    /// The method's path in `dialect`.
    func path(in dialect: WireDialect) -> String { rawValue + dialect.pathSuffix }

    /// The method and dialect `path`, spelled exactly, names, if any.
    static func route(of path: String) -> (method: BlacklistMethod, dialect: WireDialect)? {
        guard case .blacklist(let method, let dialect)? = KnownPath.exactly(path) else { return nil }
        return (method, dialect)
    }
}
