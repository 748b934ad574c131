import Configuration
public import EngelCore
public import Foundation
public import Logging

/// Everything `engel serve` needs, read once at start-up.
///
/// Each value comes from the first source that has it: a command-line flag, then an environment
/// variable, then the default given by ``init(host:port:database:maximumBodyBytes:maximumBulkBodyBytes:idleTimeout:readTimeout:shutdownGrace:authenticationSlowdown:logLevel:mobilePrefixes:webhooks:)``.
/// ``ServerSetting`` names each setting's flag and variable and says what it accepts.
public struct ServerConfiguration: Sendable {
    /// The address to listen on (``ServerSetting/host``).
    public var host: String
    /// The port to listen on; `0` picks a free one (``ServerSetting/port``).
    public var port: Int
    /// The store (``ServerSetting/database``).
    public var database: DatabaseLocation
    /// The largest request body read; larger ones answer 400 and the connection is closed
    /// (``ServerSetting/maximumBodyBytes``).
    public var maximumBodyBytes: Int
    /// The largest request body of Engel's bulk methods, which carry up to 50,000 numbers
    /// (``ServerSetting/maximumBulkBodyBytes``).
    public var maximumBulkBodyBytes: Int
    /// How long a connection may send nothing (a request's head included) before it is closed
    /// (``ServerSetting/idleTimeout``).
    public var idleTimeout: Duration
    /// How long a client may take to send a request's body once its head has arrived; a slower one
    /// answers 400 and the connection is closed (``ServerSetting/readTimeout``).
    public var readTimeout: Duration
    /// How long a shutdown waits for in-flight requests before cancelling them (``ServerSetting/shutdownGrace``).
    public var shutdownGrace: Duration
    /// How repeated 401s from one client address are slowed down.
    public var authenticationSlowdown: AuthenticationSlowdown
    /// How much the server logs (``ServerSetting/logLevel``).
    public var logLevel: Logger.Level
    /// The mobile prefixes accepted as Turkish mobile numbers.
    public var mobilePrefixes: MobilePrefixes
    /// The bearer token `GET /metrics` requires (`Authorization: Bearer TOKEN`); `nil` leaves
    /// `/metrics` open to anyone who can reach the port (``ServerSetting/metricsToken``).
    public var metricsToken: String?
    /// How often ended blocks are unlisted and their expiry logged (``ServerSetting/expiryInterval``).
    public var expiryInterval: Duration = .seconds(1)
    /// How many days the change log keeps a record; `0` keeps all (``ServerSetting/changeRetentionDays``).
    public var changeRetentionDays: Int = 0
    /// The PEM file of the TLS certificate chain; with ``tlsKeyPath``, the server speaks HTTPS only
    /// (``ServerSetting/tlsCertificate``).
    public var tlsCertificatePath: String?
    /// The PEM file of the TLS private key (``ServerSetting/tlsKey``).
    public var tlsKeyPath: String?
    /// How often the change log is pruned to ``changeRetentionDays``.
    public var changeRetentionSweepInterval: Duration = .seconds(3600)
    /// How webhooks are delivered: timeouts, backoff, lease and polling.
    public var webhooks: WebhookSettings
    /// Whether the operators' web panel is served under `/panel` (``ServerSetting/panel``).
    public var panelEnabled: Bool = true
    /// Whether a request's `X-Forwarded-Proto: https` is believed, so that the panel's cookies are
    /// marked `Secure` behind a proxy that ends TLS (``ServerSetting/trustForwardedProto``).
    public var trustForwardedProto: Bool = false
    /// The bcrypt cost of panel passwords (``ServerSetting/panelPasswordCost``).
    public var panelPasswordCost: Int = PanelPasswords.defaultCost
    /// The largest body of a CSV upload to the panel's import, in bytes
    /// (``ServerSetting/panelUploadMaximumBytes``).
    public var panelUploadMaximumBytes: Int = 32 * 1024 * 1024

    /// Creates a configuration from explicit values.
    ///
    /// These defaults are `engel serve`'s; ``ServerSetting`` shows them in `--help` and the README.
    /// The default database is the SQLite file in this process's user data folder, which a test
    /// that never opens the store can leave alone.
    public init(
        host: String = "127.0.0.1", port: Int = 8080,
        database: DatabaseLocation = .defaultLocation(environment: ProcessInfo.processInfo.environment),
        maximumBodyBytes: Int = 64 * 1024, maximumBulkBodyBytes: Int = 2 * 1024 * 1024,
        idleTimeout: Duration = .seconds(30), readTimeout: Duration = .seconds(10),
        shutdownGrace: Duration = .seconds(10), authenticationSlowdown: AuthenticationSlowdown = .init(),
        logLevel: Logger.Level = .info, mobilePrefixes: MobilePrefixes = .turkishMobile,
        webhooks: WebhookSettings = WebhookSettings()
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.maximumBodyBytes = maximumBodyBytes
        self.maximumBulkBodyBytes = maximumBulkBodyBytes
        self.idleTimeout = idleTimeout
        self.readTimeout = readTimeout
        self.shutdownGrace = shutdownGrace
        self.authenticationSlowdown = authenticationSlowdown
        self.logLevel = logLevel
        self.mobilePrefixes = mobilePrefixes
        self.webhooks = webhooks
    }

