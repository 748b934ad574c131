public import EngelCore
public import Foundation

/// A store in memory: for tests and throwaway servers. Nothing survives the process.
///
/// It is also the plainest statement of the store contract: the SQLite and PostgreSQL stores
/// must answer as it does.
public actor MemoryStore: EngelStore {
    private struct Entry {
        let number: PhoneNumber
        let addedAt: Int64
        let sequence: Int64
        let source: ChangeSource
        var reason: String?
        var until: Date?
        let actor: ChangeActor?

        var key: (Int64, Int64) { (addedAt, sequence) }

        func isInForce(at date: Date) -> Bool { until.map { $0 > date } ?? true }

        var listEntry: ListEntry {
            ListEntry(
                number: number, addedAt: Date(microsecondsSince1970: addedAt), source: source, reason: reason,
                until: until, actor: actor)
        }
    }

    /// One account's list, kept sorted by (added-at, insertion order).
    private struct List {
        var entries: [Entry] = []
        var index: [PhoneNumber: Entry] = [:]

        mutating func insert(_ entry: Entry) {
            entries.insert(entry, at: position(of: entry.key))
            index[entry.number] = entry
        }

        mutating func remove(_ number: PhoneNumber) -> Entry? {
            guard let entry = index.removeValue(forKey: number) else { return nil }
            entries.remove(at: position(of: entry.key))
            return entry
        }

        mutating func replace(_ entry: Entry) {
            entries[position(of: entry.key)] = entry
            index[entry.number] = entry
        }

        /// The position of the first entry whose (added-at, sequence) is not below `key`.
        func position(of key: (Int64, Int64)) -> Int {
            var low = 0
            var high = entries.count
            while low < high {
                let middle = (low + high) / 2
                if entries[middle].key < key { low = middle + 1 } else { high = middle }
            }
            return low
        }

        func firstPosition(addedAtOrAfter micros: Int64) -> Int {
            position(of: (micros, .min))
        }
    }

    private struct Lease {
        let holder: String
        let until: Date
    }

    private var accountsByID: [Account.ID: Account] = [:]
    private var lists: [Account.ID: List] = [:]
    private var changeLogs: [Account.ID: [ChangeRecord]] = [:]
    private var auditRecords: [AuditRecord] = []
    private var webhooksByID: [Int64: Webhook] = [:]
    private var leases: [Int64: Lease] = [:]
    private var nextAccountID: Account.ID = 1
    private var nextSequence: Int64 = 1
    /// The last change-feed position handed out, across accounts.
    private var feedPosition: Int64 = 0
    private var nextWebhookID: Int64 = 1
    private var panelUsersByName: [PanelUserName: PanelUser] = [:]
    private var panelSessionsByDigest: [PanelSessionDigest: PanelSessionRow] = [:]

    /// A session as stored: its user by name, so a change to the user shows in every session.
    private struct PanelSessionRow {
        let user: PanelUserName
        let createdAt: Date
        var lastSeenAt: Date
        let csrfToken: String
    }

    /// Creates an empty store.
    public init() {}

    // MARK: AccountStore

    public func createAccount(name: AccountName, apiKey: String, hashDigest: HashDigest, audit: AuditContext) throws
        -> Account
    {
        guard !accountsByID.values.contains(where: { $0.name == name }) else {
            throw StoreError.accountExists(name)
        }
        let account = Account(
            id: nextAccountID, name: name, apiKey: apiKey, hashDigest: hashDigest, apiEnabled: true,
            createdAt: audit.at)
        nextAccountID += 1
        accountsByID[account.id] = account
        record(.created, for: name, detail: nil, audit: audit)
        return account
    }

    public func account(withKey apiKey: String) -> Account? {
        accountsByID.values.first { $0.apiKey == apiKey }
    }

    public func account(named name: AccountName) -> Account? {
        accountsByID.values.first { $0.name == name }
    }

    public func accounts() -> [Account] {
        accountsByID.values.sorted { $0.name < $1.name }
    }

    public func setAPIAccess(_ enabled: Bool, forAccountNamed name: AccountName, audit: AuditContext) -> Bool {
        update(name, action: enabled ? .apiEnabled : .apiDisabled, audit: audit) { account in
            Account(
                id: account.id, name: account.name, apiKey: account.apiKey, hashDigest: account.hashDigest,
                apiEnabled: enabled, createdAt: account.createdAt)
        }
    }

    public func replaceHashDigest(_ digest: HashDigest, forAccountNamed name: AccountName, audit: AuditContext) -> Bool
    {
        update(name, action: .hashRotated, audit: audit) { account in
            Account(
                id: account.id, name: account.name, apiKey: account.apiKey, hashDigest: digest,
                apiEnabled: account.apiEnabled, createdAt: account.createdAt)
        }
    }

    public func deleteAccount(named name: AccountName, audit: AuditContext) -> Bool {
        guard let account = account(named: name) else { return false }
        accountsByID[account.id] = nil
        lists[account.id] = nil
        changeLogs[account.id] = nil
        for webhook in webhooksByID.values where webhook.account == account.id {
            webhooksByID[webhook.id] = nil
            leases[webhook.id] = nil
        }
        for user in panelUsersByName.values where user.account == name {
            panelUsersByName[user.name] = nil
            _ = endPanelSessions(ofUserNamed: user.name)
        }
        record(.deleted, for: name, detail: nil, audit: audit)
        return true
    }

    public func recordAudit(
        _ action: AuditAction, forAccountNamed name: AccountName, detail: String?, audit: AuditContext
    ) -> Bool {
        guard account(named: name) != nil else { return false }
        record(action, for: name, detail: detail, audit: audit)
        return true
    }

    public func auditLog(forAccountNamed name: AccountName) -> [AuditRecord] {
        auditRecords.filter { $0.account == name }
    }

    private func update(
        _ name: AccountName, action: AuditAction, audit: AuditContext, _ change: (Account) -> Account
    ) -> Bool {
        guard let account = account(named: name) else { return false }
        accountsByID[account.id] = change(account)
        record(action, for: name, detail: nil, audit: audit)
        return true
    }

    private func record(_ action: AuditAction, for name: AccountName, detail: String?, audit: AuditContext) {
        auditRecords.append(
            AuditRecord(
                seq: Int64(auditRecords.count + 1), at: audit.at, account: name, action: action, actor: audit.actor,
                detail: detail))
    }

    // MARK: BlacklistStore

    public func add(_ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance)
        throws -> AddOutcome
    {
        // A list outlives no account: an add racing the account's deletion finds it gone.
        guard accountsByID[account] != nil else { throw StoreError.accountMissing }
        // Mutating in place: a copy of the list per add would make bulk loads quadratic.
        if var entry = inForceEntry(number, for: account, at: date) {
            guard let end = BlockEnd.moved(entry.until, by: provenance.until) else { return .alreadyListed }
            entry.until = end
            if let reason = provenance.reason { entry.reason = reason }
            lists[account]?.replace(entry)
            log(.add, number, for: account, at: date, provenance: provenance, until: end)
            return .alreadyListed
        }
        let entry = Entry(
            number: number, addedAt: date.microsecondsSince1970, sequence: nextSequence, source: provenance.source,
            reason: provenance.reason, until: provenance.until, actor: provenance.actor)
        nextSequence += 1
        lists[account, default: List()].insert(entry)
        log(.add, number, for: account, at: date, provenance: provenance, until: provenance.until)
        return .added
    }

    public func remove(_ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance) -> Bool {
        guard inForceEntry(number, for: account, at: date) != nil else { return false }
        _ = lists[account]?.remove(number)
        log(.remove, number, for: account, at: date, provenance: provenance, until: nil)
        return true
    }

    public func contains(_ number: PhoneNumber, for account: Account.ID, at date: Date) -> Bool {
        lists[account]?.index[number]?.isInForce(at: date) ?? false
    }

    public func listed(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) -> [Bool] {
        numbers.map { contains($0, for: account, at: date) }
    }

    public func listedEntries(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) -> [ListEntry?] {
        numbers.map { number in
            lists[account]?.index[number].flatMap { $0.isInForce(at: date) ? $0.listEntry : nil }
        }
    }

    public func addBatch(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance)
        throws -> [Bool]
    {
        try numbers.map { try add($0, for: account, at: date, provenance: provenance) == .added }
    }

    public func removeBatch(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance)
        -> [Bool]
    {
        numbers.map { remove($0, for: account, at: date, provenance: provenance) }
    }

    public func page(for account: Account.ID, filter: DateFilter, page: PageRequest) -> BlacklistPage {
        let (entries, count) = slice(of: account, filter: filter, page: page)
        return BlacklistPage(numbers: entries.map(\.number), count: count)
    }

    public func entries(for account: Account.ID, filter: DateFilter, page: PageRequest) -> EntriesPage {
        let (entries, count) = slice(of: account, filter: filter, page: page)
        return EntriesPage(entries: entries.map(\.listEntry), count: count, seq: feedPosition)
    }

    private func slice(of account: Account.ID, filter: DateFilter, page: PageRequest) -> (ArraySlice<Entry>, Int) {
        guard let list = lists[account] else { return ([], 0) }
        let lower = filter.lowerMicroseconds.map(list.firstPosition(addedAtOrAfter:)) ?? 0
        let upper = filter.upperMicrosecondsExclusive.map(list.firstPosition(addedAtOrAfter:)) ?? list.entries.count
        guard lower < upper else { return ([], 0) }
        let start = lower + min(page.offset, upper - lower)
        let end = start + min(page.rowCount, upper - start)
        return (list.entries[start..<end], upper - lower)
    }

    public func changes(for account: Account.ID, after seq: Int64, limit: Int) -> ChangesPage {
        let log = changeLogs[account] ?? []
        let start = log.firstIndex { $0.seq > seq } ?? log.endIndex
        let records = Array(log[start..<min(start + limit, log.endIndex)])
        return ChangesPage(changes: records, next: records.last?.seq ?? seq, oldest: log.first?.seq ?? 0)
    }

    public func expire(through date: Date) -> Int {
        var expired = 0
        for account in lists.keys.sorted() {
            let ended = (lists[account]?.entries ?? []).compactMap { entry in
                entry.until.flatMap { $0 <= date ? (until: $0, entry: entry) : nil }
            }
            for (_, entry) in ended.sorted(by: { ($0.until, $0.entry.number) < ($1.until, $1.entry.number) }) {
                expire(entry, for: account)
                expired += 1
            }
        }
        return expired
    }

    /// The entry of `number` in force at `date`; one whose block has ended is expired first, as
    /// ``expire(through:)`` would have.
    private func inForceEntry(_ number: PhoneNumber, for account: Account.ID, at date: Date) -> Entry? {
        guard let entry = lists[account]?.index[number] else { return nil }
        guard entry.isInForce(at: date) else {
            expire(entry, for: account)
            return nil
        }
        return entry
    }

    private func expire(_ entry: Entry, for account: Account.ID) {
        guard let until = entry.until else { return }
        _ = lists[account]?.remove(entry.number)
        log(
            .remove, entry.number, for: account, at: until, provenance: Provenance(source: .expiry, actor: .system),
            until: nil)
    }

    public func pruneChanges(before date: Date) -> Int {
        var pruned = 0
        for account in changeLogs.keys {
            let before = changeLogs[account]?.count ?? 0
            changeLogs[account]?.removeAll { $0.at < date }
            pruned += before - (changeLogs[account]?.count ?? 0)
        }
        return pruned
    }

    public func eraseHistory(of number: PhoneNumber, for account: Account.ID, audit: AuditContext) throws -> Int {
        guard let owner = accountsByID[account] else { throw StoreError.accountMissing }
        let before = changeLogs[account]?.count ?? 0
        changeLogs[account]?.removeAll { $0.number == number }
        let erased = before - (changeLogs[account]?.count ?? 0)
        if var entry = lists[account]?.index[number], entry.reason != nil {
            entry.reason = nil
            lists[account]?.replace(entry)
        }
        record(.historyErased, for: owner.name, detail: "\(erased) change records", audit: audit)
        return erased
    }

    private func log(
        _ action: ChangeAction, _ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance,
        until: Date?
    ) {
        feedPosition += 1
        changeLogs[account, default: []].append(
            ChangeRecord(
                seq: feedPosition, at: date, action: action, number: number, source: provenance.source,
                reason: provenance.reason, until: until, actor: provenance.actor))
    }

    public func checkHealth() {}

    public func close() {}

    // MARK: WebhookStore

    public func addWebhook(for account: Account.ID, url: String, secret: String, audit: AuditContext) throws
        -> Webhook
    {
        guard let owner = accountsByID[account] else { throw StoreError.accountMissing }
        let webhook = Webhook(
            id: nextWebhookID, account: account, url: url, secret: secret, createdAt: audit.at,
            deliveredThrough: feedPosition)
        nextWebhookID += 1
        webhooksByID[webhook.id] = webhook
        record(.webhookAdded, for: owner.name, detail: url, audit: audit)
        return webhook
    }

    public func webhooks() -> [Webhook] {
        webhooksByID.values.sorted { $0.id < $1.id }
    }

    public func removeWebhook(id: Int64, audit: AuditContext) -> Bool {
        guard let webhook = webhooksByID.removeValue(forKey: id) else { return false }
        leases[id] = nil
        if let owner = accountsByID[webhook.account] {
            record(.webhookRemoved, for: owner.name, detail: webhook.url, audit: audit)
        }
        return true
    }

    public func recordDelivery(webhook id: Int64, through seq: Int64) {
        guard let webhook = webhooksByID[id], seq > webhook.deliveredThrough else { return }
        webhooksByID[id] = Webhook(
            id: webhook.id, account: webhook.account, url: webhook.url, secret: webhook.secret,
            createdAt: webhook.createdAt, deliveredThrough: seq)
    }

    public func claimWebhook(id: Int64, holder: String, now: Date, lease: Duration) -> Bool {
        guard webhooksByID[id] != nil else { return false }
        if let current = leases[id], current.holder != holder, current.until > now { return false }
        leases[id] = Lease(holder: holder, until: now.addingTimeInterval(lease.seconds))
        return true
    }
}

