import ArgumentParser
import EngelCore
import EngelServer
import EngelStores
import EngelTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import EngelCLI

/// Collects what a command prints.
final class CapturedOutput: TextOutput {
    private let text = Mutex("")

    func write(_ string: String) { text.withLock { $0 += string } }

    var contents: String { text.withLock { $0 } }
}

func temporaryConfiguration() throws -> ServerConfiguration {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("engel-cli-\(UUID().uuidString)").appendingPathComponent("engel.sqlite").path
    return try ServerConfiguration.resolve([.database: "sqlite:" + path], environment: [:])
}

@Suite("engel account")
struct AccountCommandTests {
    @Test("create prints key, secret and hash once; list shows the account without the hash")
    func createAndList() async throws {
        let actions = AccountActions(configuration: try temporaryConfiguration())
        let created = CapturedOutput()
        try await actions.create(name: "acme", json: true, to: created)
        struct Shown: Decodable {
            let name: String
            let key: String
            let secret: String
            let hash: String
        }
        let shown = try JSONDecoder().decode(Shown.self, from: Data(created.contents.utf8))
        #expect(shown.name == "acme")
        #expect(shown.hash == IssuedCredentials.derivedHash(key: shown.key, secret: shown.secret))

        let listed = CapturedOutput()
        try await actions.list(json: false, to: listed)
        #expect(listed.contents.contains("acme"))
        #expect(listed.contents.contains(shown.key))
        #expect(listed.contents.contains(" on "))
        #expect(!listed.contents.contains(shown.hash))
        #expect(!listed.contents.contains(shown.secret))

        let text = CapturedOutput()
        try await actions.create(name: "globex", json: false, to: text)
        #expect(text.contents.contains("Key:"))
        #expect(text.contents.contains("Hash:"))
    }

    @Test("disable-api, enable-api, rotate and delete change what the store holds")
    func lifecycle() async throws {
        let configuration = try temporaryConfiguration()
        let actions = AccountActions(configuration: configuration)
        try await actions.create(name: "acme", json: true, to: CapturedOutput())
        try await actions.setAPIAccess(false, name: "acme", to: CapturedOutput())
        let listed = CapturedOutput()
        try await actions.list(json: true, to: listed)
        #expect(listed.contents.contains(#""apiAccess":false"#))
        try await actions.setAPIAccess(true, name: "acme", to: CapturedOutput())

        let rotated = CapturedOutput()
        try await actions.rotate(name: "acme", json: true, to: rotated)
        #expect(rotated.contents.contains(#""hash":"#))

        try await actions.delete(name: "acme", to: CapturedOutput())
        let empty = CapturedOutput()
        try await actions.list(json: false, to: empty)
        #expect(empty.contents.hasPrefix("No accounts."))
    }

