import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTPTypes

/// Answers the requests of a connection from inside its channel pipeline: collects each request on
/// the event loop, runs ``EngelResponder`` in a task, and writes the answer back in one go.
///
/// Hummingbird hands every request to the responder through an async channel bridge (an async
/// sequence of request parts, an async writer of response parts); profiles showed that bridge as
/// much of a request's cost. This handler sits between Hummingbird's connection state handler
/// (which keeps idle timeouts and graceful shutdown working, as it sees every part) and the bridge.
///
/// Requests it does not answer itself go on to the bridge unchanged: those carrying
/// `Connection: close` or `Expect`, and those declaring a body over the limit. Answers leave in the
/// order their requests came: while one request is answered or passed on, later parts wait here, and
/// no more is read from the socket until they are taken.
final class DirectAnswerHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum State {
        /// Between requests.
        case idle
        /// A request this handler answers, whose end has not come yet.
        case collecting(HTTPRequest, ByteBuffer?)
        /// A request this handler answers, complete; its answer is being made.
        case answering
        /// A request the bridge answers; idle again once both its end and its answer's end passed.
        case passingOn(requestEnded: Bool, answerEnded: Bool)
    }

    private let responder: EngelResponder
    private let logger: Logger
    private let maximumBodyBytes: Int
    private let serverName: String
    private var state = State.idle
    /// What came while an earlier request was still being answered.
    private var waiting = CircularBuffer<Arrival>()
    /// A read asked for while parts wait, made once they are taken.
    private var readHeld = false
    /// The task making the answer in progress, cancelled if the connection goes first (the client
    /// left, or the server's shutdown grace ran out).
    private var inFlight: Task<Void, Never>?

    init(responder: EngelResponder, logger: Logger, maximumBodyBytes: Int, serverName: String) {
        self.responder = responder
        self.logger = logger
        self.maximumBodyBytes = maximumBodyBytes
        self.serverName = serverName
    }

    /// A request part, or a failure reading the connection (a refused body, a parse error), kept in
    /// the order they came.
    private enum Arrival {
        case part(HTTPRequestPart)
        case failure(any Error)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        arrive(.part(unwrapInboundIn(data)), context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        arrive(.failure(error), context: context)
    }

    private func arrive(_ arrival: Arrival, context: ChannelHandlerContext) {
        if waiting.isEmpty, canTake {
            take(arrival, context: context)
        } else {
            waiting.append(arrival)
        }
    }

    func read(context: ChannelHandlerContext) {
        if waiting.isEmpty {
            context.read()
        } else {
            readHeld = true
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        guard case .end = unwrapOutboundIn(data), case .passingOn(let requestEnded, _) = state else { return }
        state = requestEnded ? .idle : .passingOn(requestEnded: false, answerEnded: true)
        if requestEnded { takeWaiting(context: context) }
    }

    /// Called when the channel closes (the connection state handler before this one does not pass
    /// `channelInactive` on).
    func handlerRemoved(context: ChannelHandlerContext) {
        waiting.removeAll()
        inFlight?.cancel()
        inFlight = nil
    }

    /// Whether what arrives can be taken now, rather than wait for the answer in progress.
    private var canTake: Bool {
        switch state {
        case .idle, .collecting: true
        case .answering: false
        case .passingOn(let requestEnded, _): !requestEnded
        }
    }

    /// Takes `arrival`; returns whether it went on to the bridge.
    @discardableResult
    private func take(_ arrival: Arrival, context: ChannelHandlerContext) -> Bool {
        let part: HTTPRequestPart
        switch arrival {
        case .part(let arrived):
            part = arrived
        case .failure(let error):
            // The request guard refused the body being collected: the responder reads that failure
            // from the body and answers it as it would on the bridge. Other failures are the bridge's.
            if case .collecting(let head, _) = state, let rejected = error as? RequestBodyRejected {
                answer(head, body: RequestBody(asyncSequence: FailingBody(error: rejected)), context: context)
                return false
            }
            context.fireErrorCaught(error)
            return true
        }
        switch (state, part) {
        case (.idle, .head(let head)):
            if answersDirectly(head) {
                state = .collecting(head, nil)
                return false
            }
            state = .passingOn(requestEnded: false, answerEnded: false)
        case (.collecting(let head, var body), .body(var chunk)):
            if body == nil {
                body = chunk
            } else {
                body?.writeBuffer(&chunk)
            }
            state = .collecting(head, body)
            return false
        case (.collecting(let head, let body), .end):
            answer(head, body: body ?? ByteBuffer(), context: context)
            return false
        case (.passingOn(_, let answerEnded), .end):
            state = answerEnded ? .idle : .passingOn(requestEnded: true, answerEnded: false)
        case (.passingOn, _):
            break
        default:
            // The HTTP decoder only produces a head, bodies and an end in turn; anything else goes to
            // the bridge, whose handling of broken sequences is the framework's.
            break
        }
        context.fireChannelRead(wrapInboundOut(part))
        return true
    }

    /// Takes the parts that waited, in order, until one has to wait again.
    private func takeWaiting(context: ChannelHandlerContext) {
        var passedOn = false
        while canTake, let arrival = waiting.popFirst() {
            if take(arrival, context: context) { passedOn = true }
        }
        // The bridge delivers what it was given at the end of a read; these parts came after one.
        if passedOn { context.fireChannelReadComplete() }
        if waiting.isEmpty, readHeld {
            readHeld = false
            context.read()
        }
    }

    /// Requests the bridge keeps: closing ones (the bridge ends the connection after them), ones
    /// expecting an interim answer, and bodies declared too large, refused before they are read.
    private func answersDirectly(_ head: HTTPRequest) -> Bool {
        let fields = head.headerFields
        if fields[.connection]?.lowercased().contains("close") == true || fields[.expect] != nil { return false }
        if let declared = fields.first(where: { $0.name == .contentLength }),
            Int(declared.value) ?? 0 > maximumBodyBytes
        {
            return false
        }
        return true
    }

    /// Answers a complete request: at once, or once its add is durable, when the responder can;
    /// otherwise in a task.
    private func answer(_ head: HTTPRequest, body: ByteBuffer, context: ChannelHandlerContext) {
        let channel = context.channel
        if let response = responder.respondAtOnce(
            to: head, body: body, logger: logger, clientAddress: channel.remoteAddress?.ipAddress)
        {
            write(response, context: context)
            return
        }
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let answered: @Sendable (ImmediateResponse?) -> Void = { response in
            let (handler, context) = bound.value
            handler.finishAdd(response, head: head, body: body, context: context)
        }
        if responder.startAddWithoutSuspending(
            to: head, body: body, on: context.eventLoop, logger: logger,
            clientAddress: { channel.remoteAddress?.ipAddress }, answer: answered)
        {
            state = .answering
        } else {
            answer(head, body: RequestBody(buffer: body), context: context)
        }
    }

    /// Writes an add's answer, or, when the add failed, has the ordinary path answer it.
    private func finishAdd(
        _ response: ImmediateResponse?, head: HTTPRequest, body: ByteBuffer, context: ChannelHandlerContext
    ) {
        if let response {
            write(response, context: context)
        } else {
            answer(head, body: RequestBody(buffer: body), context: context)
        }
    }

    private func write(_ response: ImmediateResponse, context: ChannelHandlerContext) {
        write(response.head, body: response.body, trailers: nil, context: context)
    }

    /// Writes an answer in one go, with the `Date` and `Server` every answer carries, and goes on
    /// with what waited for it.
    private func write(_ head: HTTPResponse, body: ByteBuffer?, trailers: HTTPFields?, context: ChannelHandlerContext) {
        var head = head
        head.headerFields[.date] = HTTPDate.now()
        head.headerFields[.server] = serverName
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: nil)
        state = .idle
        takeWaiting(context: context)
    }

    private func answer(_ head: HTTPRequest, body: RequestBody, context: ChannelHandlerContext) {
        state = .answering
        let request = Request(head: head, body: body)
        let requestContext = EngelRequestContext(
            source: ApplicationRequestContextSource(channel: context.channel, logger: logger))
        let responder = self.responder
        let logger = self.logger
        let made = context.eventLoop.makePromise(of: CollectedResponse.self)
        inFlight = Task {
            let response: Response
            do {
                response = try await responder.respond(to: request, context: requestContext)
            } catch {
                // The envelope middleware answers every failure; this is only a last resort.
                logger.error("responder failed", metadata: ["error": "\(String(reflecting: error))"])
                response = Response(status: .internalServerError)
            }
            do { made.succeed(try await CollectedResponse(response)) } catch {
                made.fail(error)
            }
        }
        made.futureResult.assumeIsolated().whenComplete { result in
            self.inFlight = nil
            switch result {
            case .success(let collected):
                self.write(collected.head, body: collected.body, trailers: collected.trailers, context: context)
            case .failure(let error):
                logger.error("answer body failed", metadata: ["error": "\(String(reflecting: error))"])
                context.close(promise: nil)
            }
        }
    }
}

/// A response with its body read whole, ready to write in one go.
private struct CollectedResponse: Sendable {
    var head: HTTPResponse
    var body: ByteBuffer?
    var trailers: HTTPFields?

    init(_ response: Response) async throws {
        let collector = BodyCollector()
        try await response.body.write(collector)
        var head = response.head
        if head.headerFields[.contentLength] == nil, collector.trailers == nil {
            head.headerFields[.contentLength] = String(collector.body?.readableBytes ?? 0)
        }
        self.head = head
        self.body = collector.body
        self.trailers = collector.trailers
    }
}

/// Gathers what a response body writes; used by one task at a time.
private final class BodyCollector: ResponseBodyWriter {
    var body: ByteBuffer?
    var trailers: HTTPFields?

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        if body == nil { body = buffer } else { body?.writeBuffer(&buffer) }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {
        trailers = trailingHeaders
    }
}

/// A request body that fails at once, as a refused body does on the bridge.
private struct FailingBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let error: RequestBodyRejected

    struct AsyncIterator: AsyncIteratorProtocol {
        let error: RequestBodyRejected
        mutating func next() async throws -> ByteBuffer? { throw error }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(error: error) }
}
