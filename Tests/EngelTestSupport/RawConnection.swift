import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A plain TCP connection to a test server, for what HTTP clients will not do: send a request in
/// pieces, slowly, or from a chosen loopback address; and see exactly when the server closes.
public final class RawConnection: Sendable {
    private let channel: any Channel
    private let sink: Sink

    private init(channel: any Channel, sink: Sink) {
        self.channel = channel
        self.sink = sink
    }

    /// Connects to `127.0.0.1:port` from `localAddress` (any address of 127.0.0.0/8).
    public static func open(port: Int, from localAddress: String = "127.0.0.1") async throws -> RawConnection {
        let sink = Sink()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(to: try SocketAddress(ipAddress: localAddress, port: 0))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(sink: sink))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, sink: sink)
    }

    /// Sends `bytes`; throws once the server has closed the connection.
    public func send(_ bytes: some Sequence<UInt8>) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: Array(bytes)))
    }

    /// Sends `text` as UTF-8.
    public func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    /// Everything received so far.
    public var received: [UInt8] { sink.state.withLock { $0.bytes } }

    /// Everything received so far, as text.
    public var receivedText: String { String(decoding: received, as: UTF8.self) }

    /// Whether the server has closed the connection (or half-closed its side).
    public var isClosedByServer: Bool { sink.state.withLock { $0.closed } }

    /// Waits until `condition` holds or `timeout` passes; returns whether it held.
    public func wait(
        upTo timeout: Duration, for condition: @Sendable (RawConnection) -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(self) { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition(self)
    }

    /// Waits for a whole answer (head, and a body of its Content-Length); returns it as text.
    public func answer(within timeout: Duration) async throws -> String? {
        let complete = try await wait(upTo: timeout) { connection in
            let text = connection.receivedText
            guard let headEnd = text.range(of: "\r\n\r\n") else { return false }
            let head = text[..<headEnd.lowerBound].lowercased()
            guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
            else { return true }
            return text[headEnd.upperBound...].utf8.count >= length
        }
        return complete ? receivedText : nil
    }

    /// Closes the connection from this side.
    public func close() async {
        try? await channel.close()
    }

    private final class Sink: Sendable {
        let state = Mutex<(bytes: [UInt8], closed: Bool)>(([], false))
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let sink: Sink

        init(sink: Sink) { self.sink = sink }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            sink.state.withLock { $0.bytes += buffer.readableBytesView }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case ChannelEvent.inputClosed = event { sink.state.withLock { $0.closed = true } }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            sink.state.withLock { $0.closed = true }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            sink.state.withLock { $0.closed = true }
            context.close(promise: nil)
        }
    }
}