    @Test("load puts a file's numbers straight into the list and reports the lines that are not numbers")
    func load() async throws {
        let configuration = try temporaryConfiguration()
        let actions = AccountActions(configuration: configuration)
        try await actions.create(name: "acme", json: true, to: CapturedOutput())
        let lines = (0..<5000).map { "+90 532 \(String(format: "%07d", $0))" }
        let text = "number\n" + lines.joined(separator: "\n") + "\nnot a number\n905321234\n"
        let output = CapturedOutput()
        let diagnostics = CapturedOutput()
        await #expect(throws: ExitCode.failure) {
            try await actions.load(
                name: "acme", text: text, progress: .silent, to: output, diagnostics: diagnostics)
        }
        #expect(
            output.contents == "Loaded 5000 numbers into acme: 5000 new, 0 already listed; 2 lines were not numbers.\n")
        #expect(diagnostics.contents.contains("line 5002\tnot a number"))
        #expect(diagnostics.contents.contains("line 5003\t905321234"))

        let again = CapturedOutput()
        try await actions.load(
            name: "acme", text: lines.prefix(10).joined(separator: "\n"), progress: .silent, to: again,
            diagnostics: CapturedOutput())
        #expect(again.contents == "Loaded 10 numbers into acme: 0 new, 10 already listed.\n")

        let store = try await configuration.database.open(logger: Logger(label: "engel-tests"))
        let account = try #require(try await store.account(named: AccountName("acme")))
        let page = try await store.page(for: account.id, filter: .none, page: PageRequest(page: 50, rowCount: 100))
        #expect(page.count == 5000)
        #expect(page.numbers.last == (try PhoneNumberParser().parse("905320004999")))
        await store.close()
        await #expect(throws: AccountNotFound.self) {
            try await actions.load(
                name: "nobody", text: "905321234567", progress: .silent, to: CapturedOutput(),
                diagnostics: CapturedOutput())
        }
    }

    @Test(
        "the account commands work the same on PostgreSQL",
        .enabled(if: TestDatabases.postgresServer != nil, TestDatabases.postgresSkipReason))
    func onPostgres() async throws {
        let server = try #require(TestDatabases.postgresServer)
        let database = try await TestDatabases.makePostgresDatabase(on: server)
        let url =
            "postgres://\(database.username)@\(database.host):\(database.port)/\(database.database)"
            + "?sslmode=disable"
        let configuration = try ServerConfiguration.resolve([.database: url], environment: [:])
        let actions = AccountActions(configuration: configuration)
        let created = CapturedOutput()
        try await actions.create(name: "acme", json: true, to: created)
        #expect(created.contents.contains(#""hash":"#))
        await #expect(throws: StoreError.accountExists(try AccountName("acme"))) {
            try await actions.create(name: "acme", json: false, to: CapturedOutput())
        }
        try await actions.setAPIAccess(false, name: "acme", to: CapturedOutput())
        let listed = CapturedOutput()
        try await actions.list(json: true, to: listed)
        #expect(listed.contents.contains(#""apiAccess":false"#))
        try await actions.rotate(name: "acme", json: true, to: CapturedOutput())
        try await actions.delete(name: "acme", to: CapturedOutput())
        let empty = CapturedOutput()
        try await actions.list(json: false, to: empty)
        #expect(empty.contents.hasPrefix("No accounts."))
    }

    @Test("clear errors: a taken name, an unknown account, a bad name")
    func errors() async throws {
        let actions = AccountActions(configuration: try temporaryConfiguration())
        try await actions.create(name: "acme", json: false, to: CapturedOutput())
        await #expect(throws: StoreError.accountExists(try AccountName("acme"))) {
            try await actions.create(name: "acme", json: false, to: CapturedOutput())
        }
        await #expect(throws: AccountNotFound.self) {
            try await actions.rotate(name: "nobody", json: false, to: CapturedOutput())
        }
        await #expect(throws: AccountNameError.self) {
            try await actions.create(name: "no spaces", json: false, to: CapturedOutput())
        }
    }
}

@Suite("engel command line")
struct CommandLineTests {
    @Test(
        "every command parses and has help with an example",
        arguments: [
            ["serve"], ["migrate"], ["backup", "copy.sqlite"], ["account", "create", "acme"], ["account", "list"],
            ["account", "disable-api", "acme"],
            ["account", "enable-api", "acme"], ["account", "rotate", "acme"], ["account", "delete", "acme", "--yes"],
            ["account", "load", "acme", "numbers.csv"],
            ["add", "905321234567"], ["remove", "905321234567", "--ignore-missing"], ["list", "--csv"],
            ["check", "905321234567"], ["import", "numbers.csv", "--concurrency", "4"], ["export", "--csv"],
        ])
    func parsing(arguments: [String]) throws {
        let command = try EngelCommand.parseAsRoot(arguments)
        let help = EngelCommand.helpMessage(for: type(of: command))
        #expect(help.contains("Example"))
        #expect(
            help.contains("--database") || arguments == ["serve"] && help.contains("--host")
                || help.contains("--url") && help.contains("--key") && help.contains("--hash"))
    }

    @Test("--version prints engel, the version and the commit")
    func version() {
        #expect(EngelCommand.configuration.version == "engel \(EngelVersion.text)")
        #expect(EngelCommand.configuration.version.hasPrefix("engel \(EngelVersion.number) ("))
    }

    @Test("the root help names the commands")
    func rootHelp() {
        let help = EngelCommand.helpMessage()
        #expect(help.contains("serve"))
        #expect(help.contains("account"))
        for command in ["add", "remove", "list", "check", "import", "export"] {
            #expect(help.contains(command))
        }
    }

    @Test("account delete requires --yes")
    func deleteNeedsConfirmation() {
        #expect(throws: (any Error).self) { try EngelCommand.parseAsRoot(["account", "delete", "acme"]) }
    }

    @Test("serve takes --host, --port, --database, --max-body-bytes and --log-level")
    func serveFlags() throws {
        let command = try #require(
            try EngelCommand.parseAsRoot([
                "serve", "--host", "0.0.0.0", "--port", "9000", "--database", "sqlite:/tmp/x.sqlite",
                "--max-body-bytes", "4096", "--log-level", "debug",
            ]) as? ServeCommand)
        #expect(command.host == "0.0.0.0")
        #expect(command.port == 9000)
        #expect(command.store.database == "sqlite:/tmp/x.sqlite")
        #expect(command.maxBodyBytes == 4096)
        #expect(command.logLevel == "debug")
    }
}

