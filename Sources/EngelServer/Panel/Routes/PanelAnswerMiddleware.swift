import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Wraps every panel route: an interruption becomes its answer, anything else thrown becomes a
/// page (404 for a path the panel does not have, otherwise a 500 naming the request's id), and
/// each answer is counted and logged, by path without its query.
struct PanelAnswerMiddleware: RouterMiddleware {
    typealias Context = EngelRequestContext

    let site: PanelSite

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let id = RequestIdentifier.of(request.headers)
        var response: Response
        do {
            response = try await next(request, context)
        } catch let interruption as PanelInterruption {
            response = interruption.response
        } catch let error as HTTPError where error.status == .notFound || error.status == .methodNotAllowed {
            response = await errorPage(.notFound, request, context)
        } catch {
            context.logger.error(
                "panel request failed",
                metadata: [
                    "hb.request.id": "\(id)", "method": "\(request.method)", "path": "\(request.uri.path)",
                    "error": "\(String(reflecting: error))",
                ])
            response = await errorPage(.failure, request, context, detail: id)
        }
        response.headers[.requestID] = id
        let duration = ContinuousClock.now - started
        site.metrics.requestAnswered(endpoint: PanelPath.root, code: response.status.code, duration: duration)
        if context.logger.logLevel <= .info {
            context.logger.info(
                "answered",
                metadata: [
                    "hb.request.id": "\(id)", "method": "\(request.method)", "path": "\(request.uri.path)",
                    "code": "\(response.status.code)", "duration_ms": "\(duration.millisecondsText)",
                    "client": "\(context.origin.address ?? "-")",
                ])
        }
        return response
    }

    /// The error page, with the signed-in user's chrome when there is one.
    private func errorPage(
        _ kind: PanelErrorPage.Kind, _ request: Request, _ context: Context, detail: String? = nil
    ) async -> Response {
        let visit = site.visit(request, context)
        let signedIn = try? await site.session(of: visit)
        let chrome =
            signedIn.map { site.chrome(visit, $0) }
            ?? PanelChrome(viewer: nil, csrf: "", currentTarget: visit.target)
        return site.page(.error(PanelErrorPage(kind: kind, detail: detail)), visit, chrome: chrome)
    }
}
