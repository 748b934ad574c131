import Configuration
public import EngelCore
public import Foundation
public import Logging

/// Everything `engel serve` needs, read once at start-up.
///
/// Each value comes from the first source that has it: a command-line flag, then an environment
/// variable (`ENGEL_HOST`, `ENGEL_PORT`, `ENGEL_DATABASE`, `ENGEL_MAX_BODY_BYTES`, `ENGEL_IDLE_TIMEOUT`,
/// `ENGEL_READ_TIMEOUT`, `ENGEL_SHUTDOWN_GRACE`, `ENGEL_AUTH_FAILURE_LIMIT`,
/// `ENGEL_AUTH_FAILURE_WINDOW`, `ENGEL_AUTH_FAILURE_MAX_DELAY`, `ENGEL_LOG_LEVEL`), then the default.
/// The `/metrics` token comes from the environment only (`ENGEL_METRICS_TOKEN`), so it never shows
/// in a process list.
public struct ServerConfiguration: Sendable {
    /// The address to listen on. Default `127.0.0.1`.
    public var host: String
    /// The port to listen on. Default `8080`; `0` picks a free one.
    public var port: Int
    /// The store. Default: an SQLite file in the user's data folder.
    public var database: DatabaseLocation
    /// The largest request body read; larger ones answer 400 and the connection is closed. Default 64 KiB.
    public var maximumBodyBytes: Int
    /// How long a connection may send nothing (a request's head included) before it is closed. Default 30 s.
    public var idleTimeout: Duration
    /// How long a client may take to send a request's body once its head has arrived; a slower one
    /// answers 400 and the connection is closed. Default 10 s.
    public var readTimeout: Duration
    /// How long a shutdown waits for in-flight requests before cancelling them. Default 10 s.
    public var shutdownGrace: Duration
    /// How repeated 401s from one client address are slowed down.
    public var authenticationSlowdown: AuthenticationSlowdown
    /// How much the server logs. Default `info`.
    public var logLevel: Logger.Level
    /// The mobile prefixes accepted as Turkish mobile numbers.
    public var mobilePrefixes: MobilePrefixes
    /// The bearer token `GET /metrics` requires (`Authorization: Bearer TOKEN`); `nil` leaves
    /// `/metrics` open to anyone who can reach the port (`ENGEL_METRICS_TOKEN`, default unset).
    public var metricsToken: String?