@Suite("Server configuration")
struct ConfigurationTests {
    @Test("flags win over the environment, which wins over the defaults")
    func precedence() throws {
        let environment = [
            "ENGEL_HOST": "0.0.0.0", "ENGEL_PORT": "9001", "ENGEL_DATABASE": "/data/env.sqlite",
            "ENGEL_MAX_BODY_BYTES": "2048", "ENGEL_MAX_BULK_BODY_BYTES": "4096", "ENGEL_LOG_LEVEL": "debug",
            "HOME": "/home/u",
        ]
        let fromEnvironment = try ServerConfiguration.resolve(.init(), environment: environment)
        #expect(fromEnvironment.host == "0.0.0.0")
        #expect(fromEnvironment.port == 9001)
        #expect(fromEnvironment.database == .sqlite(path: "/data/env.sqlite"))
        #expect(fromEnvironment.maximumBodyBytes == 2048)
        #expect(fromEnvironment.maximumBulkBodyBytes == 4096)
        #expect(fromEnvironment.logLevel == .debug)

        let fromFlags = try ServerConfiguration.resolve(
            [.host: "127.0.0.2", .port: "9002", .database: "sqlite:/data/flag.sqlite", .logLevel: "error"],
            environment: environment)
        #expect(fromFlags.host == "127.0.0.2")
        #expect(fromFlags.port == 9002)
        #expect(fromFlags.database == .sqlite(path: "/data/flag.sqlite"))
        #expect(fromFlags.logLevel == .error)

        let defaults = try ServerConfiguration.resolve(.init(), environment: ["HOME": "/home/u"])
        #expect(defaults.host == "127.0.0.1")
        #expect(defaults.port == 8080)
        #expect(defaults.database == .sqlite(path: "/home/u/.local/share/engel/engel.sqlite"))
        #expect(defaults.maximumBodyBytes == 65536)
        #expect(defaults.maximumBulkBodyBytes == 2_097_152)
        let xdg = try ServerConfiguration.resolve(.init(), environment: ["XDG_DATA_HOME": "/xdg"])
        #expect(xdg.database == .sqlite(path: "/xdg/engel/engel.sqlite"))
    }

