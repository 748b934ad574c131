import ArgumentParser
import EngelServer
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the API server until SIGTERM or Ctrl-C.",
        discussion: """
            Every option can also be set by its environment variable; a flag wins over the
            environment, which wins over the default. On the first start with an empty database
            an account named "default" is created and its credentials are printed once.

            \(environmentOnly)

            Examples:
              engel serve
              ENGEL_PORT=9000 engel serve --database /var/lib/engel/engel.sqlite
            """)

    /// The settings without a flag, for the discussion.
    private static var environmentOnly: String {
        ServerSetting.all.filter { !$0.hasFlag }
            .map { "\($0.environmentName) (no flag): \($0.summary)." }
            .joined(separator: "\n\n")
    }

    @Option(name: .setting(.host), help: .setting(.host))
    var host: String?

    @Option(name: .setting(.port), help: .setting(.port))
    var port: Int?

    @OptionGroup var store: DatabaseOptions

    @Option(name: .setting(.maximumBodyBytes), help: .setting(.maximumBodyBytes))
    var maxBodyBytes: Int?

    @Option(name: .setting(.maximumBulkBodyBytes), help: .setting(.maximumBulkBodyBytes))
    var maxBulkBodyBytes: Int?

    @Option(name: .setting(.idleTimeout), help: .setting(.idleTimeout))
    var idleTimeout: Double?

    @Option(name: .setting(.readTimeout), help: .setting(.readTimeout))
    var readTimeout: Double?

    @Option(name: .setting(.shutdownGrace), help: .setting(.shutdownGrace))
    var shutdownGrace: Double?

    @Option(name: .setting(.authenticationFailureLimit), help: .setting(.authenticationFailureLimit))
    var authFailureLimit: Int?

    @Option(name: .setting(.authenticationFailureWindow), help: .setting(.authenticationFailureWindow))
    var authFailureWindow: Double?

    @Option(name: .setting(.authenticationFailureMaximumDelay), help: .setting(.authenticationFailureMaximumDelay))
    var authFailureMaxDelay: Double?

    @Option(name: .setting(.logLevel), help: .setting(.logLevel))
    var logLevel: String?

    @Option(name: .setting(.expiryInterval), help: .setting(.expiryInterval))
    var expiryInterval: Double?

    @Option(name: .setting(.changeRetentionDays), help: .setting(.changeRetentionDays))
    var changeRetentionDays: Int?

    @Option(name: .setting(.tlsCertificate), help: .setting(.tlsCertificate))
    var tlsCert: String?

    @Option(name: .setting(.tlsKey), help: .setting(.tlsKey))
    var tlsKey: String?

    @Option(name: .setting(.webhookTimeout), help: .setting(.webhookTimeout))
    var webhookTimeout: Double?

    @Option(name: .setting(.webhookFirstBackoff), help: .setting(.webhookFirstBackoff))
    var webhookFirstBackoff: Double?

    @Option(name: .setting(.webhookMaximumBackoff), help: .setting(.webhookMaximumBackoff))
    var webhookMaxBackoff: Double?

    @Option(name: .setting(.webhookLease), help: .setting(.webhookLease))
    var webhookLease: Double?

    @Option(name: .setting(.webhookPollInterval), help: .setting(.webhookPollInterval))
    var webhookPollInterval: Double?

    @Option(name: .setting(.panel), help: .setting(.panel, valueName: "on|off"))
    var panel: String?

    @Option(name: .setting(.panelPasswordCost), help: .setting(.panelPasswordCost))
    var panelPasswordCost: Int?

    @Option(name: .setting(.panelUploadMaximumBytes), help: .setting(.panelUploadMaximumBytes))
    var panelUploadMaxBytes: Int?

    @Option(name: .setting(.trustForwardedProto), help: .setting(.trustForwardedProto, valueName: "on|off"))
    var trustForwardedProto: String?

    /// The flags given, by setting.
    var overrides: ServerConfiguration.Overrides {
        var overrides = ServerConfiguration.Overrides()
        overrides.set(.host, host)
        overrides.set(.port, port)
        overrides.set(.maximumBodyBytes, maxBodyBytes)
        overrides.set(.maximumBulkBodyBytes, maxBulkBodyBytes)
        overrides.set(.idleTimeout, idleTimeout)
        overrides.set(.readTimeout, readTimeout)
        overrides.set(.shutdownGrace, shutdownGrace)
        overrides.set(.authenticationFailureLimit, authFailureLimit)
        overrides.set(.authenticationFailureWindow, authFailureWindow)
        overrides.set(.authenticationFailureMaximumDelay, authFailureMaxDelay)
        overrides.set(.logLevel, logLevel)
        overrides.set(.expiryInterval, expiryInterval)
        overrides.set(.changeRetentionDays, changeRetentionDays)
        overrides.set(.tlsCertificate, tlsCert)
        overrides.set(.tlsKey, tlsKey)
        overrides.set(.webhookTimeout, webhookTimeout)
        overrides.set(.webhookFirstBackoff, webhookFirstBackoff)
        overrides.set(.webhookMaximumBackoff, webhookMaxBackoff)
        overrides.set(.webhookLease, webhookLease)
        overrides.set(.webhookPollInterval, webhookPollInterval)
        overrides.set(.panel, panel)
        overrides.set(.panelPasswordCost, panelPasswordCost)
        overrides.set(.panelUploadMaximumBytes, panelUploadMaxBytes)
        overrides.set(.trustForwardedProto, trustForwardedProto)
        return overrides
    }

    func run() async throws {
        let configuration = try store.resolve(overrides)
        let logLevel = configuration.logLevel
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, logLevel: logLevel) }
        let output = StandardOutput()
        try await explainingStartupFailures(configuration) {
            try await ServerRunner.run(configuration, logger: Logger(label: "engel")) { event in
                output.write(ServeFormatting.describe(event))
            }
        }
    }
}

/// How `serve` announces itself.
enum ServeFormatting {
    static func describe(_ event: ServerEvent) -> String {
        switch event {
        case .firstAccountCreated(let name, let credentials):
            "The database was empty, so Engel created the account \"\(name)\".\n"
                + AccountFormatting.credentials(credentials, account: name, json: false)
        case .listening(let host, let port, let database, let tls):
            "Engel is listening on \(tls ? "https" : "http")://\(host):\(port)/v1/ (store: \(database)). "
                + "Stop with Ctrl-C.\n"
        }
    }
}
