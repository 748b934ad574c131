import EngelCore
import EngelServer
import Foundation
import Logging

/// The panel-user commands' work: open the store, act, print, close.
struct PanelUserActions {
    let configuration: ServerConfiguration
    /// The store to act on instead of opening the configured database (tests); left open.
    var store: (any EngelStore)?

    /// `engel panel-user create`: `account` names the account of a viewer or an operator, `nil`
    /// makes an admin.
    func create(
        name: String, kind: PanelRole.Kind, account: String?, password: String, to output: some TextOutput
    ) async throws {
        let role = try PanelRole(kind, account: try account.map { try AccountName($0) })
        let password = try PanelPassword(password)
        try await withAdministration { administration in
            let user = try await administration.create(named: name, role: role, password: password)
            output.write("Created panel user \(user.name) (\(user.role)).\n")
        }
    }

    func list(json: Bool, to output: some TextOutput) async throws {
        try await withAdministration { administration in
            output.write(PanelUserFormatting.table(try await administration.list(), json: json))
        }
    }

    func setDisabled(_ disabled: Bool, name: String, to output: some TextOutput) async throws {
        try await withAdministration { administration in
            try await administration.setDisabled(disabled, named: name)
            output.write(
                disabled
                    ? "Disabled panel user \(name) and ended its sessions.\n" : "Enabled panel user \(name).\n")
        }
    }

    func resetPassword(name: String, password: String, to output: some TextOutput) async throws {
        let password = try PanelPassword(password)
        try await withAdministration { administration in
            try await administration.resetPassword(named: name, to: password)
            output.write("Set a new password for panel user \(name) and ended its sessions.\n")
        }
    }

    func delete(name: String, to output: some TextOutput) async throws {
        try await withAdministration { administration in
            try await administration.delete(named: name)
            output.write("Deleted panel user \(name) and ended its sessions.\n")
        }
    }

    private func withAdministration(_ body: (PanelUserAdministration) async throws -> Void) async throws {
        let passwords = PanelPasswords(cost: configuration.panelPasswordCost)
        if let store {
            try await body(PanelUserAdministration(store: store, passwords: passwords))
            return
        }
        var logger = Logger(label: "engel")
        logger.logLevel = .warning
        let store = try await configuration.database.open(logger: logger)
        do {
            try await body(PanelUserAdministration(store: store, passwords: passwords))
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}

/// How panel users look on the terminal and as JSON; never with a password hash.
enum PanelUserFormatting {
    static func table(_ users: [PanelUser], json: Bool) -> String {
        if json {
            struct Listed: Encodable {
                let name: String
                let role: String
                let account: String?
                let disabled: Bool
                let createdAt: String

                private enum CodingKeys: String, CodingKey { case name, role, account, disabled, createdAt }

                func encode(to encoder: any Encoder) throws {
                    var container = encoder.container(keyedBy: CodingKeys.self)
                    try container.encode(name, forKey: .name)
                    try container.encode(role, forKey: .role)
                    // Written as null for an admin, so every object has the same keys.
                    try container.encode(account, forKey: .account)
                    try container.encode(disabled, forKey: .disabled)
                    try container.encode(createdAt, forKey: .createdAt)
                }
            }
            return Layout.jsonLine(
                users.map {
                    Listed(
                        name: $0.name.value, role: $0.role.kind.rawValue, account: $0.account?.value,
                        disabled: $0.disabled, createdAt: TurkeyTime.format($0.createdAt))
                })
        }
        guard !users.isEmpty else {
            return "No panel users. Create one with: engel panel-user create NAME --account ACCOUNT\n"
        }
        let nameWidth = max(4, users.map(\.name.value.count).max() ?? 0)
        let accountWidth = max(7, users.map { $0.account?.value.count ?? 1 }.max() ?? 0)
        var lines = [
            "\(Layout.pad("NAME", nameWidth))  ROLE      \(Layout.pad("ACCOUNT", accountWidth))  STATUS    CREATED (Turkey time)"
        ]
        for user in users {
            lines.append(
                "\(Layout.pad(user.name.value, nameWidth))  \(Layout.pad(user.role.kind.rawValue, 8))  "
                    + "\(Layout.pad(user.account?.value ?? "*", accountWidth))  "
                    + "\(Layout.pad(user.disabled ? "disabled" : "enabled", 8))  \(TurkeyTime.format(user.createdAt))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
