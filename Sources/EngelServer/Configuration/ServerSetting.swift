import Configuration
import EngelCore
import Foundation
import Logging

/// One setting of `engel serve`, described once: its flag and environment variable (both made from
/// one name), its default, what it means and what values it accepts.
///
/// ``ServerConfiguration/resolve(_:environment:)`` reads every setting in ``all``; `engel serve
/// --help` takes its flags and help from here, and a test holds the README's configuration table
/// to these rows, so a setting is added or changed in this file alone (plus its property).
public struct ServerSetting: Sendable, Hashable, CustomStringConvertible {
    /// The words of the name, such as `["max", "body", "bytes"]`: the configuration key under `engel`.
    let words: [String]
    /// Whether the setting may be given as a flag.
    public let hasFlag: Bool
    /// The default, in Markdown (code spans only).
    public let defaultText: String
    /// What the setting means, in Markdown (code spans only).
    public let meaning: String
    /// Whether the value may hold a password, so that the configuration library never prints it.
    let isSecret: Bool
    /// Reads the setting into a configuration, or says what is wrong with its value.
    private let reader: Reader

    private typealias Reader =
        @Sendable (ServerSetting, SettingSources, inout ServerConfiguration)
        throws(ConfigurationError) -> Void

    private init(
        _ flag: String, hasFlag: Bool = true, defaultText: String, meaning: String, isSecret: Bool = false,
        read: @escaping Reader
    ) {
        self.words = flag.split(separator: "-").map(String.init)
        self.hasFlag = hasFlag
        self.defaultText = defaultText
        self.meaning = meaning
        self.isSecret = isSecret
        self.reader = read
    }

    /// Reads the setting from `sources` into `configuration`, which it leaves alone when no source has it.
    func read(from sources: SettingSources, into configuration: inout ServerConfiguration) throws(ConfigurationError) {
        try reader(self, sources, &configuration)
    }

    /// The long flag without its dashes, such as `max-body-bytes`.
    public var flag: String { words.joined(separator: "-") }

    /// The environment variable, such as `ENGEL_MAX_BODY_BYTES`: the name swift-configuration's
    /// environment provider reads for the setting's key.
    public var environmentName: String { (["engel"] + words).joined(separator: "_").uppercased() }

    /// The configuration key, relative to `engel`.
    var key: ConfigKey { ConfigKey(words) }

    /// The meaning as plain text starting with a capital, for help screens.
    public var summary: String {
        let meaning = Self.plain(meaning)
        return meaning.prefix(1).uppercased() + meaning.dropFirst()
    }

    /// The help of the setting's flag: its meaning, environment variable and default, as plain text.
    public var help: String {
        "\(summary) (env \(environmentName), default \(Self.plain(defaultText)))."
    }

    public var description: String { hasFlag ? "--\(flag)" : environmentName }

    public static func == (left: ServerSetting, right: ServerSetting) -> Bool { left.words == right.words }

    public func hash(into hasher: inout Hasher) { hasher.combine(words) }

    /// Markdown code spans as plain text.
    private static func plain(_ markdown: String) -> String {
        markdown.replacingOccurrences(of: "`", with: "")
    }
}

/// What a setting is read from.
struct SettingSources {
    /// Flags, then the environment, scoped to `engel`. Every value is text (flags are given as the
    /// environment would carry them), so a setting parses one form.
    var reader: ConfigReader
    /// The environment, for defaults that depend on it.
    var environment: [String: String]
}

extension ServerSetting {
    /// Every setting, in the order the README lists them (and validation reports them).
    public static let all: [ServerSetting] = [
        .host, .port, .database, .maximumBodyBytes, .maximumBulkBodyBytes, .idleTimeout, .readTimeout,
        .shutdownGrace, .authenticationFailureLimit, .authenticationFailureWindow,
        .authenticationFailureMaximumDelay, .logLevel, .metricsToken, .expiryInterval, .changeRetentionDays,
        .tlsCertificate, .tlsKey, .webhookTimeout, .webhookFirstBackoff, .webhookMaximumBackoff, .webhookLease,
        .webhookPollInterval, .panel, .panelPasswordCost, .panelUploadMaximumBytes, .trustForwardedProto,
    ]

    /// `--host`, ``ServerConfiguration/host``.
    public static let host = text("host", \.host, meaning: "address to listen on")

    /// `--port`, ``ServerConfiguration/port``.
    public static let port = integer(
        "port", \.port, allowed: 0...65535, name: "the port", unit: "a number",
        meaning: "port to listen on (`0`: any free port, printed at start)")

