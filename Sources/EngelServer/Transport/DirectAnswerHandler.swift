import EngelCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTPTypes

/// Answers the requests of a connection from inside its channel pipeline: collects each request on
/// the event loop, hands it to the ``RequestPipeline``, and writes the answer back in one go: at
/// once, on this thread, when the pipeline's reply is at hand, otherwise when it comes.
///
/// Hummingbird hands every request to its responder through an async channel bridge (an async
/// sequence of request parts, an async writer of response parts). Going around it cut the server's
/// CPU per first page from 52-86 to 40-50 us, and answering at once without a task cut an add's
/// from 75-95 to 63 us (Benchmarks/RESULTS.md, "2026-11-29 (session 6)", CPU per request).
/// This handler sits between Hummingbird's connection state handler (which keeps idle timeouts and
/// graceful shutdown working, as it sees every part) and the bridge.
///
/// Requests it does not answer itself go on to the bridge unchanged, to ``EngelResponder``: those
/// carrying `Connection: close` or `Expect` (to the same pipeline), and the panel's. Answers leave in
/// the order their requests came: while one request is answered or passed on, later parts wait
/// here, and no more is read from the socket until they are taken.
///
/// It also guards the connection against clients that send too much or too slowly, whichever way
/// their requests go:
/// - A body past its route's limit (``RequestBodyLimit``), or one not complete `readTimeout` after
///   the read that brought its head, fails the request with ``RequestBodyRejected``; nothing more is
///   taken from the connection.
/// - After an answer carrying `Connection: close` (every rejected body gets one), whatever the client
///   still sends is read and dropped for a short linger before the connection is closed: closing
///   with unread data would reset the connection and could destroy the answer before the client
///   reads it.
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

    private let pipeline: RequestPipeline
    private let logger: Logger
    private let serverName: String
    private let readTimeout: Duration
    private let linger: Duration
    private var state = State.idle
    private var bodyLimit: RequestBodyLimit
    private var readDeadline: Scheduled<Void>?
    /// Set once a body was rejected or the last answer was sent: what the client sends is dropped.
    private var discarding = false
    /// The bridge's next answer is the connection's last: its head says so, or a body was rejected
    /// (the bridge need not say so then, and the body's rest is never read).
    private var bridgeAnswerCloses = false
    private var lingerTimer: Scheduled<Void>?
    private var pendingClose: EventLoopPromise<Void>?
    /// What came while an earlier request was still being answered.
    private var waiting = CircularBuffer<Arrival>()
    /// A read asked for while parts wait, made once they are taken.
    private var readHeld = false
    /// The answer on its way, cancelled if the connection goes first (the client left, or the
    /// server's shutdown grace ran out).
    private var inFlight: PendingReply<OutgoingAnswer>?
    /// The connection is gone: an answer that comes now has nowhere to go.
    private var removed = false

    init(
        pipeline: RequestPipeline, logger: Logger, serverName: String, readTimeout: Duration,
        linger: Duration = .seconds(2)
    ) {
        self.pipeline = pipeline
        self.logger = logger
        self.serverName = serverName
        self.readTimeout = readTimeout
        self.linger = linger
        bodyLimit = RequestBodyLimit(routes: pipeline.routes)
    }

    /// A request part, or a failure reading the connection (a refused body, a parse error), kept in
    /// the order they came.
    private enum Arrival {
        case part(HTTPRequestPart)
        case failure(any Error)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !discarding else { return }
        let part = unwrapInboundIn(data)
        if let limit = bodyLimit.exceeded(by: part) {
            // A head declaring too much is answered, so it must arrive; its body never does.
            if case .head = part { arrive(.part(part), context: context) }
            reject(.tooLarge(limit: limit), context: context)
            return
        }
        if case .end = part { cancelReadDeadline() }
        arrive(.part(part), context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Most requests arrive whole in one read; only one left incomplete when the reads stop needs
        // a timer, and it counts from the read that brought the head.
        if bodyLimit.isReading, readDeadline == nil, !discarding {
            readDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(readTimeout)) {
                self.readDeadline = nil
                self.reject(.tooSlow(timeout: self.readTimeout), context: context)
            }
        }
        context.fireChannelReadComplete()
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

    /// A part of an answer the bridge writes.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            if Self.closes(head) { bridgeAnswerCloses = true }
            context.write(data, promise: promise)
            return
        case .body:
            context.write(data, promise: promise)
            return
        case .end:
            if bridgeAnswerCloses {
                writeLastEnd(data, promise: promise, context: context)
            } else {
                context.write(data, promise: promise)
            }
        }
        guard case .passingOn(let requestEnded, _) = state else { return }
        state = requestEnded ? .idle : .passingOn(requestEnded: false, answerEnded: true)
        if requestEnded { takeWaiting(context: context) }
    }

    /// Called when the channel closes (the connection state handler before this one does not pass
    /// `channelInactive` on).
    func handlerRemoved(context: ChannelHandlerContext) {
        removed = true
        waiting.removeAll()
        inFlight?.cancel()
        inFlight = nil
        cancelTimers()
        // The channel closed by another way (the client, an error) while a close waited for the
        // linger: whoever asked for that close must not wait forever.
        let promise = pendingClose
        pendingClose = nil
        promise?.succeed(())
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
            // The body being collected was refused (too large, too slow): the pipeline answers that.
            // Other failures are the bridge's.
            if case .collecting(let head, _) = state, let rejected = error as? RequestBodyRejected {
                answer(IncomingRequest(head: head, body: .failure(rejected)), context: context)
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
            answer(IncomingRequest(head: head, body: .success(body ?? ByteBuffer())), context: context)
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
    /// expecting an interim answer, and the panel's (its pages are Hummingbird routes, answered in a
    /// task: they wait for bcrypt and several store calls, where the API's speed does not matter).
    private func answersDirectly(_ head: HTTPRequest) -> Bool {
        let fields = head.headerFields
        return fields[.connection]?.lowercased().contains("close") != true && fields[.expect] == nil
            && !pipeline.routes.isPanel(head.path ?? "")
    }

    /// Answers a complete request: at once when the pipeline's reply is at hand, else when it comes.
    private func answer(_ request: IncomingRequest, context: ChannelHandlerContext) {
        state = .answering
        switch pipeline.answer(request, from: RequestOrigin(channel: context.channel), logger: logger) {
        case .now(let answer):
            write(answer, context: context)
        case .later(let pending):
            inFlight = pending
            let loop = context.eventLoop
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
            // Written from a task of the loop even when the reply comes on it: PostgreSQL's replies
            // come inside the read of its connection, and answers written from there left some
            // clients' next requests unread for hundreds of milliseconds while the server's own
            // timing of each request stayed short (last pages, 64 connections, 2 lane connections a
            // loop: the slowest 413 and 833 ms, and 98 and 45 ms from a task; Benchmarks/RESULTS.md,
            // session 16).
            pending.whenReady { answer in
                loop.execute { bound.value.handler.finish(answer, context: bound.value.context) }
            }
        }
    }

    private func finish(_ answer: OutgoingAnswer, context: ChannelHandlerContext) {
        inFlight = nil
        guard !removed else { return }
        write(answer, context: context)
    }

    /// Writes an answer in one go, with the `Date`, `Server` and length every answer carries, and
    /// goes on with what waited for it.
    private func write(_ answer: OutgoingAnswer, context: ChannelHandlerContext) {
        var head = answer.head
        head.headerFields[.date] = HTTPDate.now()
        head.headerFields[.server] = serverName
        head.headerFields[.contentLength] = String(answer.body.readableBytes)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(answer.body)), promise: nil)
        if Self.closes(head) {
            writeLastEnd(wrapOutboundOut(.end(nil)), promise: nil, context: context)
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        state = .idle
        takeWaiting(context: context)
    }

    // MARK: Rejected bodies and the last answer

    private func reject(_ reason: RequestBodyRejected.Reason, context: ChannelHandlerContext) {
        cancelReadDeadline()
        discarding = true
        bridgeAnswerCloses = true
        arrive(.failure(RequestBodyRejected(reason)), context: context)
    }

    private func cancelReadDeadline() {
        readDeadline?.cancel()
        readDeadline = nil
    }

    /// Whether `head` makes its answer the connection's last.
    private static func closes(_ head: HTTPResponse) -> Bool {
        head.headerFields[.connection]?.lowercased() == "close"
    }

    /// Writes the end of the connection's last answer; once it is sent, the linger starts, and
    /// nothing more the client sends is taken.
    private func writeLastEnd(_ end: NIOAny, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        discarding = true
        let written = context.eventLoop.makePromise(of: Void.self)
        if let promise { written.futureResult.cascade(to: promise) }
        context.writeAndFlush(end, promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in self.startLinger(context) }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // Once nothing more is taken, a close waits for the linger; `closeNow` ends it.
        guard mode == .all, discarding, context.channel.isActive else {
            context.close(mode: mode, promise: promise)
            return
        }
        if let promise {
            if let pendingClose { pendingClose.futureResult.cascade(to: promise) } else { pendingClose = promise }
        }
        startLinger(context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The client finished sending: nothing is left to drain, so a lingering close can happen now.
        if case ChannelEvent.inputClosed = event, lingerTimer != nil { closeNow(context) }
        context.fireUserInboundEventTriggered(event)
    }

    private func startLinger(_ context: ChannelHandlerContext) {
        guard lingerTimer == nil, context.channel.isActive else { return }
        lingerTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(linger)) {
            self.closeNow(context)
        }
    }

    private func closeNow(_ context: ChannelHandlerContext) {
        cancelTimers()
        let promise = pendingClose
        pendingClose = nil
        context.close(mode: .all, promise: promise)
    }

    private func cancelTimers() {
        cancelReadDeadline()
        lingerTimer?.cancel()
        lingerTimer = nil
    }
}
