import Foundation
public import Logging
import NIOSSL
public import ServiceLifecycle
import Synchronization
import UnixSignals

/// The server's TLS certificate chain and key, read from two PEM files, and reloaded from them on
/// request (SIGHUP, see ``TLSReloadService``) without dropping a connection: connections made after
/// a reload present the new certificate; those open keep theirs.
public final class ServerTLS: Sendable {
    /// The certificate chain file: the server's certificate first, then any intermediates.
    public let certificatePath: String
    /// The private key file.
    public let keyPath: String
    private let current: Mutex<(context: NIOSSLContext, expiry: Date)>

    /// Reads both files; throws ``TLSFilesUnusable`` naming what is wrong with them.
    public init(certificatePath: String, keyPath: String) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        current = Mutex(try Self.context(certificatePath: certificatePath, keyPath: keyPath))
    }

    /// The context new connections use.
    var context: NIOSSLContext { current.withLock { $0.context } }

    /// When the certificate in use stops being valid. An expired one is served all the same (the
    /// operator is warned): refusing to start would take the API down over a renewal that failed.
    public var expiry: Date { current.withLock { $0.expiry } }

    /// Reads the files again and uses them for new connections; on failure the certificate in use
    /// stays and the error says why.
    public func reload() throws {
        let fresh = try Self.context(certificatePath: certificatePath, keyPath: keyPath)
        current.withLock { $0 = fresh }
    }

    private static func context(certificatePath: String, keyPath: String) throws -> (
        context: NIOSSLContext, expiry: Date
    ) {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw TLSFilesUnusable("the certificate file \(certificatePath) cannot be read as PEM (\(error))")
        }
        guard !chain.isEmpty else {
            throw TLSFilesUnusable("the certificate file \(certificatePath) holds no certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw TLSFilesUnusable("the key file \(keyPath) cannot be read as a PEM private key (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            let expiry = Date(timeIntervalSince1970: TimeInterval(chain[0].notValidAfter))
            return (try NIOSSLContext(configuration: configuration), expiry)
        } catch {
            throw TLSFilesUnusable(
                "the key in \(keyPath) does not fit the certificate in \(certificatePath), or they are unusable "
                    + "(\(error))")
        }
    }
}

extension ServerTLS {
    /// Logs a warning when the certificate in use has expired, or expires within a week.
    public func warnIfExpired(logger: Logger, now: Date = Date()) {
        let metadata: Logger.Metadata = ["certificate": "\(certificatePath)", "notValidAfter": "\(expiry)"]
        if expiry <= now {
            logger.warning(
                "the TLS certificate has expired: clients will refuse it until it is renewed", metadata: metadata)
        } else if expiry.timeIntervalSince(now) < 7 * 86_400 {
            logger.warning("the TLS certificate expires within a week", metadata: metadata)
        }
    }
}

/// The TLS files given cannot serve: which one, and why.
public struct TLSFilesUnusable: Error, Sendable, CustomStringConvertible {
    /// What is wrong, naming the file.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Reloads ``ServerTLS`` when the process gets SIGHUP, as certificate renewals (certbot's deploy
/// hooks, for one) expect; logs what happened either way.
public struct TLSReloadService: Service {
    let tls: ServerTLS
    let logger: Logger

    /// Creates the service for `tls`.
    public init(tls: ServerTLS, logger: Logger) {
        self.tls = tls
        self.logger = logger
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                do {
                    try tls.reload()
                    logger.notice(
                        "reloaded the TLS certificate and key on SIGHUP",
                        metadata: ["certificate": "\(tls.certificatePath)", "key": "\(tls.keyPath)"])
                    tls.warnIfExpired(logger: logger)
                } catch {
                    logger.error(
                        "SIGHUP: the TLS files cannot be used; the certificate in use stays",
                        metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