    @Test("the /metrics token comes from the environment, and a short or spaced one is refused")
    func metricsToken() throws {
        let home = ["HOME": "/home/u"]
        #expect(try ServerConfiguration.resolve(.init(), environment: home).metricsToken == nil)
        let token = String(repeating: "ab", count: 16)
        let configured = try ServerConfiguration.resolve(
            .init(), environment: home.merging(["ENGEL_METRICS_TOKEN": token]) { $1 })
        #expect(configured.metricsToken == token)
        for bad in ["short", "sixteen chars ok", String(repeating: "x", count: 513)] {
            #expect(throws: ConfigurationError.self) {
                try ServerConfiguration.resolve(.init(), environment: home.merging(["ENGEL_METRICS_TOKEN": bad]) { $1 })
            }
        }
    }

    @Test("timeouts, the shutdown grace and the 401 slowdown: defaults, environment, flags")
    func reliabilitySettings() throws {
        let defaults = try ServerConfiguration.resolve(.init(), environment: ["HOME": "/home/u"])
        #expect(defaults.idleTimeout == .seconds(30))
        #expect(defaults.readTimeout == .seconds(10))
        #expect(defaults.shutdownGrace == .seconds(10))
        #expect(defaults.authenticationSlowdown == AuthenticationSlowdown())
        let environment = [
            "ENGEL_IDLE_TIMEOUT": "2.5", "ENGEL_READ_TIMEOUT": "3", "ENGEL_SHUTDOWN_GRACE": "0",
            "ENGEL_AUTH_FAILURE_LIMIT": "4", "ENGEL_AUTH_FAILURE_WINDOW": "120", "ENGEL_AUTH_FAILURE_MAX_DELAY": "0",
            "HOME": "/home/u",
        ]
        let fromEnvironment = try ServerConfiguration.resolve(.init(), environment: environment)
        #expect(fromEnvironment.idleTimeout == .milliseconds(2500))
        #expect(fromEnvironment.readTimeout == .seconds(3))
        #expect(fromEnvironment.shutdownGrace == .zero)
        #expect(
            fromEnvironment.authenticationSlowdown
                == AuthenticationSlowdown(allowedFailures: 4, window: .seconds(120), maximumDelay: .zero))
        let fromFlags = try ServerConfiguration.resolve(
            [
                .idleTimeout: "60", .readTimeout: "0.5", .shutdownGrace: "30", .authenticationFailureLimit: "20",
                .authenticationFailureWindow: "10", .authenticationFailureMaximumDelay: "2",
            ],
            environment: environment)
        #expect(fromFlags.idleTimeout == .seconds(60))
        #expect(fromFlags.readTimeout == .milliseconds(500))
        #expect(fromFlags.shutdownGrace == .seconds(30))
        #expect(
            fromFlags.authenticationSlowdown
                == AuthenticationSlowdown(allowedFailures: 20, window: .seconds(10), maximumDelay: .seconds(2)))
    }

    @Test(
        "bad values are clear errors",
        arguments: [
            ["ENGEL_PORT": "eighty"], ["ENGEL_PORT": "70000"], ["ENGEL_LOG_LEVEL": "loud"],
            ["ENGEL_MAX_BODY_BYTES": "12"], ["ENGEL_MAX_BULK_BODY_BYTES": "255"], ["ENGEL_DATABASE": "sqlite:"],
            ["ENGEL_DATABASE": "postgres://h/db"], ["ENGEL_DATABASE": "postgres://u@h"],
            ["ENGEL_DATABASE": "postgres://u@h/db?sslmode=maybe"], ["ENGEL_IDLE_TIMEOUT": "0"],
            ["ENGEL_IDLE_TIMEOUT": "soon"], ["ENGEL_READ_TIMEOUT": "-1"], ["ENGEL_SHUTDOWN_GRACE": "nan"],
            ["ENGEL_AUTH_FAILURE_LIMIT": "0"], ["ENGEL_AUTH_FAILURE_WINDOW": "0.5"],
            ["ENGEL_AUTH_FAILURE_MAX_DELAY": "61"],
        ])
    func badValues(environment: [String: String]) {
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.resolve(.init(), environment: environment) }
    }

    @Test(
        "each kind of bad value has its own message",
        arguments: [
            ("ENGEL_PORT", "eighty", "the port must be a number from 0 to 65535"),
            ("ENGEL_MAX_BODY_BYTES", "255", "the body limit must be a number of bytes, at least 256"),
            ("ENGEL_MAX_BULK_BODY_BYTES", "x", "the bulk body limit must be a number of bytes, at least 256"),
            ("ENGEL_IDLE_TIMEOUT", "0", "the idle timeout must be a number of seconds from 0.1 to 86400"),
            ("ENGEL_READ_TIMEOUT", "-1", "the read timeout must be a number of seconds from 0.1 to 86400"),
            ("ENGEL_SHUTDOWN_GRACE", "nan", "the shutdown grace period must be a number of seconds from 0 to 3600"),
            ("ENGEL_AUTH_FAILURE_LIMIT", "0", "the authentication failure limit must be a whole number, at least 1"),
            (
                "ENGEL_AUTH_FAILURE_WINDOW", "0.5",
                "the authentication failure window must be a number of seconds from 1 to 86400"
            ),
            (
                "ENGEL_AUTH_FAILURE_MAX_DELAY", "61",
                "the authentication failure delay must be a number of seconds from 0 to 60"
            ),
            (
                "ENGEL_LOG_LEVEL", "loud",
                "unknown log level loud: use trace, debug, info, notice, warning, error or critical"
            ),
            ("ENGEL_DATABASE", "sqlite:", "the SQLite location sqlite: names no file"),
            (
                "ENGEL_METRICS_TOKEN", "short",
                "ENGEL_METRICS_TOKEN must be 16 to 512 visible ASCII characters (no spaces), such as the output of `openssl rand -hex 32`"
            ),
        ])
    func badValueMessages(name: String, value: String, message: String) {
        let error = #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.resolve(.init(), environment: [name: value, "HOME": "/home/u"])
        }
        #expect(error?.description == message)
    }

    @Test("a flag given as text is read as its environment variable would be, and wins over it")
    func flagText() throws {
        let configuration = try ServerConfiguration.resolve(
            [.maximumBulkBodyBytes: "1024", .idleTimeout: "0.25"],
            environment: ["ENGEL_MAX_BULK_BODY_BYTES": "9999", "HOME": "/home/u"])
        #expect(configuration.maximumBulkBodyBytes == 1024)
        #expect(configuration.idleTimeout == .milliseconds(250))
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.resolve([.port: "http"], environment: ["HOME": "/home/u"])
        }
    }

    @Test(
        "database locations",
        arguments: [
            ("sqlite:/a/b.sqlite", "/a/b.sqlite"), ("sqlite:///a/b.sqlite", "/a/b.sqlite"),
            ("/a/b.sqlite", "/a/b.sqlite"), ("rel.sqlite", "rel.sqlite"),
        ])
    func locations(text: String, path: String) throws {
        #expect(try DatabaseLocation(parsing: text) == .sqlite(path: path))
    }
}

