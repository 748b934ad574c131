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

            ENGEL_METRICS_TOKEN (environment only) makes GET /metrics require
            "Authorization: Bearer TOKEN"; without it /metrics is open.

            Examples:
              engel serve
              ENGEL_PORT=9000 engel serve --database /var/lib/engel/engel.sqlite
            """)

    @Option(help: "The address to listen on (env ENGEL_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "The port to listen on, 0 for any free one (env ENGEL_PORT, default 8080).")
    var port: Int?

    @OptionGroup var store: DatabaseOptions

    @Option(
        help:
            "The largest request body accepted, in bytes; larger ones answer 400 (env ENGEL_MAX_BODY_BYTES, default 65536)."
    )
    var maxBodyBytes: Int?

    @Option(help: "Seconds a connection may send nothing before it is closed (env ENGEL_IDLE_TIMEOUT, default 30).")
    var idleTimeout: Double?

    @Option(
        help:
            "Seconds a client may take to send a request body; slower ones answer 400 (env ENGEL_READ_TIMEOUT, default 10)."
    )
    var readTimeout: Double?

    @Option(
        help:
            "Seconds a shutdown waits for in-flight requests before cancelling them (env ENGEL_SHUTDOWN_GRACE, default 10)."
    )
    var shutdownGrace: Double?

    @Option(
        help:
            "401s from one address answered at once within the window; later ones are delayed (env ENGEL_AUTH_FAILURE_LIMIT, default 10)."
    )
    var authFailureLimit: Int?

    @Option(help: "Seconds a failed authentication is remembered (env ENGEL_AUTH_FAILURE_WINDOW, default 60).")
    var authFailureWindow: Double?

    @Option(
        help:
            "The longest delay of a 401, in seconds; 0 turns the slowdown off (env ENGEL_AUTH_FAILURE_MAX_DELAY, default 5)."
    )
    var authFailureMaxDelay: Double?

    @Option(help: "trace, debug, info, notice, warning, error or critical (env ENGEL_LOG_LEVEL, default info).")
    var logLevel: String?

    func run() async throws {
        let configuration = try store.resolve(
            .init(
                host: host, port: port, maximumBodyBytes: maxBodyBytes, idleTimeout: idleTimeout,
                readTimeout: readTimeout, shutdownGrace: shutdownGrace, authenticationFailureLimit: authFailureLimit,
                authenticationFailureWindow: authFailureWindow, authenticationFailureMaximumDelay: authFailureMaxDelay,
                logLevel: logLevel))
        let logLevel = configuration.logLevel
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, logLevel: logLevel) }
        let output = StandardOutput()
        try await ServerRunner.run(configuration, logger: Logger(label: "engel")) { event in
            output.write(ServeFormatting.describe(event))
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
        case .listening(let host, let port, let database):
            "Engel is listening on http://\(host):\(port)/v1/ (store: \(database)). Stop with Ctrl-C.\n"
        }
    }
}