    /// `--database`, ``ServerConfiguration/database``.
    public static let database = ServerSetting(
        "database",
        defaultText: "`$XDG_DATA_HOME/engel/engel.sqlite`, else `~/.local/share/engel/engel.sqlite`",
        meaning: "the store: an SQLite file path, `sqlite:PATH`, or "
            + "`postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=disable|prefer|require` "
            + "(schema migrations run at start-up)",
        // A PostgreSQL URL may carry a password.
        isSecret: true
    ) { setting, sources, configuration throws(ConfigurationError) in
        configuration.database =
            if let text = sources.reader.string(forKey: setting.key, isSecret: true) {
                try DatabaseLocation(parsing: text)
            } else {
                // The default depends on the environment resolved, not on this process's.
                DatabaseLocation.defaultLocation(environment: sources.environment)
            }
    }

    /// `--max-body-bytes`, ``ServerConfiguration/maximumBodyBytes``.
    public static let maximumBodyBytes = integer(
        "max-body-bytes", \.maximumBodyBytes, allowed: 256...Int.max, name: "the body limit",
        unit: "a number of bytes",
        meaning: "a larger body answers 400 as soon as the limit is passed (or at once when `Content-Length` "
            + "says so), without being read whole; the connection is then closed")

    /// `--max-bulk-body-bytes`, ``ServerConfiguration/maximumBulkBodyBytes``.
    public static let maximumBulkBodyBytes = integer(
        "max-bulk-body-bytes", \.maximumBulkBodyBytes, allowed: 256...Int.max, name: "the bulk body limit",
        unit: "a number of bytes",
        meaning: "the body limit of Engel's batch methods (check, bulk add, bulk delete); the three iletiMerkezi "
            + "methods keep `--max-body-bytes`")

    /// `--idle-timeout`, ``ServerConfiguration/idleTimeout``.
    public static let idleTimeout = seconds(
        "idle-timeout", \.idleTimeout, allowed: 0.1...86_400, name: "the idle timeout",
        meaning: "seconds a connection may send nothing (a request's head included) before it is closed")

    /// `--read-timeout`, ``ServerConfiguration/readTimeout``.
    public static let readTimeout = seconds(
        "read-timeout", \.readTimeout, allowed: 0.1...86_400, name: "the read timeout",
        meaning: "seconds a client may take to send a request's body once its head has arrived; "
            + "a slower one answers 400 and is cut off")

    /// `--shutdown-grace`, ``ServerConfiguration/shutdownGrace``.
    public static let shutdownGrace = seconds(
        "shutdown-grace", \.shutdownGrace, allowed: 0...3_600, name: "the shutdown grace period",
        meaning: "seconds SIGTERM/Ctrl-C waits for in-flight requests before cancelling them")

    /// `--auth-failure-limit`, ``AuthenticationSlowdown/allowedFailures``.
    public static let authenticationFailureLimit = integer(
        "auth-failure-limit", \.authenticationSlowdown.allowedFailures, allowed: 1...Int.max,
        name: "the authentication failure limit", unit: "a whole number",
        meaning: "401s one client address gets at once within the window; each further one is answered late")

    /// `--auth-failure-window`, ``AuthenticationSlowdown/window``.
    public static let authenticationFailureWindow = seconds(
        "auth-failure-window", \.authenticationSlowdown.window, allowed: 1...86_400,
        name: "the authentication failure window", meaning: "seconds a failed authentication is remembered")

    /// `--auth-failure-max-delay`, ``AuthenticationSlowdown/maximumDelay``.
    public static let authenticationFailureMaximumDelay = seconds(
        "auth-failure-max-delay", \.authenticationSlowdown.maximumDelay, allowed: 0...60,
        name: "the authentication failure delay",
        meaning: "the longest delay of a 401 (100 ms, doubled per further failure, up to this); "
            + "`0` turns the slowdown off")

