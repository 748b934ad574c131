public import Hummingbird
public import NIOCore

/// The request context every Engel route sees: Hummingbird's, plus the client's address, which the
/// authentication slowdown and the logs use.
public struct EngelRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer of the connection; `nil` for requests that came through no socket (router tests).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address as text, without the port.
    var clientAddress: String? { remoteAddress?.ipAddress }
}
