import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import NIOSSL

/// Hummingbird's HTTP/1.1 channel with a ``DirectAnswerHandler`` added right before the async
/// channel bridge, so that most requests are answered without crossing it, behind TLS when the
/// server has a certificate.
struct EngelHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
    let tls: ServerTLS?
    let makeDirectAnswers: @Sendable () -> DirectAnswerHandler

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        if let tls {
            do {
                // First in the pipeline, with the context current when the connection came: a
                // reload changes the certificate of later connections only.
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context))
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            // After the connection state handler, so idle timeouts and graceful shutdown see every
            // request and answer.
            let connectionState = try pipeline.handler(type: HTTPConnectionStateHandler.self)
            try pipeline.addHandler(makeDirectAnswers(), position: .after(connectionState))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 as Hummingbird's `.http1(configuration:)` serves it, but with `pipeline` answering
    /// requests straight from each connection's pipeline and guarding their bodies (see
    /// ``DirectAnswerHandler``), over TLS when `tls` is given.
    static func engelHTTP1(
        configuration: HTTP1Channel.Configuration, tls: ServerTLS?, pipeline: RequestPipeline, readTimeout: Duration,
        logger: Logger, serverName: String
    ) -> HTTPServerBuilder {
        .init { bridgeResponder in
            EngelHTTP1Channel(
                base: HTTP1Channel(responder: bridgeResponder, configuration: configuration), tls: tls
            ) {
                DirectAnswerHandler(
                    pipeline: pipeline, logger: logger, serverName: serverName, readTimeout: readTimeout)
            }
        }
    }
}
