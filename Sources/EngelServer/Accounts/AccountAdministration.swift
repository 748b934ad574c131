public import EngelCore
public import Foundation

/// What the operator does to accounts: the panel's actions, on the command line.
public struct AccountAdministration: Sendable {
    /// The name of the account created on the first start of an empty database.
    public static let firstAccountName = "default"

    let store: any EngelStore
    /// Who the audit log says made each change.
    let actor: ChangeActor
    let now: @Sendable () -> Date

    /// Administers the accounts of `store` as `actor` (the command line, a panel user, or Engel
    /// itself), reading the time from `now`.
    public init(store: any EngelStore, actor: ChangeActor = .cli, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.actor = actor
        self.now = now
    }

    /// What an account change done now records in the audit log.
    private var audit: AuditContext { AuditContext(at: now(), actor: actor) }

    /// Creates an account with fresh credentials, returned once: only a digest of the hash is kept.
    public func create(named text: String) async throws -> (account: Account, credentials: IssuedCredentials) {
        let name = try AccountName(text)
        let credentials = IssuedCredentials.generate()
        let account = try await store.createAccount(
            name: name, apiKey: credentials.key, hashDigest: credentials.hashDigest, audit: audit)
        return (account, credentials)
    }

    /// Every account, by name.
    public func list() async throws -> [Account] {
        try await store.accounts()
    }

    /// The account named `text`.
    public func account(named text: String) async throws -> Account {
        let name = try AccountName(text)
        guard let account = try await store.account(named: name) else { throw AccountNotFound(name: name) }
        return account
    }

    /// Turns the account's API access on or off (the panel's "Allow API access").
    public func setAPIAccess(_ enabled: Bool, named text: String) async throws {
        let name = try AccountName(text)
        guard try await store.setAPIAccess(enabled, forAccountNamed: name, audit: audit) else {
            throw AccountNotFound(name: name)
        }
    }

    /// Issues a new secret and hash for the account's key; the old hash stops working at once.
    public func rotate(named text: String) async throws -> IssuedCredentials {
        let account = try await account(named: text)
        let credentials = IssuedCredentials.issue(key: account.apiKey)
        guard try await store.replaceHashDigest(credentials.hashDigest, forAccountNamed: account.name, audit: audit)
        else {
            throw AccountNotFound(name: account.name)
        }
        return credentials
    }

    /// Deletes the account, its whole list, its change log, its webhooks and its panel users; its
    /// audit log stays.
    public func delete(named text: String) async throws {
        let name = try AccountName(text)
        guard try await store.deleteAccount(named: name, audit: audit) else { throw AccountNotFound(name: name) }
    }

    /// Lists `numbers` for the account straight in the store, without the API: for migrating an
    /// existing list in. Numbers already listed keep their time; the rest are stamped `date`, in
    /// the given order. Calls `progress` with how many numbers are done after each batch; returns
    /// how many were new.
    public func load(
        _ numbers: [PhoneNumber], into text: String, at date: Date = Date(),
        progress: (Int) -> Void = { _ in }
    ) async throws -> Int {
        let account = try await account(named: text)
        var added = 0
        for start in stride(from: 0, to: numbers.count, by: 50_000) {
            let batch = Array(numbers[start..<min(start + 50_000, numbers.count)])
            added += try await store.addAll(
                batch, for: account.id, at: date, provenance: Provenance(source: .load, actor: actor))
            progress(start + batch.count)
        }
        return added
    }

    /// On an empty store, creates the ``firstAccountName`` account so a newcomer can call the API at
    /// once; returns its credentials, or `nil` when accounts exist (or another server made it).
    public func createFirstAccountIfEmpty() async throws -> IssuedCredentials? {
        guard try await store.accounts().isEmpty else { return nil }
        do {
            // Engel makes this one itself, as the audit log says.
            let system = AccountAdministration(store: store, actor: .system, now: now)
            return try await system.create(named: Self.firstAccountName).credentials
        } catch StoreError.accountExists {
            return nil
        }
    }
}

/// No account has this name.
public struct AccountNotFound: Error, Sendable, CustomStringConvertible {
    /// The name looked for.
    public let name: AccountName

    public var description: String { "no account named \"\(name)\"" }
}
