import ArgumentParser
import AsyncHTTPClient
import Foundation
import IletiMerkezi
import Synchronization

/// The HTTP clients of this process that trust a `--ca-file`, made once each and kept until the
/// process ends, as the shared client is (a client released unshut would stop a debug build).
enum TrustingClients {
    private static let made = Mutex<[String: HTTPClient]>([:])

    static func client(trusting caFile: String) throws -> HTTPClient {
        try made.withLock { made in
            if let client = made[caFile] { return client }
            do {
                let client = try BlacklistClient.makeHTTPClient(trustingCertificatesIn: caFile)
                made[caFile] = client
                return client
            } catch let failure as IletiMerkeziError {
                throw ValidationError("--ca-file: \(failure.message)")
            }
        }
    }
}

/// `--url`, `--key`, `--hash`, `--ca-file`, `--timeout` and `--retries`, shared by the client
/// commands.
struct ClientOptions: ParsableArguments {
    static let urlVariable = "ENGEL_URL"
    static let caFileVariable = "ENGEL_CA_FILE"

    @Option(
        help: ArgumentHelp(
            "The API's base URL (env ENGEL_URL; default \(BlacklistClient.Configuration.liveBaseURL)).",
            discussion: "An Engel server: http://HOST:PORT (its /v1/ is implied).", valueName: "url"))
    var url: String?

    @Option(help: ArgumentHelp("The API key (env ILETIMERKEZI_API_KEY).", valueName: "key"))
    var key: String?

    @Option(help: ArgumentHelp("The hash the panel shows (env ILETIMERKEZI_API_HASH).", valueName: "hash"))
    var hash: String?

    @Option(
        help: ArgumentHelp(
            "PEM certificates to trust, instead of the system's (env ENGEL_CA_FILE).",
            discussion: "A private CA, or an Engel server's self-signed certificate (engel serve --tls-cert).",
            valueName: "file"))
    var caFile: String?

    @Option(help: ArgumentHelp("Seconds one request may take.", valueName: "seconds"))
    var timeout: Double = 30

    @Option(
        help: ArgumentHelp(
            "Retries of a request that failed with 503, a timeout, or a refused or broken connection.",
            discussion: retryWaits))
    var retries: Int = 3

    /// The waits between retries, read from the policy the commands use, so the help cannot drift.
    private static var retryWaits: String {
        let policy = BlacklistClient.RetryPolicy()
        return "The first waits \(policy.initialDelay), each later one twice the one before, at most "
            + "\(policy.maximumDelay); a refused connection fails at once."
    }

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be more than 0 seconds") }
        guard retries >= 0 else { throw ValidationError("--retries must be 0 or more") }
    }

    /// The client configuration these flags and `environment` give; flags win.
    func configuration(environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> BlacklistClient.Configuration
    {
        let keyVariable = BlacklistClient.Credentials.keyVariable
        let hashVariable = BlacklistClient.Credentials.hashVariable
        guard let key = nonEmpty(key) ?? nonEmpty(environment[keyVariable]),
            let hash = nonEmpty(hash) ?? nonEmpty(environment[hashVariable])
        else {
            throw ValidationError("no credentials: pass --key and --hash, or set \(keyVariable) and \(hashVariable)")
        }
        return BlacklistClient.Configuration(
            baseURL: nonEmpty(url) ?? nonEmpty(environment[Self.urlVariable])
                ?? BlacklistClient.Configuration.liveBaseURL,
            credentials: BlacklistClient.Credentials(key: key, hash: hash),
            timeout: .milliseconds(Int64(timeout * 1000)),
            retry: BlacklistClient.RetryPolicy(maximumAttempts: retries + 1))
    }

    /// The HTTP client the commands send through: the SDK's default, or one trusting `--ca-file`.
    func httpClient(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> HTTPClient {
        guard let caFile = nonEmpty(caFile) ?? nonEmpty(environment[Self.caFileVariable]) else {
            return BlacklistClient.defaultHTTPClient
        }
        return try TrustingClients.client(trusting: caFile)
    }

    private func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}

/// `--concurrency` and `--progress`, shared by the bulk commands.
struct BulkOptions: ParsableArguments {
    enum ProgressChoice: String, ExpressibleByArgument, CaseIterable {
        case auto, bar, lines, none
    }

    @Option(
        help: ArgumentHelp(
            "Requests in flight at once (1–64).",
            discussion:
                "Bulk requests of 50,000 numbers go at most two at a time; against a server without them, this many single-number requests."
        ))
    var concurrency: Int = 8

    @Option(help: "Progress on stderr: a bar on a terminal, else a line every few seconds (auto), or none.")
    var progress: ProgressChoice = .auto

    func validate() throws {
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be 1 to 64") }
    }

    var style: ProgressStyle {
        switch progress {
        case .auto: StandardError.isTerminal ? .bar : .lines(every: .seconds(5))
        case .bar: .bar
        case .lines: .lines(every: .seconds(5))
        case .none: .silent
        }
    }
}
