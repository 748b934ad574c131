import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Guards each connection against clients that send too much or too slowly, below the router so it
/// covers every path, those that never read their body included.
///
/// - A body past its route's limit (``RouteTable``), declared so or found so, or one not complete
///   `readTimeout` after its head, fails the request with ``RequestBodyRejected``; nothing more is
///   read from the connection.
/// - After an answer carrying `Connection: close` (every rejected body gets one), whatever the client
///   still sends is read and dropped for a short linger before the connection is closed: closing
///   with unread data would reset the connection and could destroy the answer before the client
///   reads it.
final class RequestGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let routes: RouteTable
    private let readTimeout: Duration
    private let linger: Duration

    /// The target of the request being read, to find its limit when its body passes the smallest.
    private var target: String?
    private var bodyBytes = 0
    /// When the head of the request whose end has not arrived yet came; `nil` between requests.
    private var incompleteSince: NIODeadline?
    private var readDeadline: Scheduled<Void>?
    /// Set once a body was rejected or the last answer was sent: inbound data is dropped.
    private var discarding = false
    /// The answer being written is the connection's last.
    private var closeAfterAnswer = false
    private var lingerTimer: Scheduled<Void>?
    private var pendingClose: EventLoopPromise<Void>?

    init(routes: RouteTable, readTimeout: Duration, linger: Duration = .seconds(2)) {
        self.routes = routes
        self.readTimeout = readTimeout
        self.linger = linger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !discarding else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            bodyBytes = 0
            target = head.path
            incompleteSince = .now()
            // The first field, not the subscript: that joins repeated fields into a new string.
            if let declared = head.headerFields.first(where: { $0.name == .contentLength }).flatMap({ Int($0.value) }),
                let limit = exceededLimit(declared)
            {
                // The request is answered, so it must arrive; its body never does.
                context.fireChannelRead(data)
                reject(context, .tooLarge(limit: limit))
                return
            }
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if let limit = exceededLimit(bodyBytes) {
                reject(context, .tooLarge(limit: limit))
                return
            }
        case .end:
            cancelReadDeadline()
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Most requests arrive whole in one read; only one left incomplete when the reads stop needs
        // a timer, and it counts from the head.
        if let incompleteSince, readDeadline == nil, !discarding {
            startReadDeadline(context, at: incompleteSince + TimeAmount(readTimeout))
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            if head.headerFields[.connection]?.lowercased() == "close" { closeAfterAnswer = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            guard closeAfterAnswer else {
                context.write(data, promise: promise)
                return
            }
            discarding = true
            let written = context.eventLoop.makePromise(of: Void.self)
            if let promise { written.futureResult.cascade(to: promise) }
            context.writeAndFlush(data, promise: written)
            written.futureResult.assumeIsolated().whenComplete { _ in self.startLinger(context) }
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // Once nothing more is read, the server's close waits for the linger; `closeNow` ends it.
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

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        completePendingClose()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        completePendingClose()
    }

    /// The channel closed by another way (the client, an error) while a close waited for the
    /// linger: whoever asked for that close must not wait forever.
    private func completePendingClose() {
        let promise = pendingClose
        pendingClose = nil
        promise?.succeed(())
    }

    /// The limit of the request being read when `bytes` exceed it; the route is looked up only for
    /// bodies past the smallest limit.
    private func exceededLimit(_ bytes: Int) -> Int? {
        guard bytes > routes.smallestBodyLimit else { return nil }
        let limit = routes.bodyLimit(for: target ?? "")
        return bytes > limit ? limit : nil
    }

    private func reject(_ context: ChannelHandlerContext, _ reason: RequestBodyRejected.Reason) {
        cancelReadDeadline()
        discarding = true
        closeAfterAnswer = true
        context.fireErrorCaught(RequestBodyRejected(reason))
    }

    private func startReadDeadline(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        readDeadline = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.readDeadline = nil
            self.reject(context, .tooSlow(timeout: self.readTimeout))
        }
    }

    private func cancelReadDeadline() {
        incompleteSince = nil
        readDeadline?.cancel()
        readDeadline = nil
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
