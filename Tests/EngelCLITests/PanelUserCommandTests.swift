import ArgumentParser
import EngelCore
import EngelServer
import EngelStores
import EngelTestSupport
import Foundation
import Logging
import Testing

@testable import EngelCLI

/// A configuration on a new SQLite file whose panel passwords are hashed at bcrypt's lowest cost,
/// so the tests spend milliseconds, not seconds, on each.
func temporaryPanelConfiguration() throws -> ServerConfiguration {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("engel-cli-\(UUID().uuidString)").appendingPathComponent("engel.sqlite").path
    return try ServerConfiguration.resolve([.database: "sqlite:" + path, .panelPasswordCost: "4"], environment: [:])
}

@Suite("engel panel-user")
struct PanelUserCommandTests {
    let password = "doğru-parola-1"

    @Test("create makes operators, viewers and admins; list shows them without their password hashes")
    func createAndList() async throws {
        let configuration = try temporaryPanelConfiguration()
        #expect(configuration.panelPasswordCost == 4)
        try await AccountActions(configuration: configuration).create(name: "acme", json: true, to: CapturedOutput())
        let actions = PanelUserActions(configuration: configuration)
        let created = CapturedOutput()
        try await actions.create(name: "Ayse", kind: .operator, account: "acme", password: password, to: created)
        #expect(created.contents == "Created panel user ayse (operator of acme).\n")
        try await actions.create(
            name: "bora", kind: .viewer, account: "acme", password: password, to: CapturedOutput())
        try await actions.create(name: "root", kind: .admin, account: nil, password: password, to: CapturedOutput())

        let table = CapturedOutput()
        try await actions.list(json: false, to: table)
        let lines = table.contents.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("NAME  ROLE      ACCOUNT  STATUS    CREATED"))
        #expect(lines[1].hasPrefix("ayse  operator  acme     enabled   "))
        #expect(lines[2].hasPrefix("bora  viewer    acme     enabled   "))
        #expect(lines[3].hasPrefix("root  admin     *        enabled   "))
        #expect(!table.contents.contains("$2b$"))

