import EngelCore
import EngelStores
import Foundation
import Testing

@testable import EngelServer

@Suite("Panel passwords and sign-in")
struct PanelPasswordsTests {
    /// bcrypt's lowest cost: milliseconds a hash.
    let passwords = PanelPasswords(cost: 4)

    @Test("a hash verifies its password and no other, and is salted afresh each time")
    func hashAndVerify() async throws {
        let password = try PanelPassword("doğru-parola-1")
        let hash = try await passwords.hash(password)
        #expect(hash.encoded.hasPrefix("$2b$04$"))
        #expect(hash.description == "PanelPasswordHash(redacted)")
        #expect(try await passwords.verify("doğru-parola-1", against: hash))
        #expect(try await !passwords.verify("doğru-parola-2", against: hash))
        #expect(try await !passwords.verify("", against: hash))
        #expect(try await passwords.hash(password) != hash)
        #expect(try await !passwords.verify("doğru-parola-1", against: nil))
        #expect(try await !passwords.verify("doğru-parola-1", against: PanelPasswordHash(encoded: "not a hash")))
    }

    @Test("a text bcrypt would cut short never matches a password it begins with")
    func truncation() async throws {
        let longest = String(repeating: "a", count: PanelPassword.maximumBytes)
        let hash = try await passwords.hash(PanelPassword(longest))
        #expect(try await passwords.verify(longest, against: hash))
        #expect(try await !passwords.verify(longest + "b", against: hash))
        let short = try await passwords.hash(PanelPassword("doğru-parola-1"))
        #expect(try await !passwords.verify("doğru-parola-1\u{0}tail", against: short))
    }

    @Test("a hash made at another cost still verifies, and asks to be made again")
    func rehash() async throws {
        let older = PanelPasswords(cost: 5)
        let hash = try await older.hash(PanelPassword("doğru-parola-1"))
        #expect(try await passwords.verify("doğru-parola-1", against: hash))
        #expect(passwords.needsRehash(hash))
        #expect(!older.needsRehash(hash))
        #expect(passwords.needsRehash(PanelPasswordHash(encoded: "garbage")))
    }

    @Test("the gate lets its limit in, queues a few more in order, refuses the rest, and drops the cancelled")
    func gate() async throws {
        let gate = PanelPasswords.Gate(limit: 1, maximumWaiting: 1)
        try await gate.enter()
        let waiter = Task { try await gate.enter() }
        while gate.waitingCount < 1 { await Task.yield() }
        await #expect(throws: PanelPasswordsBusy.self) { try await gate.enter() }
        gate.leave()
        try await waiter.value
        #expect(gate.waitingCount == 0)

        let cancelled = Task { try await gate.enter() }
        while gate.waitingCount < 1 { await Task.yield() }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(gate.waitingCount == 0)
        gate.leave()
        // The place is free again: this enters at once.
        try await gate.enter()
        gate.leave()
    }

    @Test("many checks at once all finish, at most the limit at a time")
    func concurrentChecks() async throws {
        let limited = PanelPasswords(cost: 4, concurrency: 2, maximumWaiting: 64)
        let hash = try await limited.hash(PanelPassword("doğru-parola-1"))
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask {
                    try await limited.verify(index.isMultiple(of: 2) ? "doğru-parola-1" : "yanlış", against: hash)
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count(where: { $0 }) == 10)
    }