    /// `--log-level`, ``ServerConfiguration/logLevel``.
    public static let logLevel = ServerSetting(
        "log-level", defaultText: "`\(ServerConfiguration().logLevel)`",
        meaning: "how much is logged: `trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical` "
            + "(logs go to stderr; `info` logs one line per answer)"
    ) { setting, sources, configuration throws(ConfigurationError) in
        let text = sources.reader.string(forKey: setting.key, default: configuration.logLevel.rawValue)
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ConfigurationError(
                "unknown log level \(text): use trace, debug, info, notice, warning, error or critical")
        }
        configuration.logLevel = level
    }

    /// `--expiry-interval`, ``ServerConfiguration/expiryInterval``.
    public static let expiryInterval = seconds(
        "expiry-interval", \.expiryInterval, allowed: 0.01...60, name: "the expiry interval",
        meaning: "seconds between sweeps that unlist blocks whose `until` has passed and log their expiry "
            + "(checks are exact at every instant; pages, counts and the change feed catch up at the next sweep)")

    /// `--change-retention-days`, ``ServerConfiguration/changeRetentionDays``.
    public static let changeRetentionDays = integer(
        "change-retention-days", \.changeRetentionDays, allowed: 0...36_500, name: "the change log retention",
        unit: "a number of days",
        meaning: "days the change log keeps a record (swept hourly; `oldest` in get-blacklist-changes says what "
            + "is left); `0` keeps every record")

    /// `--tls-cert`, ``ServerConfiguration/tlsCertificatePath``.
    public static let tlsCertificate = ServerSetting(
        "tls-cert", defaultText: "unset (plain HTTP)",
        meaning: "PEM file of the TLS certificate chain (the server's certificate first); with `--tls-key` the "
            + "server speaks HTTPS only; SIGHUP reloads both files without dropping connections"
    ) { setting, sources, configuration throws(ConfigurationError) in
        configuration.tlsCertificatePath = sources.reader.string(forKey: setting.key)
    }

    /// `--tls-key`, ``ServerConfiguration/tlsKeyPath``.
    public static let tlsKey = ServerSetting(
        "tls-key", defaultText: "unset (plain HTTP)",
        meaning: "PEM file of the TLS private key (keep it `chmod 600`); goes with `--tls-cert`"
    ) { setting, sources, configuration throws(ConfigurationError) in
        configuration.tlsKeyPath = sources.reader.string(forKey: setting.key)
    }

    /// `ENGEL_METRICS_TOKEN`, ``ServerConfiguration/metricsToken``: environment only, so that it
    /// never shows in a process list.
    public static let metricsToken = ServerSetting(
        "metrics-token", hasFlag: false, defaultText: "unset",
        meaning: "when set (16 to 512 visible ASCII characters, e.g. `openssl rand -hex 32`), `GET /metrics` "
            + "answers only requests with `Authorization: Bearer TOKEN`, and 401 in the envelope otherwise; "
            + "environment only, so it never shows in a process list",
        isSecret: true
    ) { setting, sources, configuration throws(ConfigurationError) in
        guard let token = sources.reader.string(forKey: setting.key, isSecret: true) else { return }
        guard (16...512).contains(token.utf8.count), token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw ConfigurationError(
                "\(setting.environmentName) must be 16 to 512 visible ASCII characters (no spaces), such as the output of `openssl rand -hex 32`"
            )
        }
        configuration.metricsToken = token
    }
}

extension ServerSetting {
    /// `--webhook-timeout`, ``WebhookSettings/deliveryTimeout``.
    public static let webhookTimeout = seconds(
        "webhook-timeout", \.webhooks.deliveryTimeout, allowed: 0.001...300, name: "the webhook timeout",
        meaning: "seconds a webhook receiver has to answer a delivery, body included; "
            + "a later answer is a failure, and the delivery is retried")

    /// `--webhook-first-backoff`, ``WebhookSettings/firstBackoff``.
    public static let webhookFirstBackoff = seconds(
        "webhook-first-backoff", \.webhooks.firstBackoff, allowed: 0.001...3_600,
        name: "the first webhook backoff",
        meaning: "seconds before a failed delivery is retried; doubled after each further failure")

    /// `--webhook-max-backoff`, ``WebhookSettings/maximumBackoff``.
    public static let webhookMaximumBackoff = seconds(
        "webhook-max-backoff", \.webhooks.maximumBackoff, allowed: 0.001...86_400,
        name: "the longest webhook backoff",
        meaning: "the longest wait, in seconds, between two attempts of a failing delivery "
            + "(retries never stop while the webhook exists)")

    /// `--webhook-lease`, ``WebhookSettings/lease``.
    public static let webhookLease = seconds(
        "webhook-lease", \.webhooks.lease, allowed: 0.01...3_600, name: "the webhook lease",
        meaning: "seconds a server's claim to deliver a webhook lasts, renewed every third of it; when the "
            + "server dies, another takes the webhook over within about 1.25 times this")

    /// `--webhook-poll-interval`, ``WebhookSettings/pollInterval``.
    public static let webhookPollInterval = seconds(
        "webhook-poll-interval", \.webhooks.pollInterval, allowed: 0.001...60,
        name: "the webhook poll interval",
        meaning: "seconds between two looks for new changes of a caught-up webhook, "
            + "and for added or removed webhooks")
}

extension ServerSetting {
    /// `--panel`, ``ServerConfiguration/panelEnabled``.
    public static let panel = ServerSetting(
        "panel", defaultText: "`on`",
        meaning: "`on` or `off`: the operators' web panel at `/panel` (being built: webhooks and the panel users' "
            + "page are not served yet; its users are managed with `engel panel-user`)"
    ) { setting, sources, configuration throws(ConfigurationError) in
        guard let text = sources.reader.string(forKey: setting.key) else { return }
        configuration.panelEnabled = try onOrOff(text, name: "the panel setting")
    }