    /// Values given as flags, which win over the environment.
    ///
    /// ```swift
    /// try ServerConfiguration.resolve([.port: "9000", .idleTimeout: "2.5"])
    /// ```
    public struct Overrides: Sendable, ExpressibleByDictionaryLiteral {
        /// The flags given, as text, which is read as an environment variable's would be; a setting
        /// missing here is left to the environment.
        public var values: [ServerSetting: String]

        /// Creates overrides of `values`.
        public init(_ values: [ServerSetting: String] = [:]) {
            self.values = values
        }

        public init(dictionaryLiteral elements: (ServerSetting, String)...) {
            self.init(Dictionary(elements) { _, last in last })
        }

        /// Gives `setting` a flag's `value`; `nil` (a flag not given) changes nothing.
        public mutating func set(_ setting: ServerSetting, _ value: (some LosslessStringConvertible)?) {
            if let value { values[setting] = value.description }
        }
    }

    /// Resolves flags, then `environment`, then defaults, reading every setting in ``ServerSetting/all``.
    ///
    /// - Throws: ``ConfigurationError`` naming the first setting, in that order, whose value is unusable.
    public static func resolve(
        _ overrides: Overrides, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> ServerConfiguration {
        var flags: [AbsoluteConfigKey: ConfigValue] = [:]
        for (setting, value) in overrides.values {
            flags[AbsoluteConfigKey(["engel"] + setting.words)] = .init(.string(value), isSecret: setting.isSecret)
        }
        let secrets = ServerSetting.all.filter(\.isSecret).map(\.environmentName)
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: flags),
            EnvironmentVariablesProvider(
                environmentVariables: environment, secretsSpecifier: .specific(Set(secrets))),
        ])
        let sources = SettingSources(reader: reader.scoped(to: "engel"), environment: environment)
        var configuration = ServerConfiguration(database: .defaultLocation(environment: environment))
        for setting in ServerSetting.all {
            try setting.read(from: sources, into: &configuration)
        }
        guard (configuration.tlsCertificatePath == nil) == (configuration.tlsKeyPath == nil) else {
            throw ConfigurationError("--tls-cert and --tls-key go together: give both files, or neither for plain HTTP")
        }
        return configuration
    }
}

/// How repeated authentication failures (401) from one client address are slowed down.
///
/// After ``allowedFailures`` failures within ``window``, each further 401 to that address is
/// answered late: 100 ms, then twice as long each time, up to ``maximumDelay``. Valid credentials and
/// other addresses are never delayed.
public struct AuthenticationSlowdown: Sendable, Hashable {
    /// Failures answered at once within a window (``ServerSetting/authenticationFailureLimit``).
    public var allowedFailures: Int
    /// How long a failure is remembered (``ServerSetting/authenticationFailureWindow``).
    public var window: Duration
    /// The longest delay; zero turns the slowdown off (``ServerSetting/authenticationFailureMaximumDelay``).
    public var maximumDelay: Duration
    /// How many addresses are remembered at most; the longest-quiet ones are forgotten first.
    public var trackedAddresses: Int

    /// Creates a policy.
    public init(
        allowedFailures: Int = 10, window: Duration = .seconds(60), maximumDelay: Duration = .seconds(5),
        trackedAddresses: Int = 10_000
    ) {
        self.allowedFailures = allowedFailures
        self.window = window
        self.maximumDelay = maximumDelay
        self.trackedAddresses = trackedAddresses
    }

    /// The first delay, doubled for each further failure.
    static let initialDelay: Duration = .milliseconds(100)
}

extension ServerConfiguration {
    /// The TLS certificate and key read from ``tlsCertificatePath`` and ``tlsKeyPath``; `nil` for
    /// plain HTTP. Throws ``TLSFilesUnusable`` naming the file at fault.
    public func loadTLS() throws -> ServerTLS? {
        guard let tlsCertificatePath, let tlsKeyPath else { return nil }
        return try ServerTLS(certificatePath: tlsCertificatePath, keyPath: tlsKeyPath)
    }

    /// Whether the server listens only where no other machine can reach it.
    public var listensOnLoopbackOnly: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
