import ArgumentParser
import EngelCore
import EngelServer
import EngelStores
import Foundation
import Testing

@testable import EngelCLI

/// `engel account audit` and `engel history erase`, acting on the store directly.
@Suite("engel account audit and history erase")
struct AuditCommandTests {
    /// The commands over `store`, as they act on the configured database.
    static func actions(over store: any EngelStore) throws -> AccountActions {
        AccountActions(configuration: try temporaryConfiguration(), store: store)
    }

    @Test("audit prints the account's administration, oldest first, as a table or JSON; a deleted account's too")
    func audit() async throws {
        let store: any EngelStore = MemoryStore()
        let actions = try Self.actions(over: store)
        try await actions.create(name: "acme", json: true, to: CapturedOutput())
        try await actions.setAPIAccess(false, name: "acme", to: CapturedOutput())
        try await actions.rotate(name: "acme", json: true, to: CapturedOutput())
        try await actions.delete(name: "acme", to: CapturedOutput())

        let table = CapturedOutput()
        try await actions.audit(name: "acme", json: false, to: table)
        let lines = table.contents.split(separator: "\n")
        #expect(lines.first?.hasPrefix("AT (Turkey time)") == true)
        #expect(
            lines.dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true)[2] } == [
                "created", "api-disabled", "hash-rotated", "deleted",
            ])
        #expect(lines.dropFirst().allSatisfy { $0.contains(" cli") })

        let json = CapturedOutput()
        try await actions.audit(name: "acme", json: true, to: json)
        let records = try #require(
            try JSONSerialization.jsonObject(with: Data(json.contents.utf8)) as? [[String: Any]])
        #expect(records.map { $0["action"] as? String } == ["created", "api-disabled", "hash-rotated", "deleted"])
        #expect(records.allSatisfy { $0["actor"] as? String == "cli" && $0["detail"] is NSNull })

        let none = CapturedOutput()
        try await actions.audit(name: "nobody", json: false, to: none)
        #expect(none.contents == "No audit records for nobody.\n")
        await #expect(throws: (any Error).self) { try await actions.audit(name: "not a name", json: false, to: none) }
    }

    @Test("history erase removes one number's change records and reason, keeps the entry, audits without the number")
    func erase() async throws {
        let store: any EngelStore = MemoryStore()
        let actions = try Self.actions(over: store)
        try await actions.create(name: "acme", json: true, to: CapturedOutput())
        let account = try #require(try await store.account(named: AccountName("acme")))
        let parser = PhoneNumberParser()
        let number = try parser.parse("905321234567")
        let other = try parser.parse("905441234567")
        let now = Date()
        _ = try await store.add(number, for: account.id, at: now, provenance: .init(source: .api, actor: .api))
        _ = try await store.remove(
            number, for: account.id, at: now, provenance: .init(source: .api, actor: .api, reason: "asked"))
        _ = try await store.add(
            number, for: account.id, at: now, provenance: .init(source: .api, actor: .api, reason: "STOP"))
        _ = try await store.add(other, for: account.id, at: now, provenance: .init(source: .api, actor: .api))

        let output = CapturedOutput()
        try await actions.eraseHistory(account: "acme", number: "0532 123 45 67", to: output)
        #expect(output.contents.hasPrefix("Erased 3 change records of +905321234567 in acme"))
        let changes = try await store.changes(for: account.id, after: 0, limit: 100).changes
        #expect(changes.map(\.number) == [other])
        let entries = try await store.listedEntries([number], for: account.id, at: Date())
        #expect(entries.first??.reason == nil)
        #expect(entries.first??.number == number)

        let audit = CapturedOutput()
        try await actions.audit(name: "acme", json: false, to: audit)
        #expect(audit.contents.contains("history-erased"))
        #expect(audit.contents.contains("3 change records"))
        #expect(!audit.contents.contains("5321234567"))

        let again = CapturedOutput()
        try await actions.eraseHistory(account: "acme", number: "905321234567", to: again)
        #expect(again.contents.hasPrefix("Erased 0 change records"))
        await #expect(throws: ValidationError.self) {
            try await actions.eraseHistory(account: "acme", number: "12", to: again)
        }
        await #expect(throws: AccountNotFound.self) {
            try await actions.eraseHistory(account: "nobody", number: "905321234567", to: again)
        }
    }

    /// Needs the SQLite store's audit log and change log (issue 17, the SQLite branch): until it
    /// lands, SQLite refuses them and this fails.
    @Test("over SQLite, as the command runs: audit and history erase through --database")
    func overSQLite() async throws {
        let actions = AccountActions(configuration: try temporaryConfiguration())
        try await actions.create(name: "acme", json: true, to: CapturedOutput())
        let erased = CapturedOutput()
        try await actions.eraseHistory(account: "acme", number: "905321234567", to: erased)
        #expect(erased.contents.hasPrefix("Erased 0 change records of +905321234567 in acme"))
        let audit = CapturedOutput()
        try await actions.audit(name: "acme", json: true, to: audit)
        let records = try #require(
            try JSONSerialization.jsonObject(with: Data(audit.contents.utf8)) as? [[String: Any]])
        #expect(records.map { $0["action"] as? String } == ["created", "history-erased"])
        #expect(records.last?["detail"] as? String == "0 change records")
    }
}
