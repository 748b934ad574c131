import EngelCore
public import Hummingbird
import NIOCore

/// Hummingbird's way into the ``RequestPipeline``: requests its async channel bridge carries (those
/// the connection's ``DirectAnswerHandler`` leaves to it) and those of in-process router tests.
///
/// It reads the body, up to the route's limit, and waits for the pipeline's answer when it is not
/// at hand; everything else is the pipeline's. The panel's requests (``RouteTable/isPanel(_:)``)
/// go to the panel's own router instead.
public struct EngelResponder: HTTPResponder, HTTPResponderBuilder {
    public typealias Context = EngelRequestContext

    let pipeline: RequestPipeline
    /// The panel's routes; `nil` while the panel is off.
    let panel: RouterResponder<EngelRequestContext>?
    /// The panel's CSV imports, which ``buildApplication`` runs beside the server; `nil` while the
    /// panel is off. A responder used alone (in-process tests) checks files but never applies one.
    let panelImports: PanelImports?

    public func buildResponder() -> Self { self }

    public func respond(to request: Request, context: Context) async throws -> Response {
        if let panel, pipeline.routes.isPanel(request.head.path ?? "") {
            return try await panel.respond(to: request, context: context)
        }
        let limit = pipeline.routes.bodyLimit(for: request.head.path ?? "")
        let body: Result<ByteBuffer, RequestBodyRejected>
        do {
            body = .success(try await request.body.collect(upTo: limit))
        } catch is NIOTooManyBytesError {
            body = .failure(RequestBodyRejected(.tooLarge(limit: limit)))
        } catch let rejected as RequestBodyRejected {
            body = .failure(rejected)
        } catch {
            body = .failure(RequestBodyRejected(.unreadable))
        }
        let reply = pipeline.answer(
            IncomingRequest(head: request.head, body: body), from: context.origin, logger: context.logger)
        let answer: OutgoingAnswer
        switch reply {
        case .now(let made):
            answer = made
        case .later(let pending):
            answer = await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    pending.whenReady { continuation.resume(returning: $0) }
                }
            } onCancel: {
                pending.cancel()
            }
        }
        return Response(
            status: answer.head.status, headers: answer.head.headerFields,
            body: ResponseBody(byteBuffer: answer.body))
    }
}