// MARK: PanelStore

extension MemoryStore {
    public func createPanelUser(
        name: PanelUserName, role: PanelRole, passwordHash: PanelPasswordHash, audit: AuditContext
    ) throws -> PanelUser {
        guard panelUsersByName[name] == nil else { throw StoreError.panelUserExists(name) }
        if let account = role.account, self.account(named: account) == nil { throw StoreError.accountMissing }
        let user = PanelUser(
            name: name, role: role, passwordHash: passwordHash, disabled: false, createdAt: Self.stored(audit.at))
        panelUsersByName[name] = user
        recordPanel(.panelUserCreated, user, audit: audit)
        return user
    }

    public func panelUser(named name: PanelUserName) -> PanelUser? {
        panelUsersByName[name]
    }

    public func panelUsers() -> [PanelUser] {
        panelUsersByName.values.sorted { $0.name < $1.name }
    }

    public func setPanelUserDisabled(_ disabled: Bool, named name: PanelUserName, audit: AuditContext) -> Bool {
        guard let user = panelUsersByName[name] else { return false }
        panelUsersByName[name] = PanelUser(
            name: name, role: user.role, passwordHash: user.passwordHash, disabled: disabled,
            createdAt: user.createdAt)
        if disabled { _ = endPanelSessions(ofUserNamed: name) }
        recordPanel(disabled ? .panelUserDisabled : .panelUserEnabled, user, audit: audit)
        return true
    }

