public import AsyncHTTPClient
import NIOSSL

extension BlacklistClient {
    /// An HTTP client that trusts only the certificates in `caFile` (PEM: a private CA, or an Engel
    /// server's self-signed certificate), as `curl --cacert` does; pass it to
    /// ``init(configuration:httpClient:)`` and shut it down when done with it.
    ///
    /// - Throws: ``IletiMerkeziError`` of kind ``IletiMerkeziError/Kind/transport`` naming the file
    ///   when it cannot be read or holds no certificate, before any request is made.
    public static func makeHTTPClient(trustingCertificatesIn caFile: String) throws(IletiMerkeziError) -> HTTPClient {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(caFile)
        } catch {
            throw IletiMerkeziError(
                .transport, code: nil, message: "cannot read the certificates in \(caFile) (\(error))")
        }
        guard !certificates.isEmpty else {
            throw IletiMerkeziError(.transport, code: nil, message: "\(caFile) holds no PEM certificate")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(certificates)
        var configuration = httpConfiguration
        configuration.tlsConfiguration = tls
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The HTTP client every ``BlacklistClient`` sends through unless given another; made once and
    /// never shut down, as AsyncHTTPClient's shared client is.
    public static let defaultHTTPClient = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: httpConfiguration)

    /// AsyncHTTPClient's shared configuration, except that a refused connection fails the attempt at
    /// once. Its pool otherwise tries to connect again until the request's deadline, so against a
    /// server that is down every attempt took the whole timeout: `engel filter` took two minutes to
    /// say "connection refused". The client's own retries (``RetryPolicy``) wait and try again.
    static var httpConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }
}
