public import EngelCore
public import Foundation
public import Synchronization

/// A store that forwards every call to `wrapping`; a wrapper overrides only the calls it changes.
public protocol ForwardingStore: EngelStore {
    /// The store the calls go to.
    var wrapping: any EngelStore { get }
}

extension ForwardingStore {
    public func createAccount(name: AccountName, apiKey: String, hashDigest: HashDigest, audit: AuditContext)
        async throws -> Account
    { try await wrapping.createAccount(name: name, apiKey: apiKey, hashDigest: hashDigest, audit: audit) }
    public func account(withKey apiKey: String) async throws -> Account? {
        try await wrapping.account(withKey: apiKey)
    }
    public func currentAccount(withKey apiKey: String) async throws -> Account? {
        try await wrapping.currentAccount(withKey: apiKey)
    }
    public func account(named name: AccountName) async throws -> Account? { try await wrapping.account(named: name) }
    public func accounts() async throws -> [Account] { try await wrapping.accounts() }
    public func setAPIAccess(_ enabled: Bool, forAccountNamed name: AccountName, audit: AuditContext) async throws
        -> Bool
    { try await wrapping.setAPIAccess(enabled, forAccountNamed: name, audit: audit) }
    public func replaceHashDigest(_ digest: HashDigest, forAccountNamed name: AccountName, audit: AuditContext)
        async throws -> Bool
    { try await wrapping.replaceHashDigest(digest, forAccountNamed: name, audit: audit) }
    public func deleteAccount(named name: AccountName, audit: AuditContext) async throws -> Bool {
        try await wrapping.deleteAccount(named: name, audit: audit)
    }
    public func recordAudit(
        _ action: AuditAction, forAccountNamed name: AccountName, detail: String?, audit: AuditContext
    ) async throws -> Bool {
        try await wrapping.recordAudit(action, forAccountNamed: name, detail: detail, audit: audit)
    }
    public func auditLog(forAccountNamed name: AccountName) async throws -> [AuditRecord] {
        try await wrapping.auditLog(forAccountNamed: name)
    }
    public func add(_ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> AddOutcome
    { try await wrapping.add(number, for: account, at: date, provenance: provenance) }
    public func addAll(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> Int
    { try await wrapping.addAll(numbers, for: account, at: date, provenance: provenance) }
    public func remove(_ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> Bool
    { try await wrapping.remove(number, for: account, at: date, provenance: provenance) }
    public func contains(_ number: PhoneNumber, for account: Account.ID, at date: Date) async throws -> Bool {
        try await wrapping.contains(number, for: account, at: date)
    }
    public func listed(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws -> [Bool] {
        try await wrapping.listed(numbers, for: account, at: date)
    }
    public func listedEntries(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws
        -> [ListEntry?]
    { try await wrapping.listedEntries(numbers, for: account, at: date) }
    public func addBatch(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> [Bool]
    { try await wrapping.addBatch(numbers, for: account, at: date, provenance: provenance) }
    public func removeBatch(
        _ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance
    ) async throws -> [Bool] {
        try await wrapping.removeBatch(numbers, for: account, at: date, provenance: provenance)
    }
    public func page(for account: Account.ID, filter: DateFilter, page: PageRequest) async throws -> BlacklistPage {
        try await wrapping.page(for: account, filter: filter, page: page)
    }
    public func entries(for account: Account.ID, filter: DateFilter, page: PageRequest) async throws -> EntriesPage {
        try await wrapping.entries(for: account, filter: filter, page: page)
    }
    public func changes(for account: Account.ID, after seq: Int64, limit: Int) async throws -> ChangesPage {
        try await wrapping.changes(for: account, after: seq, limit: limit)
    }
    public func expire(through date: Date) async throws -> Int { try await wrapping.expire(through: date) }
    public func pruneChanges(before date: Date) async throws -> Int { try await wrapping.pruneChanges(before: date) }
    public func eraseHistory(of number: PhoneNumber, for account: Account.ID, audit: AuditContext) async throws -> Int {
        try await wrapping.eraseHistory(of: number, for: account, audit: audit)
    }
    public func addWebhook(for account: Account.ID, url: String, secret: String, audit: AuditContext) async throws
        -> Webhook
    { try await wrapping.addWebhook(for: account, url: url, secret: secret, audit: audit) }
    public func webhooks() async throws -> [Webhook] { try await wrapping.webhooks() }
    public func removeWebhook(id: Int64, audit: AuditContext) async throws -> Bool {
        try await wrapping.removeWebhook(id: id, audit: audit)
    }
    public func recordDelivery(webhook id: Int64, through seq: Int64) async throws {
        try await wrapping.recordDelivery(webhook: id, through: seq)
    }
    public func claimWebhook(id: Int64, holder: String, now: Date, lease: Duration) async throws -> Bool {
        try await wrapping.claimWebhook(id: id, holder: holder, now: now, lease: lease)
    }
    public func checkHealth() async throws { try await wrapping.checkHealth() }
    public func close() async { await wrapping.close() }
    public func createPanelUser(
        name: PanelUserName, role: PanelRole, passwordHash: PanelPasswordHash, audit: AuditContext
    ) async throws -> PanelUser {
        try await wrapping.createPanelUser(name: name, role: role, passwordHash: passwordHash, audit: audit)
    }
    public func panelUser(named name: PanelUserName) async throws -> PanelUser? {
        try await wrapping.panelUser(named: name)
    }
    public func panelUsers() async throws -> [PanelUser] { try await wrapping.panelUsers() }
    public func setPanelUserDisabled(_ disabled: Bool, named name: PanelUserName, audit: AuditContext) async throws
        -> Bool
    { try await wrapping.setPanelUserDisabled(disabled, named: name, audit: audit) }
    public func replacePanelPasswordHash(_ hash: PanelPasswordHash, named name: PanelUserName, audit: AuditContext)
        async throws -> Bool
    { try await wrapping.replacePanelPasswordHash(hash, named: name, audit: audit) }
    public func rehashPanelPassword(
        _ hash: PanelPasswordHash, replacing current: PanelPasswordHash, named name: PanelUserName
    ) async throws -> Bool { try await wrapping.rehashPanelPassword(hash, replacing: current, named: name) }
    public func deletePanelUser(named name: PanelUserName, audit: AuditContext) async throws -> Bool {
        try await wrapping.deletePanelUser(named: name, audit: audit)
    }
    public func createPanelSession(
        digest: PanelSessionDigest, csrfToken: String, user: PanelUserName, at date: Date
    ) async throws -> PanelSession? {
        try await wrapping.createPanelSession(digest: digest, csrfToken: csrfToken, user: user, at: date)
    }
    public func livePanelSession(digest: PanelSessionDigest, at date: Date, policy: PanelSessionPolicy)
        async throws -> PanelSession?
    { try await wrapping.livePanelSession(digest: digest, at: date, policy: policy) }
    public func endPanelSession(digest: PanelSessionDigest) async throws -> Bool {
        try await wrapping.endPanelSession(digest: digest)
    }
    public func endPanelSessions(ofUserNamed name: PanelUserName) async throws -> Int {
        try await wrapping.endPanelSessions(ofUserNamed: name)
    }
    public func prunePanelSessions(at date: Date, policy: PanelSessionPolicy) async throws -> Int {
        try await wrapping.prunePanelSessions(at: date, policy: policy)
    }
}

/// What a ``FailingStore`` throws: the database went away.
public struct SimulatedOutage: Error {
    /// Creates the error.
    public init() {}
}

/// A store whose accounts work but whose lists and health check fail, as a database that went away
/// after the account was read: the server answers 503.
public final class FailingStore: ForwardingStore {
    public let wrapping: any EngelStore
    /// How many adds were attempted.
    public let attempts = Mutex(0)

    /// Fails the list operations of `wrapping`.
    public init(wrapping: any EngelStore) { self.wrapping = wrapping }

    public func add(_ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> AddOutcome
    {
        attempts.withLock { $0 += 1 }
        throw SimulatedOutage()
    }
    public func remove(_ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> Bool
    { throw SimulatedOutage() }
    public func listed(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws -> [Bool] {
        throw SimulatedOutage()
    }
    public func listedEntries(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws
        -> [ListEntry?]
    { throw SimulatedOutage() }
    public func addBatch(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> [Bool]
    {
        attempts.withLock { $0 += 1 }
        throw SimulatedOutage()
    }
    public func removeBatch(
        _ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance
    ) async throws -> [Bool] { throw SimulatedOutage() }
    public func contains(_ number: PhoneNumber, for account: Account.ID, at date: Date) async throws -> Bool {
        throw SimulatedOutage()
    }
    public func page(for account: Account.ID, filter: DateFilter, page: PageRequest) async throws -> BlacklistPage {
        throw SimulatedOutage()
    }
    public func entries(for account: Account.ID, filter: DateFilter, page: PageRequest) async throws -> EntriesPage {
        throw SimulatedOutage()
    }
    public func changes(for account: Account.ID, after seq: Int64, limit: Int) async throws -> ChangesPage {
        throw SimulatedOutage()
    }
    public func checkHealth() async throws { throw SimulatedOutage() }
}

/// A store that deletes an add's account just before the add reaches the store it wraps: the add
/// meets an account deleted after its credentials were checked.
public final class DeletingBeforeAddStore: ForwardingStore {
    public let wrapping: any EngelStore

    /// Wraps `wrapping`.
    public init(wrapping: any EngelStore) { self.wrapping = wrapping }

    public func add(_ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> AddOutcome
    {
        try await delete(account)
        return try await wrapping.add(number, for: account, at: date, provenance: provenance)
    }
    public func addBatch(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> [Bool]
    {
        try await delete(account)
        return try await wrapping.addBatch(numbers, for: account, at: date, provenance: provenance)
    }

    private func delete(_ account: Account.ID) async throws {
        guard let owner = try await wrapping.accounts().first(where: { $0.id == account }) else { return }
        _ = try await wrapping.deleteAccount(named: owner.name, audit: .cliNow)
    }
}

/// A store whose first remove is applied and then reported as failed: a reply lost after the commit.
public final class RemoveThenFailOnceStore: ForwardingStore {
    public let wrapping: any EngelStore
    private let failed = Mutex(false)

    /// Wraps `wrapping`.
    public init(wrapping: any EngelStore) { self.wrapping = wrapping }

    public func remove(_ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> Bool
    {
        let removed = try await wrapping.remove(number, for: account, at: date, provenance: provenance)
        let failNow = failed.withLock { failed in
            defer { failed = true }
            return !failed
        }
        if failNow { throw SimulatedOutage() }
        return removed
    }
}

/// Holds every add for `delay` before applying it, so a test can act while adds are in flight.
public final class SlowAddStore: ForwardingStore {
    public let wrapping: any EngelStore
    private let delay: Duration
    private let state = Mutex<
        (started: Int, cancelled: Int, delayed: Int, waiters: [CheckedContinuation<Void, Never>])
    >((0, 0, 0, []))

    /// Delays the adds of `wrapping` by `delay`.
    public init(wrapping: any EngelStore, delay: Duration = .milliseconds(300)) {
        self.wrapping = wrapping
        self.delay = delay
    }

    /// How many adds have started.
    public var addsStarted: Int { state.withLock { $0.started } }

    /// How many adds were cancelled during their delay.
    public var addsCancelled: Int { state.withLock { $0.cancelled } }

    /// How many adds are past their delay: gone on to the wrapped store.
    public var addsDelayed: Int { state.withLock { $0.delayed } }

    /// Returns once an add has started.
    public func waitUntilAddStarted() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.started > 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    public func add(_ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> AddOutcome
    {
        let waiters = state.withLock { state in
            state.started += 1
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
        do {
            try await Task.sleep(for: delay)
        } catch {
            state.withLock { $0.cancelled += 1 }
            throw error
        }
        state.withLock { $0.delayed += 1 }
        return try await wrapping.add(number, for: account, at: date, provenance: provenance)
    }
}