    public func replacePanelPasswordHash(_ hash: PanelPasswordHash, named name: PanelUserName, audit: AuditContext)
        -> Bool
    {
        guard let user = panelUsersByName[name] else { return false }
        panelUsersByName[name] = PanelUser(
            name: name, role: user.role, passwordHash: hash, disabled: user.disabled, createdAt: user.createdAt)
        _ = endPanelSessions(ofUserNamed: name)
        recordPanel(.panelPasswordReset, user, audit: audit)
        return true
    }

    public func rehashPanelPassword(
        _ hash: PanelPasswordHash, replacing current: PanelPasswordHash, named name: PanelUserName
    ) -> Bool {
        guard let user = panelUsersByName[name], user.passwordHash == current else { return false }
        panelUsersByName[name] = PanelUser(
            name: name, role: user.role, passwordHash: hash, disabled: user.disabled, createdAt: user.createdAt)
        return true
    }

    public func deletePanelUser(named name: PanelUserName, audit: AuditContext) -> Bool {
        guard let user = panelUsersByName.removeValue(forKey: name) else { return false }
        _ = endPanelSessions(ofUserNamed: name)
        recordPanel(.panelUserDeleted, user, audit: audit)
        return true
    }

    public func createPanelSession(
        digest: PanelSessionDigest, csrfToken: String, user name: PanelUserName, at date: Date
    )
        -> PanelSession?
    {
        guard let user = panelUsersByName[name], !user.disabled else { return nil }
        let row = PanelSessionRow(
            user: name, createdAt: Self.stored(date), lastSeenAt: Self.stored(date), csrfToken: csrfToken)
        panelSessionsByDigest[digest] = row
        return session(digest, row, user)
    }