    @Test("signing in checks the password, refuses disabled and unknown users alike, and audits the account's")
    func signIn() async throws {
        let store = MemoryStore()
        let clock = Date(timeIntervalSince1970: 1_775_000_000)
        let administration = PanelUserAdministration(store: store, passwords: passwords, now: { clock })
        let issued = IssuedCredentials.generate()
        let acme = try await store.createAccount(
            name: AccountName("acme"), apiKey: issued.key, hashDigest: issued.hashDigest, createdAt: clock)
        _ = try await administration.create(
            named: "ayse", role: .operator(acme.name), password: PanelPassword("doğru-parola-1"))
        _ = try await administration.create(named: "root", role: .admin, password: PanelPassword("kök-parolası-1"))

        guard
            case .signedIn(let token, let session) = try await administration.signIn(
                named: "AYSE", password: "doğru-parola-1")
        else {
            Issue.record("the right password was refused")
            return
        }
        #expect(session.user.name.value == "ayse")
        #expect(session.digest == token.digest)
        #expect(session.acceptsCSRFToken(session.csrfToken))
        #expect(!session.acceptsCSRFToken(String(session.csrfToken.reversed())))
        #expect(try await store.livePanelSession(token: token, at: clock, policy: .standard)?.user.name.value == "ayse")

        #expect(try await isRefused(administration.signIn(named: "ayse", password: "yanlış-parola")))
        #expect(try await isRefused(administration.signIn(named: "nobody", password: "doğru-parola-1")))
        #expect(try await isRefused(administration.signIn(named: "not a name!", password: "doğru-parola-1")))
        try await administration.setDisabled(true, named: "ayse")
        #expect(try await isRefused(administration.signIn(named: "ayse", password: "doğru-parola-1")))
        guard case .signedIn = try await administration.signIn(named: "root", password: "kök-parolası-1") else {
            Issue.record("the admin's right password was refused")
            return
        }

        let log = await store.auditLog(forAccountNamed: acme.name)
        #expect(
            log.map(\.action) == [
                .created, .panelUserCreated, .panelSignIn, .panelSignInFailed, .panelUserDisabled, .panelSignInFailed,
            ])
        #expect(
            log.filter { $0.action == .panelSignIn || $0.action == .panelSignInFailed }.allSatisfy {
                $0.actor == .panel(user: "ayse") && $0.detail == "ayse (operator)"
            })
    }

    @Test("a right password hashed at another cost is hashed again at sign-in, keeping sessions and the audit log")
    func rehashOnSignIn() async throws {
        let store = MemoryStore()
        let clock = Date(timeIntervalSince1970: 1_775_000_000)
        let issued = IssuedCredentials.generate()
        let acme = try await store.createAccount(
            name: AccountName("acme"), apiKey: issued.key, hashDigest: issued.hashDigest, createdAt: clock)
        let before = PanelUserAdministration(store: store, passwords: PanelPasswords(cost: 4), now: { clock })
        _ = try await before.create(
            named: "ayse", role: .operator(acme.name), password: PanelPassword("doğru-parola-1"))
        guard case .signedIn(let kept, _) = try await before.signIn(named: "ayse", password: "doğru-parola-1") else {
            Issue.record("the right password was refused")
            return
        }
        let original = try #require(try await store.panelUser(named: PanelUserName("ayse"))).passwordHash

        let raised = PanelPasswords(cost: 5)
        let after = PanelUserAdministration(store: store, passwords: raised, now: { clock })
        #expect(try await isRefused(after.signIn(named: "ayse", password: "yanlış-parola")))
        #expect(try await store.panelUser(named: PanelUserName("ayse"))?.passwordHash == original)
        #expect(try await !isRefused(after.signIn(named: "ayse", password: "doğru-parola-1")))
        let rehashed = try #require(try await store.panelUser(named: PanelUserName("ayse"))).passwordHash
        #expect(rehashed != original)
        #expect(!raised.needsRehash(rehashed))
        #expect(try await raised.verify("doğru-parola-1", against: rehashed))
        #expect(try await store.livePanelSession(token: kept, at: clock, policy: .standard) != nil)
        let log = await store.auditLog(forAccountNamed: acme.name)
        #expect(!log.contains { $0.action == .panelPasswordReset })
        // Over a hash that changed meanwhile, a rehash replaces nothing.
        #expect(try await !store.rehashPanelPassword(original, replacing: original, named: PanelUserName("ayse")))
    }

    private func isRefused(_ outcome: PanelSignIn) -> Bool {
        if case .refused = outcome { return true }
        return false
    }
}
