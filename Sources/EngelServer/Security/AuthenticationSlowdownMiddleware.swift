import Hummingbird
import Logging

/// Holds back 401 answers to client addresses that failed to authenticate too often (see
/// ``AuthenticationSlowdown``). Only failures wait: valid credentials, and other addresses, never do.
struct AuthenticationSlowdownMiddleware: RouterMiddleware {
    typealias Context = EngelRequestContext

    let throttle: AuthenticationThrottle
    let metrics: ServerMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let response = try await next(request, context)
        // Requests that came through no socket have no address to hold responsible.
        guard response.status == .unauthorized, let address = context.clientAddress else { return response }
        let delay = throttle.recordFailure(from: address)
        guard delay > .zero else { return response }
        metrics.authenticationSlowed()
        context.logger.notice(
            "repeated authentication failures: answer delayed",
            metadata: ["client": "\(address)", "delay_ms": "\(delay.millisecondsText)"])
        // A shutdown cancels the wait; the answer is sent all the same.
        try? await Task.sleep(for: delay)
        return response
    }
}