@Suite("engel migrate")
struct MigrateCommandTests {
    @Test("the first run migrates a new database, the second finds it up to date")
    func twice() async throws {
        let configuration = try temporaryConfiguration()
        let logger = Logger(label: "engel-tests")
        let first = try await configuration.database.migrate(logger: logger)
        #expect(first.fromVersion == 0 && first.appliedAny)
        let text = MigrateFormatting.describe(first, database: "engel.sqlite")
        #expect(text == "Migrated engel.sqlite from schema version 0 to \(first.toVersion).\n")
        let second = try await configuration.database.migrate(logger: logger)
        #expect(!second.appliedAny)
        #expect(
            MigrateFormatting.describe(second, database: "engel.sqlite")
                == "engel.sqlite is up to date (schema version \(first.toVersion)).\n")
    }

    @Test(
        "on PostgreSQL too: the first run migrates a new database, the second finds it up to date",
        .enabled(if: TestDatabases.postgresServer != nil, TestDatabases.postgresSkipReason))
    func twiceOnPostgres() async throws {
        let server = try #require(TestDatabases.postgresServer)
        let database = DatabaseLocation.postgres(try await TestDatabases.makePostgresDatabase(on: server))
        let logger = Logger(label: "engel-tests")
        let first = try await database.migrate(logger: logger)
        #expect(first.fromVersion == 0 && first.appliedAny)
        let second = try await database.migrate(logger: logger)
        #expect(!second.appliedAny && second.toVersion == first.toVersion)
    }
}
