import EngelCore
import EngelStores
import EngelTestSupport
import Foundation
import Testing

/// The panel's users and sessions: the same behaviour on every store (the memory store is the
/// reference). Times come from the tests, never from a clock, so expiry needs no sleeping.
@Suite("Panel contract")
struct PanelContractTests: NumberedEntries {
    /// `milliseconds` after ``base``.
    func at(milliseconds: Int) -> Date { base.addingTimeInterval(TimeInterval(milliseconds) / 1000) }

    /// Sessions end after 100 ms unused, or 1 s after they began.
    let policy = PanelSessionPolicy(idleTimeout: .milliseconds(100), absoluteTimeout: .milliseconds(1000))

    let hash = PanelPasswordHash(encoded: "$2b$04$abcdefghijklmnopqrstuuQ0ylmVXhX7QbU1nMeR1wG1qtP9ZUvMy")

    func name(_ text: String) throws -> PanelUserName { try PanelUserName(text) }

    func audit(_ milliseconds: Int) -> AuditContext { AuditContext(at: at(milliseconds: milliseconds), actor: .cli) }

    @Test(
        "users are created, listed by name and found; a taken name or a missing account is refused",
        arguments: StoreFactory.all)
    func users(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let ayse = try await store.createPanelUser(
                name: name("ayse"), role: .operator(account.name), passwordHash: hash, audit: audit(1))
            #expect(ayse.account == account.name && !ayse.disabled)
            #expect(ayse.createdAt.microsecondsSince1970 == at(milliseconds: 1).microsecondsSince1970)
            _ = try await store.createPanelUser(name: name("root"), role: .admin, passwordHash: hash, audit: audit(2))
            _ = try await store.createPanelUser(
                name: name("bora"), role: .viewer(account.name), passwordHash: hash, audit: audit(3))

            #expect(try await store.panelUsers().map(\.name.value) == ["ayse", "bora", "root"])
            #expect(try await store.panelUser(named: name("ayse")) == ayse)
            #expect(try await store.panelUser(named: name("root"))?.role == .admin)
            #expect(try await store.panelUser(named: name("bora"))?.role == .viewer(account.name))
            #expect(try await store.panelUser(named: name("nobody")) == nil)
            #expect(try await store.panelUser(named: name("ayse"))?.passwordHash == hash)

            await #expect(throws: StoreError.panelUserExists(try name("ayse"))) {
                try await store.createPanelUser(name: name("ayse"), role: .admin, passwordHash: hash, audit: audit(4))
            }
            await #expect(throws: StoreError.accountMissing) {
                try await store.createPanelUser(
                    name: name("cem"), role: .viewer(AccountName("globex")), passwordHash: hash, audit: audit(5))
            }
            #expect(try await store.panelUser(named: name("cem")) == nil)
        }
    }

    @Test(
        "disable, enable, password reset and delete change the user and are audited in its account",
        arguments: StoreFactory.all)
    func changes(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let ayse = try name("ayse")
            _ = try await store.createPanelUser(
                name: ayse, role: .operator(account.name), passwordHash: hash, audit: audit(1))
            _ = try await store.createPanelUser(name: name("root"), role: .admin, passwordHash: hash, audit: audit(1))

            #expect(try await store.setPanelUserDisabled(true, named: ayse, audit: audit(2)))
            #expect(try await store.panelUser(named: ayse)?.disabled == true)
            #expect(try await store.setPanelUserDisabled(false, named: ayse, audit: audit(3)))
            #expect(try await store.panelUser(named: ayse)?.disabled == false)
            let newHash = PanelPasswordHash(encoded: "$2b$04$0123456789012345678901uQ0ylmVXhX7QbU1nMeR1wG1qtP9ZUvMy")
            #expect(try await store.replacePanelPasswordHash(newHash, named: ayse, audit: audit(4)))
            #expect(try await store.panelUser(named: ayse)?.passwordHash == newHash)
            #expect(try await store.setPanelUserDisabled(true, named: name("root"), audit: audit(5)))
            #expect(try await store.deletePanelUser(named: ayse, audit: audit(6)))
            #expect(try await store.panelUser(named: ayse) == nil)
            #expect(try await store.panelUsers().map(\.name.value) == ["root"])

            let nobody = try name("nobody")
            #expect(try await !store.setPanelUserDisabled(true, named: nobody, audit: audit(7)))
            #expect(try await !store.replacePanelPasswordHash(newHash, named: nobody, audit: audit(7)))
            #expect(try await !store.deletePanelUser(named: nobody, audit: audit(7)))
            #expect(try await !store.deletePanelUser(named: ayse, audit: audit(7)))

            // The admin belongs to no account, so its changes are in no account's log.
            let log = try await store.auditLog(forAccountNamed: account.name).filter { $0.action != .created }
            #expect(
                log.map(\.action) == [
                    .panelUserCreated, .panelUserDisabled, .panelUserEnabled, .panelPasswordReset, .panelUserDeleted,
                ])
            #expect(log.allSatisfy { $0.detail == "ayse (operator)" && $0.actor == .cli })
            #expect(
                log.map { $0.at.microsecondsSince1970 }
                    == [1, 2, 3, 4, 6].map { at(milliseconds: $0).microsecondsSince1970 })
        }
    }

    @Test(
        "a session is found by its token's digest, and each use keeps it alive for the idle timeout",
        arguments: StoreFactory.all)
    func sessionLifetime(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let ayse = try name("ayse")
            _ = try await store.createPanelUser(
                name: ayse, role: .operator(account.name), passwordHash: hash, audit: audit(0))
            let started = try #require(try await store.startPanelSession(user: ayse, at: at(milliseconds: 0)))
            #expect(started.session.user.name == ayse)
            #expect(started.session.csrfToken.count == 64)
            #expect(started.session.digest == started.token.digest)
            #expect(started.session.lastSeenAt == started.session.createdAt)

            // Used every 80 ms, it outlives the 100 ms idle timeout.
            for milliseconds in stride(from: 80, through: 880, by: 80) {
                let found = try #require(
                    try await store.livePanelSession(
                        token: started.token, at: at(milliseconds: milliseconds),
                        policy: policy), "at \(milliseconds) ms")
                #expect(found.lastSeenAt.microsecondsSince1970 == at(milliseconds: milliseconds).microsecondsSince1970)
                #expect(found.createdAt.microsecondsSince1970 == at(milliseconds: 0).microsecondsSince1970)
                #expect(found.csrfToken == started.session.csrfToken)
                #expect(found.user.role == .operator(account.name))
            }
            // A request that started earlier does not move the last use back.
            let earlier = try #require(
                try await store.livePanelSession(token: started.token, at: at(milliseconds: 870), policy: policy))
            #expect(earlier.lastSeenAt.microsecondsSince1970 == at(milliseconds: 880).microsecondsSince1970)
            // However busy, it ends 1 s after it began.
            #expect(
                try await store.livePanelSession(token: started.token, at: at(milliseconds: 960), policy: policy) != nil
            )
            #expect(
                try await store.livePanelSession(token: started.token, at: at(milliseconds: 1000), policy: policy)
                    == nil)

            // Idle for the timeout, another session ends; an unknown token finds nothing.
            let idle = try #require(try await store.startPanelSession(user: ayse, at: at(milliseconds: 0)))
            #expect(
                try await store.livePanelSession(token: idle.token, at: at(milliseconds: 99), policy: policy) != nil)
            #expect(
                try await store.livePanelSession(token: idle.token, at: at(milliseconds: 199), policy: policy) == nil)
            #expect(
                try await store.livePanelSession(
                    token: PanelSessionToken.generate(), at: at(milliseconds: 1), policy: policy)
                    == nil)
        }
    }

    @Test(
        "signing out ends one session; disabling, resetting or deleting the user ends all of them",
        arguments: StoreFactory.all)
    func endingSessions(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let ayse = try name("ayse")
            let bora = try name("bora")
            _ = try await store.createPanelUser(
                name: ayse, role: .operator(account.name), passwordHash: hash, audit: audit(0))
            _ = try await store.createPanelUser(
                name: bora, role: .viewer(account.name), passwordHash: hash, audit: audit(0))
            let now = at(milliseconds: 10)
            func live(_ token: PanelSessionToken) async throws -> Bool {
                try await store.livePanelSession(token: token, at: now, policy: policy) != nil
            }

            let first = try #require(try await store.startPanelSession(user: ayse, at: now)).token
            let second = try #require(try await store.startPanelSession(user: ayse, at: now)).token
            let other = try #require(try await store.startPanelSession(user: bora, at: now)).token
            #expect(try await store.endPanelSession(digest: first.digest))
            #expect(try await !store.endPanelSession(digest: first.digest))
            #expect(try await !live(first))
            #expect(try await live(second))

            #expect(try await store.setPanelUserDisabled(true, named: ayse, audit: audit(10)))
            #expect(try await !live(second))
            #expect(try await store.startPanelSession(user: ayse, at: now) == nil)
            #expect(try await store.setPanelUserDisabled(false, named: ayse, audit: audit(10)))
            #expect(try await !live(second), "enabling the user again brings no session back")

            let third = try #require(try await store.startPanelSession(user: ayse, at: now)).token
            #expect(try await store.replacePanelPasswordHash(hash, named: ayse, audit: audit(10)))
            #expect(try await !live(third))

            let fourth = try #require(try await store.startPanelSession(user: ayse, at: now)).token
            let fifth = try #require(try await store.startPanelSession(user: ayse, at: now)).token
            #expect(try await store.endPanelSessions(ofUserNamed: ayse) == 2)
            #expect(try await !live(fourth))
            #expect(try await !live(fifth))

            let sixth = try #require(try await store.startPanelSession(user: ayse, at: now)).token
            #expect(try await store.deletePanelUser(named: ayse, audit: audit(10)))
            #expect(try await !live(sixth))
            #expect(try await store.startPanelSession(user: ayse, at: now) == nil)
            #expect(try await store.startPanelSession(user: name("nobody"), at: now) == nil)
            #expect(try await live(other), "another user's session is untouched")
        }
    }

    @Test(
        "a rehash replaces only the hash it was made over, keeps the sessions and is not audited",
        arguments: StoreFactory.all)
    func rehash(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let ayse = try name("ayse")
            _ = try await store.createPanelUser(
                name: ayse, role: .operator(account.name), passwordHash: hash, audit: audit(0))
            let session = try #require(try await store.startPanelSession(user: ayse, at: at(milliseconds: 1))).token
            let logged = try await store.auditLog(forAccountNamed: account.name).count
            let rehashed = PanelPasswordHash(encoded: "$2b$05$0123456789012345678901uQ0ylmVXhX7QbU1nMeR1wG1qtP9ZUvMy")

            #expect(try await !store.rehashPanelPassword(rehashed, replacing: rehashed, named: ayse))
            #expect(try await store.panelUser(named: ayse)?.passwordHash == hash)
            #expect(try await store.rehashPanelPassword(rehashed, replacing: hash, named: ayse))
            #expect(try await store.panelUser(named: ayse)?.passwordHash == rehashed)
            #expect(try await !store.rehashPanelPassword(rehashed, replacing: hash, named: name("nobody")))
            #expect(
                try await store.livePanelSession(token: session, at: at(milliseconds: 2), policy: policy) != nil)
            #expect(try await store.auditLog(forAccountNamed: account.name).count == logged)
        }
    }

    @Test("deleting an account deletes its panel users and ends their sessions", arguments: StoreFactory.all)
    func accountDeletion(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let ayse = try name("ayse")
            _ = try await store.createPanelUser(
                name: ayse, role: .operator(account.name), passwordHash: hash, audit: audit(0))
            _ = try await store.createPanelUser(name: name("root"), role: .admin, passwordHash: hash, audit: audit(0))
            let now = at(milliseconds: 10)
            let token = try #require(try await store.startPanelSession(user: ayse, at: now)).token
            let admin = try #require(try await store.startPanelSession(user: name("root"), at: now)).token

            #expect(try await store.deleteAccount(named: account.name, audit: audit(10)))
            #expect(try await store.panelUser(named: ayse) == nil)
            #expect(try await store.livePanelSession(token: token, at: now, policy: policy) == nil)
            #expect(try await store.panelUsers().map(\.name.value) == ["root"])
            #expect(try await store.livePanelSession(token: admin, at: now, policy: policy) != nil)
        }
    }

    @Test("pruning deletes the sessions that are over, idle or too old, and only those", arguments: StoreFactory.all)
    func prune(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let ayse = try name("ayse")
            _ = try await store.createPanelUser(
                name: ayse, role: .operator(account.name), passwordHash: hash, audit: audit(0))
            let old = try #require(try await store.startPanelSession(user: ayse, at: at(milliseconds: 0))).token
            // Kept busy, but begun 1 s before the prune.
            for milliseconds in stride(from: 50, through: 950, by: 50) {
                _ = try await store.livePanelSession(token: old, at: at(milliseconds: milliseconds), policy: policy)
            }
            let idle = try #require(try await store.startPanelSession(user: ayse, at: at(milliseconds: 850))).token
            let fresh = try #require(try await store.startPanelSession(user: ayse, at: at(milliseconds: 990))).token

            #expect(try await store.prunePanelSessions(at: at(milliseconds: 1000), policy: policy) == 2)
            #expect(try await !store.endPanelSession(digest: old.digest))
            #expect(try await !store.endPanelSession(digest: idle.digest))
            #expect(try await store.livePanelSession(token: fresh, at: at(milliseconds: 1000), policy: policy) != nil)
            #expect(try await store.prunePanelSessions(at: at(milliseconds: 1000), policy: policy) == 0)
        }
    }
}
