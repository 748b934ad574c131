public import Hummingbird
public import NIOCore

/// The request context of Hummingbird's requests to Engel: Hummingbird's, plus the connection, so
/// that the client's address is asked for only when it is needed.
public struct EngelRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    private let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The peer of the connection; `nil` for requests that came through no socket (router tests).
    public var remoteAddress: SocketAddress? { channel.remoteAddress }

    /// Where the request came from, as the pipeline asks.
    var origin: RequestOrigin { RequestOrigin(channel: channel) }
}
