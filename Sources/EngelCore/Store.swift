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

/// Keeps the accounts.
public protocol AccountStore: Sendable {
    /// Creates an account; throws ``StoreError/accountExists(_:)`` when the name is taken.
    func createAccount(name: AccountName, apiKey: String, hashDigest: HashDigest, createdAt: Date) async throws
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
    func setAPIAccess(_ enabled: Bool, forAccountNamed name: AccountName) async throws -> Bool
    /// Replaces the stored hash digest; returns whether the account exists.
    func replaceHashDigest(_ digest: HashDigest, forAccountNamed name: AccountName) async throws -> Bool
    /// Deletes the account and its whole list; returns whether it existed.
    func deleteAccount(named name: AccountName) async throws -> Bool
}

/// Keeps each account's list of blocked numbers.
///
/// Every write is durable when its call returns. Lists are ordered by added-at time, oldest first,
/// ties by insertion order.
public protocol BlacklistStore: Sendable {
    /// Lists `number` for `account` at `date`; re-adding keeps the original time.
    func add(_ number: PhoneNumber, for account: Account.ID, at date: Date) async throws -> AddOutcome
    /// Lists every number of `numbers` at `date`, in order; returns how many were new. See the
    /// default implementation.
    func addAll(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws -> Int
    /// Unlists `number`; returns whether it was listed.
    func remove(_ number: PhoneNumber, for account: Account.ID) async throws -> Bool
    /// Whether `number` is listed for `account`.
    func contains(_ number: PhoneNumber, for account: Account.ID) async throws -> Bool
    /// Whether each of `numbers` is listed for `account`, in order, from one snapshot.
    func listed(_ numbers: [PhoneNumber], for account: Account.ID) async throws -> [Bool]
    /// Lists each of `numbers` (distinct) for `account` at `date`, all in one durable commit;
    /// returns, in order, whether each was not listed before. Concurrent calls behave as if they
    /// ran one after another.
    func addBatch(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws -> [Bool]
    /// Unlists each of `numbers` (distinct) for `account`, all in one durable commit; returns, in
    /// order, whether each was listed.
    func removeBatch(_ numbers: [PhoneNumber], for account: Account.ID) async throws -> [Bool]
    /// One page of the entries matching `filter`, and how many match in all, from one snapshot.
    func page(for account: Account.ID, filter: DateFilter, page: PageRequest) async throws -> BlacklistPage
    /// Throws when the store cannot serve requests.
    func checkHealth() async throws
}

extension AccountStore {
    /// Stores without a cache answer from the database every time.
    public func currentAccount(withKey apiKey: String) async throws -> Account? {
        try await account(withKey: apiKey)
    }
}

extension BlacklistStore {
    /// Lists every number of `numbers` for `account` at `date`, in order, each durable when this
    /// returns; returns how many were not listed before. For bulk loads (migrating a list in,
    /// seeding), not for the API. Stores override it to use fewer, larger transactions.
    public func addAll(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws -> Int {
        var added = 0
        for number in numbers where try await add(number, for: account, at: date) == .added {
            added += 1
        }
        return added
    }
}

/// A store of accounts and their lists: what the server runs on.
public protocol EngelStore: AccountStore, BlacklistStore {
    /// Authenticates `call` and carries its operation out, as ``carryOut(_:)`` does; the reply is
    /// at hand when the store needs no suspension for it (see ``Reply``).
    func reply(to call: ListCall) -> Reply<Result<ListCallResult, any Error>>
    /// Gets ready to answer quickly from the first request (a store with caches fills them);
    /// returns a line for the operator when it did something worth telling (the caller adds how
    /// long it took).
    func prepareForServing() async throws -> String?
    /// Finishes pending writes and releases the store's resources; later calls fail.
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
        }
    }
}