    /// Creates a configuration from explicit values.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, database: DatabaseLocation, maximumBodyBytes: Int = 64 * 1024,
        idleTimeout: Duration = .seconds(30), readTimeout: Duration = .seconds(10),
        shutdownGrace: Duration = .seconds(10), authenticationSlowdown: AuthenticationSlowdown = .init(),
        logLevel: Logger.Level = .info, mobilePrefixes: MobilePrefixes = .turkishMobile
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.maximumBodyBytes = maximumBodyBytes
        self.idleTimeout = idleTimeout
        self.readTimeout = readTimeout
        self.shutdownGrace = shutdownGrace
        self.authenticationSlowdown = authenticationSlowdown
        self.logLevel = logLevel
        self.mobilePrefixes = mobilePrefixes
    }

    /// Values given as flags, which win over the environment.
    public struct Overrides: Sendable {
        /// `--host`.
        public var host: String?
        /// `--port`.
        public var port: Int?
        /// `--database`.
        public var database: String?
        /// `--max-body-bytes`.
        public var maximumBodyBytes: Int?
        /// `--idle-timeout`, in seconds.
        public var idleTimeout: Double?
        /// `--read-timeout`, in seconds.
        public var readTimeout: Double?
        /// `--shutdown-grace`, in seconds.
        public var shutdownGrace: Double?
        /// `--auth-failure-limit`.
        public var authenticationFailureLimit: Int?
        /// `--auth-failure-window`, in seconds.
        public var authenticationFailureWindow: Double?
        /// `--auth-failure-max-delay`, in seconds.
        public var authenticationFailureMaximumDelay: Double?
        /// `--log-level`.
        public var logLevel: String?

        /// Creates overrides; `nil` means "not given".
        public init(
            host: String? = nil, port: Int? = nil, database: String? = nil, maximumBodyBytes: Int? = nil,
            idleTimeout: Double? = nil, readTimeout: Double? = nil, shutdownGrace: Double? = nil,
            authenticationFailureLimit: Int? = nil, authenticationFailureWindow: Double? = nil,
            authenticationFailureMaximumDelay: Double? = nil, logLevel: String? = nil
        ) {
            self.host = host
            self.port = port
            self.database = database
            self.maximumBodyBytes = maximumBodyBytes
            self.idleTimeout = idleTimeout
            self.readTimeout = readTimeout
            self.shutdownGrace = shutdownGrace
            self.authenticationFailureLimit = authenticationFailureLimit
            self.authenticationFailureWindow = authenticationFailureWindow
            self.authenticationFailureMaximumDelay = authenticationFailureMaximumDelay
            self.logLevel = logLevel
        }
    }

    /// Resolves flags, then `environment`, then defaults.
    public static func resolve(
        _ overrides: Overrides, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> ServerConfiguration {
        var flags: [AbsoluteConfigKey: ConfigValue] = [:]
        func flag(_ key: AbsoluteConfigKey, _ content: ConfigContent?) {
            if let content { flags[key] = .init(content, isSecret: false) }
        }
        flag(["engel", "host"], overrides.host.map { .string($0) })
        flag(["engel", "port"], overrides.port.map { .int($0) })
        if let database = overrides.database {
            // A PostgreSQL URL may carry a password.
            flags[["engel", "database"]] = .init(.string(database), isSecret: true)
        }
        flag(["engel", "max", "body", "bytes"], overrides.maximumBodyBytes.map { .int($0) })
        flag(["engel", "idle", "timeout"], overrides.idleTimeout.map { .double($0) })
        flag(["engel", "read", "timeout"], overrides.readTimeout.map { .double($0) })
        flag(["engel", "shutdown", "grace"], overrides.shutdownGrace.map { .double($0) })
        flag(["engel", "auth", "failure", "limit"], overrides.authenticationFailureLimit.map { .int($0) })
        flag(["engel", "auth", "failure", "window"], overrides.authenticationFailureWindow.map { .double($0) })
        flag(
            ["engel", "auth", "failure", "max", "delay"],
            overrides.authenticationFailureMaximumDelay.map { .double($0) })
        flag(["engel", "log", "level"], overrides.logLevel.map { .string($0) })
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: flags),
            EnvironmentVariablesProvider(
                environmentVariables: environment,
                secretsSpecifier: .specific(["ENGEL_DATABASE", "ENGEL_METRICS_TOKEN"])),
        ])
        return try resolve(reader.scoped(to: "engel"), environment: environment)
    }

    private static func resolve(_ reader: ConfigReader, environment: [String: String]) throws(ConfigurationError)
        -> ServerConfiguration
    {
        let database: DatabaseLocation =
            if let text = reader.string(forKey: "database") {
                try DatabaseLocation(parsing: text)
            } else {
                DatabaseLocation.defaultLocation(environment: environment)
            }
        var configuration = ServerConfiguration(database: database)
        configuration.host = reader.string(forKey: "host", default: configuration.host)
        guard let port = integer(reader, "port", default: configuration.port), (0...65535).contains(port) else {
            throw ConfigurationError("the port must be a number from 0 to 65535")
        }
        configuration.port = port
        guard let bytes = integer(reader, "max.body.bytes", default: configuration.maximumBodyBytes), bytes >= 256
        else {
            throw ConfigurationError("the body limit must be a number of bytes, at least 256")
        }
        configuration.maximumBodyBytes = bytes
        configuration.idleTimeout = try duration(
            reader, "idle.timeout", default: configuration.idleTimeout, allowed: 0.1...86_400, name: "the idle timeout")
        configuration.readTimeout = try duration(
            reader, "read.timeout", default: configuration.readTimeout, allowed: 0.1...86_400, name: "the read timeout")
        configuration.shutdownGrace = try duration(
            reader, "shutdown.grace", default: configuration.shutdownGrace, allowed: 0...3_600,
            name: "the shutdown grace period")
        var slowdown = configuration.authenticationSlowdown
        guard let limit = integer(reader, "auth.failure.limit", default: slowdown.allowedFailures), limit >= 1 else {
            throw ConfigurationError("the authentication failure limit must be a whole number, at least 1")
        }
        slowdown.allowedFailures = limit
        slowdown.window = try duration(
            reader, "auth.failure.window", default: slowdown.window, allowed: 1...86_400,
            name: "the authentication failure window")
        slowdown.maximumDelay = try duration(
            reader, "auth.failure.max.delay", default: slowdown.maximumDelay, allowed: 0...60,
            name: "the authentication failure delay")
        configuration.authenticationSlowdown = slowdown
        let levelText = reader.string(forKey: "log.level", default: configuration.logLevel.rawValue)
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ConfigurationError(
                "unknown log level \(levelText): use trace, debug, info, notice, warning, error or critical")
        }
        configuration.logLevel = level
        if let token = reader.string(forKey: "metrics.token", isSecret: true) {
            guard (16...512).contains(token.utf8.count), token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw ConfigurationError(
                    "ENGEL_METRICS_TOKEN must be 16 to 512 visible ASCII characters (no spaces), such as the output of `openssl rand -hex 32`"
                )
            }
            configuration.metricsToken = token
        }
        return configuration
    }

    /// Reads an integer that may arrive as text (environment variables always do).
    private static func integer(_ reader: ConfigReader, _ key: ConfigKey, default fallback: Int) -> Int? {
        if let value = reader.int(forKey: key) { return value }
        guard let text = reader.string(forKey: key) else { return fallback }
        return Int(text.trimmingCharacters(in: .whitespaces))
    }

    /// Reads a number of seconds (a flag's double, or text such as `30` or `0.5`) within `allowed`.
    private static func duration(
        _ reader: ConfigReader, _ key: ConfigKey, default fallback: Duration, allowed: ClosedRange<Double>,
        name: String
    ) throws(ConfigurationError) -> Duration {
        let seconds: Double?
        if let value = reader.double(forKey: key) {
            seconds = value
        } else if let text = reader.string(forKey: key) {
            seconds = Double(text.trimmingCharacters(in: .whitespaces))
        } else {
            return fallback
        }
        guard let seconds, seconds.isFinite, allowed.contains(seconds) else {
            throw ConfigurationError(
                "\(name) must be a number of seconds from \(secondsText(allowed.lowerBound)) to \(secondsText(allowed.upperBound))"
            )
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    private static func secondsText(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// How repeated authentication failures (401) from one client address are slowed down.
///
/// After ``allowedFailures`` failures within ``window``, each further 401 to that address is
/// answered late: 100 ms, then twice as long each time, up to ``maximumDelay``. Valid credentials and
/// other addresses are never delayed.
public struct AuthenticationSlowdown: Sendable, Hashable {
    /// Failures answered at once within a window. Default 10 (`ENGEL_AUTH_FAILURE_LIMIT`).
    public var allowedFailures: Int
    /// How long a failure is remembered. Default 60 s (`ENGEL_AUTH_FAILURE_WINDOW`).
    public var window: Duration
    /// The longest delay; zero turns the slowdown off. Default 5 s (`ENGEL_AUTH_FAILURE_MAX_DELAY`).
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