    /// `--trust-forwarded-proto`, ``ServerConfiguration/trustForwardedProto``.
    public static let trustForwardedProto = ServerSetting(
        "trust-forwarded-proto", defaultText: "`off`",
        meaning: "`on` or `off`: believe a request's `X-Forwarded-Proto: https`, so the panel's cookies are "
            + "marked `Secure` behind a proxy that ends TLS (turn it on only behind such a proxy; with "
            + "`--tls-cert` they always are)"
    ) { setting, sources, configuration throws(ConfigurationError) in
        guard let text = sources.reader.string(forKey: setting.key) else { return }
        configuration.trustForwardedProto = try onOrOff(text, name: "the trust-forwarded-proto setting")
    }

    /// `on` or `off`, in any case and with spaces around; `name` words the error.
    private static func onOrOff(_ text: String, name: String) throws(ConfigurationError) -> Bool {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "on": return true
        case "off": return false
        default: throw ConfigurationError("\(name) must be on or off, not \(text)")
        }
    }

    /// `--panel-password-cost`, ``ServerConfiguration/panelPasswordCost``.
    public static let panelPasswordCost = integer(
        "panel-password-cost", \.panelPasswordCost, allowed: PanelPasswords.allowedCosts,
        name: "the panel password cost", unit: "a bcrypt cost",
        meaning: "bcrypt cost of panel passwords (each step doubles the work of a hash; a password hashed at "
            + "another cost still works); at most two passwords are hashed or checked at once, so sign-in "
            + "attempts cannot take the API's CPU")

    /// `--panel-upload-max-bytes`, ``ServerConfiguration/panelUploadMaximumBytes``.
    public static let panelUploadMaximumBytes = integer(
        "panel-upload-max-bytes", \.panelUploadMaximumBytes, allowed: 256...Int.max, name: "the panel upload limit",
        unit: "a number of bytes",
        meaning: "the body limit of a CSV file uploaded to the panel's import (the whole `multipart/form-data` "
            + "body); a larger one answers a 413 page as soon as the limit is passed (or at once when "
            + "`Content-Length` says so), and the connection is then closed; `--read-timeout` applies to it too")
}

extension ServerSetting {
    /// A setting taken as given.
    private static func text(
        _ flag: String, _ property: any WritableKeyPath<ServerConfiguration, String> & Sendable, meaning: String
    ) -> ServerSetting {
        ServerSetting(flag, defaultText: "`\(ServerConfiguration()[keyPath: property])`", meaning: meaning) {
            setting, sources, configuration throws(ConfigurationError) in
            if let text = sources.reader.string(forKey: setting.key) {
                configuration[keyPath: property] = text
            }
        }
    }

    /// A whole number within `allowed`; `name` and `unit` word the error.
    private static func integer(
        _ flag: String, _ property: any WritableKeyPath<ServerConfiguration, Int> & Sendable,
        allowed: ClosedRange<Int>, name: String, unit: String, meaning: String
    ) -> ServerSetting {
        let range =
            allowed.upperBound == .max
            ? ", at least \(allowed.lowerBound)" : " from \(allowed.lowerBound) to \(allowed.upperBound)"
        return ServerSetting(flag, defaultText: "`\(ServerConfiguration()[keyPath: property])`", meaning: meaning) {
            setting, sources, configuration throws(ConfigurationError) in
            guard let text = sources.reader.string(forKey: setting.key) else { return }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), allowed.contains(value) else {
                throw ConfigurationError("\(name) must be \(unit)\(range)")
            }
            configuration[keyPath: property] = value
        }
    }

    /// A number of seconds, such as `30` or `0.5`, within `allowed`.
    private static func seconds(
        _ flag: String, _ property: any WritableKeyPath<ServerConfiguration, Duration> & Sendable,
        allowed: ClosedRange<Double>, name: String, meaning: String
    ) -> ServerSetting {
        let defaultSeconds = ServerConfiguration()[keyPath: property].seconds
        return ServerSetting(flag, defaultText: "`\(Duration.secondsText(defaultSeconds))`", meaning: meaning) {
            setting, sources, configuration throws(ConfigurationError) in
            guard let text = sources.reader.string(forKey: setting.key) else { return }
            guard let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds.isFinite,
                allowed.contains(seconds)
            else {
                throw ConfigurationError(
                    "\(name) must be a number of seconds from \(Duration.secondsText(allowed.lowerBound)) to \(Duration.secondsText(allowed.upperBound))"
                )
            }
            configuration[keyPath: property] = .milliseconds(Int64((seconds * 1000).rounded()))
        }
    }
}
