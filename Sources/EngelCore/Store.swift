import Foundation

/// What adding a number did.
public enum AddOutcome: Sendable, Hashable {
    /// The number was not listed and now is.
    case added
    /// The number was already listed; its original added-at time is kept.
    case alreadyListed
}

/// One page of an account's list, with the size of the whole filtered list.
public struct BlacklistPage: Sendable, Hashable {
    /// Entries on this page, oldest first.
    public let numbers: [PhoneNumber]
    /// How many entries match the filter across all pages.
    public let count: Int

    /// Creates a page.
    public init(numbers: [PhoneNumber], count: Int) {
        self.numbers = numbers
        self.count = count
    }
}

/// Keeps the accounts, and the audit log of what happened to them.
///
/// Every change to an account writes its audit record in the same transaction.
public protocol AccountStore: Sendable {
    /// Creates an account at `audit.at`; throws ``StoreError/accountExists(_:)`` when the name is
    /// taken.
    func createAccount(name: AccountName, apiKey: String, hashDigest: HashDigest, audit: AuditContext) async throws
        -> Account
    /// The account owning `apiKey`, if any. A store may answer from a cache that lags changes made
    /// by other processes by a moment; see ``currentAccount(withKey:)``.
    func account(withKey apiKey: String) async throws -> Account?
    /// The account owning `apiKey` as the database holds it now, bypassing any cache: what a
    /// refusal is checked against, so an account created or a key rotated a moment ago by another
    /// process is never refused.
    func currentAccount(withKey apiKey: String) async throws -> Account?
    /// The account named `name`, if any.
    func account(named name: AccountName) async throws -> Account?
    /// All accounts, by name.
    func accounts() async throws -> [Account]
    /// Turns API access on or off; returns whether the account exists.
    func setAPIAccess(_ enabled: Bool, forAccountNamed name: AccountName, audit: AuditContext) async throws -> Bool
    /// Replaces the stored hash digest; returns whether the account exists.
    func replaceHashDigest(_ digest: HashDigest, forAccountNamed name: AccountName, audit: AuditContext) async throws
        -> Bool
    /// Deletes the account, its whole list, its change log, its webhooks and its panel users (ending
    /// their sessions), leaving an audit record; returns whether it existed.
    func deleteAccount(named name: AccountName, audit: AuditContext) async throws -> Bool
    /// Records `action` in the account's audit log (panel sign-ins; the store records its own
    /// changes itself); returns whether the account exists.
    func recordAudit(_ action: AuditAction, forAccountNamed name: AccountName, detail: String?, audit: AuditContext)
        async throws -> Bool
    /// The audit log of the account named `name` (deleted accounts included), oldest first.
    func auditLog(forAccountNamed name: AccountName) async throws -> [AuditRecord]
}

extension AccountStore {
    /// Stores without a cache answer from the database every time.
    public func currentAccount(withKey apiKey: String) async throws -> Account? {
        try await account(withKey: apiKey)
    }

    /// Creates an account from the command line (``createAccount(name:apiKey:hashDigest:audit:)``).
    public func createAccount(name: AccountName, apiKey: String, hashDigest: HashDigest, createdAt: Date)
        async throws -> Account
    {
        try await createAccount(
            name: name, apiKey: apiKey, hashDigest: hashDigest, audit: AuditContext(at: createdAt, actor: .cli))
    }

    /// Turns API access on or off from the command line, now.
    public func setAPIAccess(_ enabled: Bool, forAccountNamed name: AccountName) async throws -> Bool {
        try await setAPIAccess(enabled, forAccountNamed: name, audit: .cliNow)
    }

    /// Replaces the hash digest from the command line, now.
    public func replaceHashDigest(_ digest: HashDigest, forAccountNamed name: AccountName) async throws -> Bool {
        try await replaceHashDigest(digest, forAccountNamed: name, audit: .cliNow)
    }

    /// Deletes the account from the command line, now.
    public func deleteAccount(named name: AccountName) async throws -> Bool {
        try await deleteAccount(named: name, audit: .cliNow)
    }
}

