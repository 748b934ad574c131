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
        return HTTPClient(
            eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(tlsConfiguration: tls))
    }
}
