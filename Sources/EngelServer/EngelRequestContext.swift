public import Hummingbird
public import NIOCore

/// The request context every Engel route sees: Hummingbird's, plus the client's address, which the
/// authentication slowdown and the logs use.
public struct EngelRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    private let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The peer of the connection; `nil` for requests that came through no socket (router tests).
    /// Asked for only when needed: a channel answers under a lock.
    public var remoteAddress: SocketAddress? { channel.remoteAddress }

    /// The client's IP address as text, without the port.
    var clientAddress: String? { remoteAddress?.ipAddress }
}