        let json = CapturedOutput()
        try await actions.list(json: true, to: json)
        struct Listed: Decodable, Equatable {
            let name: String
            let role: String
            let account: String?
            let disabled: Bool
        }
        let listed = try JSONDecoder().decode([Listed].self, from: Data(json.contents.utf8))
        #expect(
            listed == [
                Listed(name: "ayse", role: "operator", account: "acme", disabled: false),
                Listed(name: "bora", role: "viewer", account: "acme", disabled: false),
                Listed(name: "root", role: "admin", account: nil, disabled: false),
            ])
        #expect(json.contents.contains(#""account":null"#))
        #expect(!json.contents.contains("$2b$"))

        let store = try await configuration.database.open(logger: Logger(label: "engel-tests"))
        let ayse = try #require(try await store.panelUser(named: PanelUserName("ayse")))
        #expect(ayse.passwordHash.encoded.hasPrefix("$2b$04$"))
        let log = try await store.auditLog(forAccountNamed: AccountName("acme"))
        #expect(log.map(\.action) == [.created, .panelUserCreated, .panelUserCreated])
        #expect(log.map(\.detail) == [nil, "ayse (operator)", "bora (viewer)"])
        #expect(log.allSatisfy { $0.actor == .cli })
        await store.close()
    }

    @Test("create refuses a taken name, a missing account, a bad name and a weak password")
    func createRefusals() async throws {
        let configuration = try temporaryPanelConfiguration()
        try await AccountActions(configuration: configuration).create(name: "acme", json: true, to: CapturedOutput())
        let actions = PanelUserActions(configuration: configuration)
        try await actions.create(
            name: "ayse", kind: .operator, account: "acme", password: password, to: CapturedOutput())

        await #expect(throws: StoreError.panelUserExists(try PanelUserName("ayse"))) {
            try await actions.create(name: "AYSE", kind: .admin, account: nil, password: password, to: CapturedOutput())
        }
        await #expect(throws: AccountNotFound.self) {
            try await actions.create(
                name: "cem", kind: .viewer, account: "globex", password: password, to: CapturedOutput())
        }
        await #expect(throws: PanelUserNameError.self) {
            try await actions.create(
                name: "ayşe", kind: .viewer, account: "acme", password: password, to: CapturedOutput())
        }
        await #expect(throws: PanelPasswordError.tooShort) {
            try await actions.create(
                name: "cem", kind: .viewer, account: "acme", password: "kısa", to: CapturedOutput())
        }
        await #expect(throws: PanelPasswordError.tooLong) {
            try await actions.create(
                name: "cem", kind: .viewer, account: "acme", password: String(repeating: "ş", count: 37),
                to: CapturedOutput())
        }
        await #expect(throws: PanelPasswordError.controlCharacters) {
            try await actions.create(
                name: "cem", kind: .viewer, account: "acme", password: "parola\tparola", to: CapturedOutput())
        }
        let listed = CapturedOutput()
        try await actions.list(json: true, to: listed)
        #expect(!listed.contents.contains("cem"))
    }

    @Test("create's flags: an account or --admin, and a role only with an account")
    func createFlags() throws {
        func kind(_ arguments: [String]) throws -> PanelRole.Kind {
            let command = try #require(
                try EngelCommand.parseAsRoot(["panel-user", "create"] + arguments) as? PanelUserCommand.Create)
            return try command.kind()
        }
        #expect(try kind(["ayse", "--account", "acme"]) == .operator)
        #expect(try kind(["ayse", "--account", "acme", "--role", "viewer"]) == .viewer)
        #expect(try kind(["ayse", "--account", "acme", "--role", "operator"]) == .operator)
        #expect(try kind(["root", "--admin"]) == .admin)
        for refused in [
            ["ayse"], ["ayse", "--role", "viewer"], ["ayse", "--admin", "--account", "acme"],
            ["ayse", "--admin", "--role", "viewer"], ["ayse", "--account", "acme", "--role", "admin"],
        ] {
            #expect(throws: (any Error).self, "\(refused)") {
                try EngelCommand.parseAsRoot(["panel-user", "create"] + refused)
            }
        }
    }

    @Test("disable, reset-password and delete end the user's sessions; enable brings none back")
    func sessionsEnd() async throws {
        let configuration = try temporaryPanelConfiguration()
        try await AccountActions(configuration: configuration).create(name: "acme", json: true, to: CapturedOutput())
        let actions = PanelUserActions(configuration: configuration)
        try await actions.create(
            name: "ayse", kind: .operator, account: "acme", password: password, to: CapturedOutput())
        let store = try await configuration.database.open(logger: Logger(label: "engel-tests"))
        let ayse = try PanelUserName("ayse")
        func live(_ token: PanelSessionToken) async throws -> Bool {
            try await store.livePanelSession(token: token, at: Date(), policy: .standard) != nil
        }

        let first = try #require(try await store.startPanelSession(user: ayse, at: Date())).token
        let disabled = CapturedOutput()
        try await actions.setDisabled(true, name: "ayse", to: disabled)
        #expect(disabled.contents == "Disabled panel user ayse and ended its sessions.\n")
        #expect(try await !live(first))
        #expect(try await store.startPanelSession(user: ayse, at: Date()) == nil)
        let listed = CapturedOutput()
        try await actions.list(json: false, to: listed)
        #expect(listed.contents.contains(" disabled "))
        try await actions.setDisabled(false, name: "ayse", to: CapturedOutput())
        #expect(try await !live(first))

        let second = try #require(try await store.startPanelSession(user: ayse, at: Date())).token
        let before = try #require(try await store.panelUser(named: ayse)).passwordHash
        try await actions.resetPassword(name: "ayse", password: "yeni-parola-2", to: CapturedOutput())
        #expect(try await !live(second))
        #expect(try await store.panelUser(named: ayse)?.passwordHash != before)

        let third = try #require(try await store.startPanelSession(user: ayse, at: Date())).token
        try await actions.delete(name: "ayse", to: CapturedOutput())
        #expect(try await !live(third))
        #expect(try await store.panelUser(named: ayse) == nil)

        let changes: [() async throws -> Void] = [
            { try await actions.setDisabled(true, name: "ayse", to: CapturedOutput()) },
            { try await actions.setDisabled(false, name: "ayse", to: CapturedOutput()) },
            { try await actions.resetPassword(name: "ayse", password: password, to: CapturedOutput()) },
            { try await actions.delete(name: "ayse", to: CapturedOutput()) },
        ]
        for change in changes {
            await #expect(throws: PanelUserNotFound.self) { try await change() }
        }

        let log = try await store.auditLog(forAccountNamed: AccountName("acme")).map(\.action)
        #expect(
            log == [
                .created, .panelUserCreated, .panelUserDisabled, .panelUserEnabled, .panelPasswordReset,
                .panelUserDeleted,
            ])
        await store.close()
    }

    @Test("a password piped in is its first line, without a Windows line end")
    func pipedPassword() {
        #expect(PasswordInput.firstLine("doğru-parola-1\r") == "doğru-parola-1")
        #expect(PasswordInput.firstLine("doğru-parola-1") == "doğru-parola-1")
    }

    @Test(
        "every panel-user command parses, and its help has an example and --database",
        arguments: [
            ["panel-user", "create", "ayse", "--account", "acme"], ["panel-user", "create", "root", "--admin"],
            ["panel-user", "list", "--json"], ["panel-user", "disable", "ayse"], ["panel-user", "enable", "ayse"],
            ["panel-user", "reset-password", "ayse"], ["panel-user", "delete", "ayse"],
        ])
    func help(arguments: [String]) throws {
        let command = try EngelCommand.parseAsRoot(arguments)
        let help = EngelCommand.helpMessage(for: type(of: command))
        #expect(help.contains("Example"))
        #expect(help.contains("--database"))
        #expect(!type(of: command).configuration.abstract.isEmpty)
        #expect(EngelCommand.helpMessage().contains("panel-user"))
    }

    @Test(
        "the panel-user commands work the same on PostgreSQL",
        .enabled(if: TestDatabases.postgresServer != nil, TestDatabases.postgresSkipReason))
    func onPostgres() async throws {
        let server = try #require(TestDatabases.postgresServer)
        let database = try await TestDatabases.makePostgresDatabase(on: server)
        let url =
            "postgres://\(database.username)@\(database.host):\(database.port)/\(database.database)"
            + "?sslmode=disable"
        let configuration = try ServerConfiguration.resolve(
            [.database: url, .panelPasswordCost: "4"], environment: [:])
        try await AccountActions(configuration: configuration).create(name: "acme", json: true, to: CapturedOutput())
        let actions = PanelUserActions(configuration: configuration)
        try await actions.create(
            name: "ayse", kind: .operator, account: "acme", password: password, to: CapturedOutput())
        try await actions.create(name: "root", kind: .admin, account: nil, password: password, to: CapturedOutput())
        await #expect(throws: StoreError.panelUserExists(try PanelUserName("root"))) {
            try await actions.create(name: "root", kind: .admin, account: nil, password: password, to: CapturedOutput())
        }
        try await actions.setDisabled(true, name: "ayse", to: CapturedOutput())
        try await actions.resetPassword(name: "root", password: "yeni-parola-2", to: CapturedOutput())
        try await actions.delete(name: "root", to: CapturedOutput())
        let listed = CapturedOutput()
        try await actions.list(json: true, to: listed)
        #expect(listed.contents.contains(#""disabled":true"#))
        #expect(!listed.contents.contains("root"))
        try await AccountActions(configuration: configuration).delete(name: "acme", to: CapturedOutput())
        let empty = CapturedOutput()
        try await actions.list(json: false, to: empty)
        #expect(empty.contents.hasPrefix("No panel users."))
    }
}