    public func livePanelSession(digest: PanelSessionDigest, at date: Date, policy: PanelSessionPolicy)
        -> PanelSession?
    {
        guard var row = panelSessionsByDigest[digest],
            policy.isLive(createdAt: row.createdAt, lastSeenAt: row.lastSeenAt, at: date),
            let user = panelUsersByName[row.user], !user.disabled
        else { return nil }
        // A request that began before another's touch must not move the last use back.
        row.lastSeenAt = max(row.lastSeenAt, Self.stored(date))
        panelSessionsByDigest[digest] = row
        return session(digest, row, user)
    }

    public func endPanelSession(digest: PanelSessionDigest) -> Bool {
        panelSessionsByDigest.removeValue(forKey: digest) != nil
    }

    public func endPanelSessions(ofUserNamed name: PanelUserName) -> Int {
        let ended = panelSessionsByDigest.filter { $0.value.user == name }.keys
        for digest in ended { panelSessionsByDigest[digest] = nil }
        return ended.count
    }

    public func prunePanelSessions(at date: Date, policy: PanelSessionPolicy) -> Int {
        let ended = panelSessionsByDigest.filter {
            !policy.isLive(createdAt: $0.value.createdAt, lastSeenAt: $0.value.lastSeenAt, at: date)
        }.keys
        for digest in ended { panelSessionsByDigest[digest] = nil }
        return ended.count
    }

    private func session(_ digest: PanelSessionDigest, _ row: PanelSessionRow, _ user: PanelUser) -> PanelSession {
        PanelSession(
            digest: digest, user: user, createdAt: row.createdAt, lastSeenAt: row.lastSeenAt,
            csrfToken: row.csrfToken)
    }

    /// `date` to the microsecond, as the other stores keep times.
    private static func stored(_ date: Date) -> Date {
        Date(microsecondsSince1970: date.microsecondsSince1970)
    }

    /// Records a change to `user` in its account's audit log; an admin's goes nowhere.
    private func recordPanel(_ action: AuditAction, _ user: PanelUser, audit: AuditContext) {
        guard let account = user.account, self.account(named: account) != nil else { return }
        record(action, for: account, detail: PanelAudit.detail(user.name, user.role), audit: audit)
    }
}
