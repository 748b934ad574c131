import ArgumentParser
import EngelCore
import EngelServer
import EngelWire
import Foundation
import Logging

/// The account commands' work: open the store, act, print, close.
struct AccountActions {
    let configuration: ServerConfiguration
    /// The store to act on instead of opening the configured database (tests); left open.
    var store: (any EngelStore)?

    func create(name: String, json: Bool, to output: some TextOutput) async throws {
        try await withAdministration { administration in
            let (account, credentials) = try await administration.create(named: name)
            output.write(AccountFormatting.credentials(credentials, account: account.name.value, json: json))
        }
    }

    func list(json: Bool, to output: some TextOutput) async throws {
        try await withAdministration { administration in
            output.write(AccountFormatting.table(try await administration.list(), json: json))
        }
    }

    func setAPIAccess(_ enabled: Bool, name: String, to output: some TextOutput) async throws {
        try await withAdministration { administration in
            try await administration.setAPIAccess(enabled, named: name)
            output.write("API access for \(name) is \(enabled ? "on" : "off").\n")
        }
    }

    func rotate(name: String, json: Bool, to output: some TextOutput) async throws {
        try await withAdministration { administration in
            let credentials = try await administration.rotate(named: name)
            output.write(AccountFormatting.credentials(credentials, account: name, json: json))
        }
    }

    func delete(name: String, to output: some TextOutput) async throws {
        try await withAdministration { administration in
            try await administration.delete(named: name)
            output.write("Deleted account \(name) and its list.\n")
        }
    }

    /// `engel account load`: parses the file, reports every line that is not a number, and
    /// loads the rest in large transactions. Throws (exit status 1) when any line was invalid.
    func load(
        name: String, text: String, progress style: ProgressStyle, to output: some TextOutput,
        diagnostics: any TextOutput
    ) async throws {
        let parser = PhoneNumberParser(prefixes: configuration.mobilePrefixes)
        var numbers: [PhoneNumber] = []
        var invalid: [NumberLine] = []
        for line in NumberFile.parse(text) {
            if let number = try? parser.parse(line.text) { numbers.append(number) } else { invalid.append(line) }
        }
        try await withAdministration { administration in
            let reporter = ProgressReporter(label: "loading", total: numbers.count, style: style, output: diagnostics)
            reporter.begin()
            var reported = 0
            let added = try await administration.load(numbers, into: name) { done in
                reporter.advance(by: done - reported)
                reported = done
            }
            reporter.finish()
            output.write(
                "Loaded \(numbers.count) numbers into \(name): \(added) new, \(numbers.count - added) already listed"
                    + (invalid.isEmpty ? ".\n" : "; \(invalid.count) lines were not numbers.\n"))
        }
        guard invalid.isEmpty else {
            for line in invalid.prefix(20) {
                diagnostics.write("  line \(line.line)\t\(line.text)\tnot a mobile number\n")
            }
            if invalid.count > 20 { diagnostics.write("  … and \(invalid.count - 20) more\n") }
            throw ExitCode.failure
        }
    }

    /// `engel account audit`: the account's audit log, oldest first.
    func audit(name: String, json: Bool, to output: some TextOutput) async throws {
        try await withAdministration { administration in
            output.write(
                AccountFormatting.audit(try await administration.auditLog(named: name), account: name, json: json))
        }
    }

    /// `engel history erase`: erases one number's change records and reason, and says how many
    /// records went.
    func eraseHistory(account name: String, number text: String, to output: some TextOutput) async throws {
        let parser = PhoneNumberParser(prefixes: configuration.mobilePrefixes)
        guard let number = try? parser.parse(text) else {
            throw ValidationError("\(text) is not a Turkish mobile number")
        }
        try await withAdministration { administration in
            let erased = try await administration.eraseHistory(of: number, named: name)
            output.write(
                "Erased \(erased) change \(erased == 1 ? "record" : "records") of \(number.international) in \(name), "
                    + "and its reason if it is listed. The audit log records the erasure without the number.\n")
        }
    }