/// Keeps each account's list of blocked numbers, every entry's provenance, and the change log.
///
/// Every write is durable when its call returns, and writes each change's record in the same
/// transaction (DESIGN.md, "Change feed"): a new add, a remove, an expiry, and an add that moves
/// `until`. Lists are ordered by added-at time, oldest first, ties by insertion order.
///
/// Expiry: an entry whose `until` has passed is not listed. ``listed(_:for:at:)``,
/// ``listedEntries(_:for:at:)`` and ``contains(_:for:at:)`` are exact at `date`; an add treats an
/// expired entry as absent; pages, counts and the feed show an expiry once ``expire(through:)``
/// has run (the server runs it every second).
public protocol BlacklistStore: Sendable {
    /// Lists `number` for `account` at `date`. A re-add changes nothing unless it moves the
    /// block's end later (no `until` is forever): then the entry takes the new end, and the new
    /// reason when one is given, and the change is logged as an `add`. Its added-at time stays.
    /// Throws ``StoreError/accountMissing`` when the account no longer exists (deleted after the
    /// caller found it), as ``addAll(_:for:at:provenance:)`` and ``addBatch(_:for:at:provenance:)`` do.
    func add(_ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance) async throws
        -> AddOutcome
    /// Lists every number of `numbers` at `date`, in order; returns how many were new. See the
    /// default implementation.
    func addAll(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> Int
    /// Unlists `number` at `date`; returns whether it was listed.
    func remove(_ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance) async throws
        -> Bool
    /// Whether `number` is listed for `account` at `date`.
    func contains(_ number: PhoneNumber, for account: Account.ID, at date: Date) async throws -> Bool
    /// Whether each of `numbers` is listed for `account` at `date`, in order, from one snapshot.
    func listed(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws -> [Bool]
    /// The entry of each of `numbers` listed for `account` at `date` (`nil` for the others), in
    /// order, from one snapshot.
    func listedEntries(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws
        -> [ListEntry?]
    /// Lists each of `numbers` (distinct) for `account` at `date`, all in one durable commit;
    /// returns, in order, whether each was not listed before. Concurrent calls behave as if they
    /// ran one after another.
    func addBatch(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> [Bool]
    /// Unlists each of `numbers` (distinct) for `account` at `date`, all in one durable commit;
    /// returns, in order, whether each was listed.
    func removeBatch(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> [Bool]
    /// One page of the entries matching `filter`, and how many match in all, from one snapshot.
    func page(for account: Account.ID, filter: DateFilter, page: PageRequest) async throws -> BlacklistPage
    /// ``page(for:filter:page:)`` with every entry's provenance, and the feed position it was read at.
    func entries(for account: Account.ID, filter: DateFilter, page: PageRequest) async throws -> EntriesPage
    /// Up to `limit` change records of `account` after `seq`, in order.
    func changes(for account: Account.ID, after seq: Int64, limit: Int) async throws -> ChangesPage
    /// Unlists every entry of every account whose `until` is at or before `date`, recording each
    /// removal once (at its `until`, source `expiry`, actor `system`); returns how many.
    func expire(through date: Date) async throws -> Int
    /// Drops the change records made before `date` (the retention setting); returns how many.
    func pruneChanges(before date: Date) async throws -> Int
    /// Erases `number`'s change records and its entry's reason for `account` (a data subject's
    /// request), and audits the erasure without the number; returns how many records went. The
    /// entry stays if it is listed.
    func eraseHistory(of number: PhoneNumber, for account: Account.ID, audit: AuditContext) async throws -> Int
    /// Throws when the store cannot serve requests.
    func checkHealth() async throws
}

extension BlacklistStore {
    /// Lists every number of `numbers` for `account` at `date`, in order, each durable when this
    /// returns; returns how many were not listed before. For bulk loads (migrating a list in,
    /// seeding), not for the API. Stores override it to use fewer, larger transactions.
    public func addAll(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> Int
    {
        var added = 0
        for number in numbers where try await add(number, for: account, at: date, provenance: provenance) == .added {
            added += 1
        }
        return added
    }

    /// Lists `number` as add-blacklist does with nothing but the number.
    public func add(_ number: PhoneNumber, for account: Account.ID, at date: Date) async throws -> AddOutcome {
        try await add(number, for: account, at: date, provenance: .api)
    }

    /// Lists `numbers` as `engel account load` does.
    public func addAll(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws -> Int {
        try await addAll(numbers, for: account, at: date, provenance: Provenance(source: .load, actor: .cli))
    }

    /// Unlists `number` now, as delete-blacklist does with nothing but the number.
    public func remove(_ number: PhoneNumber, for account: Account.ID) async throws -> Bool {
        try await remove(number, for: account, at: Date(), provenance: .api)
    }

    /// Whether `number` is listed now.
    public func contains(_ number: PhoneNumber, for account: Account.ID) async throws -> Bool {
        try await contains(number, for: account, at: Date())
    }

    /// Whether each of `numbers` is listed now.
    public func listed(_ numbers: [PhoneNumber], for account: Account.ID) async throws -> [Bool] {
        try await listed(numbers, for: account, at: Date())
    }

    /// Lists `numbers` as bulk-add-blacklist does with nothing but the numbers.
    public func addBatch(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws -> [Bool] {
        try await addBatch(numbers, for: account, at: date, provenance: Provenance(source: .bulk, actor: .api))
    }

    /// Unlists `numbers` now, as bulk-delete-blacklist does with nothing but the numbers.
    public func removeBatch(_ numbers: [PhoneNumber], for account: Account.ID) async throws -> [Bool] {
        try await removeBatch(numbers, for: account, at: Date(), provenance: Provenance(source: .bulk, actor: .api))
    }
}

/// Keeps the webhooks and their delivery cursors.
public protocol WebhookStore: Sendable {
    /// Adds a webhook for `account`, its cursor at the account's current feed position, and
    /// audits it; throws ``StoreError/accountMissing`` when the account does not exist.
    func addWebhook(for account: Account.ID, url: String, secret: String, audit: AuditContext) async throws -> Webhook
    /// Every webhook of every account, by identifier.
    func webhooks() async throws -> [Webhook]
    /// Removes the webhook and audits it; returns whether it existed.
    func removeWebhook(id: Int64, audit: AuditContext) async throws -> Bool
    /// Moves the webhook's cursor forward to `seq` (never back), durably.
    func recordDelivery(webhook id: Int64, through seq: Int64) async throws
    /// Claims, or renews, the right of `holder` to deliver the webhook until `now + lease`;
    /// returns whether `holder` has it. One holder at a time, across every server of a database.
    func claimWebhook(id: Int64, holder: String, now: Date, lease: Duration) async throws -> Bool
}

/// A store of accounts and their lists, and of the panel's users: what the server runs on.
public protocol EngelStore: AccountStore, BlacklistStore, WebhookStore, PanelStore {
    /// Authenticates `call` and carries its operation out, as ``carryOut(_:)`` does; the reply is
    /// at hand when the store needs no suspension for it (see ``Reply``).
    func reply(to call: ListCall) -> Reply<Result<ListCallResult, any Error>>
    /// Gets ready to answer quickly from the first request (a store with caches fills them);
    /// returns a line for the operator when it did something worth telling (the caller adds how
    /// long it took).
    func prepareForServing() async throws -> String?
    /// Finishes pending writes and releases the store's resources; later calls fail. Calling it
    /// again waits for the first call and does nothing more.
    func close() async
}

extension EngelStore {
    /// Stores without answers at hand carry every call out in a task.
    public func reply(to call: ListCall) -> Reply<Result<ListCallResult, any Error>> {
        .suspending { await carryOut(call) }
    }

    /// Stores without caches have nothing to prepare.
    public func prepareForServing() async throws -> String? { nil }
}

/// What opening a store did to its schema.
public struct SchemaMigration: Sendable, Hashable {
    /// The schema version the database had.
    public let fromVersion: Int
    /// The schema version it has now, the newest this Engel knows.
    public let toVersion: Int

    /// Creates a report.
    public init(fromVersion: Int, toVersion: Int) {
        self.fromVersion = fromVersion
        self.toVersion = toVersion
    }

    /// Whether any migration ran.
    public var appliedAny: Bool { fromVersion != toVersion }
}

/// Failures a store reports beyond its backend's own errors.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An account with this name exists already.
    case accountExists(AccountName)
    /// The store was closed.
    case closed
    /// The stored data is not what this version of Engel wrote.
    case corrupt(String)
    /// The database location cannot be used.
    case invalidLocation(String)
    /// Other processes change the data faster than a read can finish; trying again later may work.
    case contended(String)
    /// The file is not an SQLite database, or holds another program's tables.
    case notEngelDatabase(String)
    /// The database reported damage while it was opened or read.
    case damaged(String)
    /// The database was written by a newer Engel, with a schema this one does not know.
    case newerSchema(found: Int, known: Int)
    /// The database server cannot be reached.
    case unreachable(String)
    /// The database server refused the credentials given.
    case credentialsRefused(String)
    /// The account a write names does not exist (any more).
    case accountMissing
    /// A panel user with this name exists already.
    case panelUserExists(PanelUserName)

    public var description: String {
        switch self {
        case .notEngelDatabase(let detail): "not an Engel database: \(detail)"
        case .damaged(let detail): "the database is damaged: \(detail)"
        case .newerSchema(let found, let known):
            "the database has schema version \(found), newer than this Engel's \(known)"
        case .unreachable(let detail): "the database cannot be reached: \(detail)"
        case .credentialsRefused(let detail): "the database refused the credentials: \(detail)"
        case .accountExists(let name): "an account named \"\(name)\" exists already"
        case .closed: "the store is closed"
        case .corrupt(let detail): "the stored data is corrupt: \(detail)"
        case .invalidLocation(let detail): detail
        case .contended(let detail): "the store is too busy: \(detail)"
        case .accountMissing: "the account does not exist"
        case .panelUserExists(let name): "a panel user named \"\(name)\" exists already"
        }
    }
}
