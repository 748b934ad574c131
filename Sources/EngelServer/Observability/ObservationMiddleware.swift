import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id, and records every answer: the metrics, and one log line.
///
/// The id is the client's `X-Request-Id` when it is sane (1 to 128 letters, digits, `-`, `_`, `.`
/// or `:`), otherwise a fresh one; it is echoed in the answer's `X-Request-Id` and is the
/// `hb.request.id` of every log line about the request.
struct ObservationMiddleware: RouterMiddleware {
    typealias Context = EngelRequestContext

    let metrics: ServerMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        var context = context
        let id: String
        if let sent = RequestIdentifier.accepting(request.headers[.requestID]) {
            id = sent
            context.logger[metadataKey: "hb.request.id"] = .string(sent)
        } else {
            // Hummingbird gave the request's logger a fresh id already; setting metadata again
            // costs every request a reformatting of the logger's metadata.
            id = context.id
        }
        var response = try await next(request, context)
        response.headers[.requestID] = id
        let duration = ContinuousClock.now - started
        let endpoint = EndpointLabel.of(path: request.uri.path)
        metrics.requestAnswered(endpoint: endpoint, code: Int(response.status.code), duration: duration)
        context.logger.info(
            "answered",
            metadata: [
                "method": "\(request.method)", "path": "\(endpoint)", "code": "\(response.status.code)",
                "duration_ms": "\(duration.millisecondsText)", "client": "\(context.clientAddress ?? "-")",
            ])
        return response
    }
}

/// Request ids as clients may send them.
enum RequestIdentifier {
    /// `text` when it can be logged and echoed safely, else `nil`.
    static func accepting(_ text: String?) -> String? {
        guard let text, (1...128).contains(text.utf8.count),
            text.utf8.allSatisfy({ byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                    UInt8(ascii: ":"):
                    true
                default: false
                }
            })
        else { return nil }
        return text
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`.
    static let requestID: HTTPField.Name = {
        guard let name = HTTPField.Name("X-Request-Id") else { preconditionFailure("X-Request-Id is a valid name") }
        return name
    }()
}