    private func withAdministration(_ body: (AccountAdministration) async throws -> Void) async throws {
        if let store {
            try await body(AccountAdministration(store: store))
            return
        }
        var logger = Logger(label: "engel")
        logger.logLevel = .warning
        let store = try await configuration.database.open(logger: logger)
        do {
            try await body(AccountAdministration(store: store))
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}

/// How accounts and credentials look on the terminal and as JSON.
enum AccountFormatting {
    static func credentials(_ credentials: IssuedCredentials, account: String, json: Bool) -> String {
        if json {
            struct Shown: Encodable {
                let name: String
                let key: String
                let secret: String
                let hash: String
            }
            return Layout.jsonLine(
                Shown(name: account, key: credentials.key, secret: credentials.secret, hash: credentials.hash))
        }
        return """
            Account: \(account)
            Key:     \(credentials.key)
            Secret:  \(credentials.secret)
            Hash:    \(credentials.hash)

            Clients send the key and the hash (or derive the hash from the secret). They are shown
            only now: Engel keeps a digest of the hash, never the hash itself.

            """
    }

    static func table(_ accounts: [Account], json: Bool) -> String {
        if json {
            struct Listed: Encodable {
                let name: String
                let key: String
                let apiAccess: Bool
                let createdAt: String
            }
            return Layout.jsonLine(
                accounts.map {
                    Listed(
                        name: $0.name.value, key: $0.apiKey, apiAccess: $0.apiEnabled,
                        createdAt: TurkeyTime.format($0.createdAt))
                })
        }
        guard !accounts.isEmpty else { return "No accounts. Create one with: engel account create NAME\n" }
        let nameWidth = max(4, accounts.map(\.name.value.count).max() ?? 0)
        var lines = ["\(Layout.pad("NAME", nameWidth))  \(Layout.pad("KEY", 32))  API  CREATED (Turkey time)"]
        for account in accounts {
            lines.append(
                "\(Layout.pad(account.name.value, nameWidth))  \(account.apiKey)  \(Layout.pad(account.apiEnabled ? "on" : "off", 3))  "
                    + TurkeyTime.format(account.createdAt))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The audit log as a table (Turkey time) or JSON; it never holds a number or a credential.
    static func audit(_ records: [AuditRecord], account: String, json: Bool) -> String {
        if json {
            struct Shown: Encodable {
                let seq: Int64
                let at: String
                let action: String
                let actor: String
                let detail: String?

                private enum CodingKeys: String, CodingKey { case seq, at, action, actor, detail }

                func encode(to encoder: any Encoder) throws {
                    var container = encoder.container(keyedBy: CodingKeys.self)
                    try container.encode(seq, forKey: .seq)
                    try container.encode(at, forKey: .at)
                    try container.encode(action, forKey: .action)
                    try container.encode(actor, forKey: .actor)
                    try container.encode(detail, forKey: .detail)
                }
            }
            return Layout.jsonLine(
                records.map {
                    Shown(
                        seq: $0.seq, at: TurkeyTime.format($0.at), action: $0.action.rawValue,
                        actor: $0.actor.description, detail: $0.detail)
                })
        }
        guard !records.isEmpty else { return "No audit records for \(account).\n" }
        let actionWidth = max(6, records.map(\.action.rawValue.count).max() ?? 0)
        let actorWidth = max(5, records.map(\.actor.description.count).max() ?? 0)
        var lines = [
            "\(Layout.pad("AT (Turkey time)", 19))  \(Layout.pad("ACTION", actionWidth))  \(Layout.pad("ACTOR", actorWidth))  DETAIL"
        ]
        for record in records {
            lines.append(
                "\(TurkeyTime.format(record.at))  \(Layout.pad(record.action.rawValue, actionWidth))  "
                    + "\(Layout.pad(record.actor.description, actorWidth))  \(record.detail ?? "")")
        }
        return lines.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n") + "\n"
    }
}
