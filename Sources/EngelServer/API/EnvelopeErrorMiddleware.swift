import EngelCore
import EngelWire
import HTTPTypes
import Hummingbird
import Logging

/// Turns every failure into the API's envelope, so no answer is ever empty or a framework page.
///
/// The envelope is in the dialect of the route asked for: XML for the XML methods' paths, JSON for
/// everything else, unknown paths included. Protocol errors keep their status; a body that was not
/// read (too large, too slow, cut off) is 400 and closes the connection; the framework's own errors
/// are mapped (no route: 404, other client errors: 400); anything else, the framework's 5xx
/// included, is the store failing, answered 503, counted and logged.
struct EnvelopeErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // Only a failure needs it, so it is not looked up for every answer.
        var codec: any WireCodec { BlacklistMethod.route(of: request.uri.path)?.dialect.codec ?? JSONWireCodec() }
        do {
            return try await next(request, context)
        } catch let error as APIError {
            log(error, request: request, context: context)
            return .envelope(error.status, codec: codec)
        } catch let error as RequestBodyRejected {
            log(APIError(.badRequest, error.description), request: request, context: context)
            var response = Response.envelope(.badRequest, codec: codec)
            // The rest of the body is never read, so the connection cannot carry another request.
            response.headers[.connection] = "close"
            return response
        } catch let error as any HTTPResponseError where error.status.code < 500 {
            let mapped =
                error.status == .notFound
                ? APIError(.unknownMethod, "no such method")
                : APIError(.badRequest, "HTTP \(error.status.code): \(error.status.reasonPhrase)")
            log(mapped, request: request, context: context)
            return .envelope(mapped.status, codec: codec)
        } catch {
            metrics.storeFailed(endpoint: EndpointLabel.of(path: request.uri.path))
            context.logger.error(
                "request failed",
                metadata: [
                    "method": "\(request.method)", "path": "\(request.uri.path)",
                    "error": "\(String(reflecting: error))",
                ])
            return .envelope(.serviceUnavailable, codec: codec)
        }
    }

    private func log(_ error: APIError, request: Request, context: Context) {
        let level: Logger.Level = error.status == .serviceUnavailable ? .error : .debug
        context.logger.log(
            level: level, "request refused",
            metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "code": "\(error.status.code)",
                "reason": "\(error.reason)",
            ])
    }
}
