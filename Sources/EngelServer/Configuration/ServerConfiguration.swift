import Configuration
public import EngelCore
public import Foundation
public import Logging

/// Everything `engel serve` needs, read once at start-up.
///
/// Each value comes from the first source that has it: a command-line flag, then an environment
/// variable (`ENGEL_HOST`, `ENGEL_PORT`, `ENGEL_DATABASE`, `ENGEL_MAX_BODY_BYTES`,
/// `ENGEL_LOG_LEVEL`), then the default.
public struct ServerConfiguration: Sendable {
    /// The address to listen on. Default `127.0.0.1`.
    public var host: String
    /// The port to listen on. Default `8080`; `0` picks a free one.
    public var port: Int
    /// The store. Default: an SQLite file in the user's data folder.
    public var database: DatabaseLocation
    /// The largest request body read; larger ones answer 400. Default 64 KiB.
    public var maximumBodyBytes: Int
    /// How much the server logs. Default `info`.
    public var logLevel: Logger.Level
    /// The mobile prefixes accepted as Turkish mobile numbers.
    public var mobilePrefixes: MobilePrefixes

    /// Creates a configuration from explicit values.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, database: DatabaseLocation, maximumBodyBytes: Int = 64 * 1024,
        logLevel: Logger.Level = .info, mobilePrefixes: MobilePrefixes = .turkishMobile
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.maximumBodyBytes = maximumBodyBytes
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
        /// `--log-level`.
        public var logLevel: String?

        /// Creates overrides; `nil` means "not given".
        public init(
            host: String? = nil, port: Int? = nil, database: String? = nil, maximumBodyBytes: Int? = nil,
            logLevel: String? = nil
        ) {
            self.host = host
            self.port = port
            self.database = database
            self.maximumBodyBytes = maximumBodyBytes
            self.logLevel = logLevel
        }
    }

    /// Resolves flags, then `environment`, then defaults.
    public static func resolve(
        _ overrides: Overrides, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> ServerConfiguration {
        var flags: [AbsoluteConfigKey: ConfigValue] = [:]
        if let host = overrides.host { flags[["engel", "host"]] = .init(.string(host), isSecret: false) }
        if let port = overrides.port { flags[["engel", "port"]] = .init(.int(port), isSecret: false) }
        if let database = overrides.database {
            // A PostgreSQL URL may carry a password.
            flags[["engel", "database"]] = .init(.string(database), isSecret: true)
        }
        if let bytes = overrides.maximumBodyBytes {
            flags[["engel", "max", "body", "bytes"]] = .init(.int(bytes), isSecret: false)
        }
        if let level = overrides.logLevel { flags[["engel", "log", "level"]] = .init(.string(level), isSecret: false) }
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: flags),
            EnvironmentVariablesProvider(
                environmentVariables: environment, secretsSpecifier: .specific(["ENGEL_DATABASE"])),
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
        let levelText = reader.string(forKey: "log.level", default: configuration.logLevel.rawValue)
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ConfigurationError(
                "unknown log level \(levelText): use trace, debug, info, notice, warning, error or critical")
        }
        configuration.logLevel = level
        return configuration
    }

    /// Reads an integer that may arrive as text (environment variables always do).
    private static func integer(_ reader: ConfigReader, _ key: ConfigKey, default fallback: Int) -> Int? {
        if let value = reader.int(forKey: key) { return value }
        guard let text = reader.string(forKey: key) else { return fallback }
        return Int(text.trimmingCharacters(in: .whitespaces))
    }
}
