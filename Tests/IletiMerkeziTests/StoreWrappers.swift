import EngelCore
import Foundation
import Synchronization

/// Forwards everything to `wrapping`; subclasses of behaviour override single methods by wrapping.
protocol ForwardingStore: EngelStore {
    var wrapping: any EngelStore { get }
}

extension ForwardingStore {
    func createAccount(name: AccountName, apiKey: String, hashDigest: HashDigest, createdAt: Date) async throws
        -> Account
    { try await wrapping.createAccount(name: name, apiKey: apiKey, hashDigest: hashDigest, createdAt: createdAt) }
    func account(withKey apiKey: String) async throws -> Account? { try await wrapping.account(withKey: apiKey) }
    func account(named name: AccountName) async throws -> Account? { try await wrapping.account(named: name) }
    func accounts() async throws -> [Account] { try await wrapping.accounts() }
    func setAPIAccess(_ enabled: Bool, forAccountNamed name: AccountName) async throws -> Bool {
        try await wrapping.setAPIAccess(enabled, forAccountNamed: name)
    }
    func replaceHashDigest(_ digest: HashDigest, forAccountNamed name: AccountName) async throws -> Bool {
        try await wrapping.replaceHashDigest(digest, forAccountNamed: name)
    }
    func deleteAccount(named name: AccountName) async throws -> Bool { try await wrapping.deleteAccount(named: name) }
    func add(_ number: PhoneNumber, for account: Account.ID, at date: Date) async throws -> AddOutcome {
        try await wrapping.add(number, for: account, at: date)
    }
    func remove(_ number: PhoneNumber, for account: Account.ID) async throws -> Bool {
        try await wrapping.remove(number, for: account)
    }
    func contains(_ number: PhoneNumber, for account: Account.ID) async throws -> Bool {
        try await wrapping.contains(number, for: account)
    }
    func page(for account: Account.ID, filter: DateFilter, page: PageRequest) async throws -> BlacklistPage {
        try await wrapping.page(for: account, filter: filter, page: page)
    }
    func checkHealth() async throws { try await wrapping.checkHealth() }
    func close() async { await wrapping.close() }
}

struct StoreUnavailable: Error {}

/// A store whose list operations all fail, as a database that went away: the server answers 503.
final class FailingStore: ForwardingStore {
    let wrapping: any EngelStore
    let attempts = Mutex(0)

    init(wrapping: any EngelStore) { self.wrapping = wrapping }

    func add(_ number: PhoneNumber, for account: Account.ID, at date: Date) async throws -> AddOutcome {
        attempts.withLock { $0 += 1 }
        throw StoreUnavailable()
    }
    func remove(_ number: PhoneNumber, for account: Account.ID) async throws -> Bool { throw StoreUnavailable() }
    func page(for account: Account.ID, filter: DateFilter, page: PageRequest) async throws -> BlacklistPage {
        throw StoreUnavailable()
    }
}

/// A store whose first remove is applied and then reported as failed: a reply lost after the commit.
final class RemoveThenFailOnceStore: ForwardingStore {
    let wrapping: any EngelStore
    let failed = Mutex(false)

    init(wrapping: any EngelStore) { self.wrapping = wrapping }

    func remove(_ number: PhoneNumber, for account: Account.ID) async throws -> Bool {
        let removed = try await wrapping.remove(number, for: account)
        if !failed.withLock({ $0 }) {
            failed.withLock { $0 = true }
            throw StoreUnavailable()
        }
        return removed
    }
}
