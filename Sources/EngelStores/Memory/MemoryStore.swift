public import EngelCore
public import Foundation

/// A store in memory: for tests and throwaway servers. Nothing survives the process.
public actor MemoryStore: EngelStore {
    private struct Entry {
        let number: PhoneNumber
        let addedAt: Int64
        let sequence: Int64

        var key: (Int64, Int64) { (addedAt, sequence) }
    }

    /// One account's list, kept sorted by (added-at, insertion order).
    private struct List {
        var entries: [Entry] = []
        var index: [PhoneNumber: Entry] = [:]

        /// The position of the first entry whose (added-at, sequence) is not below `key`.
        mutating func insert(_ entry: Entry) {
            entries.insert(entry, at: position(of: entry.key))
            index[entry.number] = entry
        }

        mutating func remove(_ number: PhoneNumber) -> Bool {
            guard let entry = index.removeValue(forKey: number) else { return false }
            entries.remove(at: position(of: entry.key))
            return true
        }

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

    private var accountsByID: [Account.ID: Account] = [:]
    private var lists: [Account.ID: List] = [:]
    private var nextAccountID: Account.ID = 1
    private var nextSequence: Int64 = 1

    /// Creates an empty store.
    public init() {}

    // MARK: AccountStore

    public func createAccount(name: AccountName, apiKey: String, hashDigest: HashDigest, createdAt: Date) throws
        -> Account
    {
        guard !accountsByID.values.contains(where: { $0.name == name }) else {
            throw StoreError.accountExists(name)
        }
        let account = Account(
            id: nextAccountID, name: name, apiKey: apiKey, hashDigest: hashDigest, apiEnabled: true,
            createdAt: createdAt)
        nextAccountID += 1
        accountsByID[account.id] = account
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

    public func setAPIAccess(_ enabled: Bool, forAccountNamed name: AccountName) -> Bool {
        update(name) { account in
            Account(
                id: account.id, name: account.name, apiKey: account.apiKey, hashDigest: account.hashDigest,
                apiEnabled: enabled, createdAt: account.createdAt)
        }
    }

    public func replaceHashDigest(_ digest: HashDigest, forAccountNamed name: AccountName) -> Bool {
        update(name) { account in
            Account(
                id: account.id, name: account.name, apiKey: account.apiKey, hashDigest: digest,
                apiEnabled: account.apiEnabled, createdAt: account.createdAt)
        }
    }

    public func deleteAccount(named name: AccountName) -> Bool {
        guard let account = account(named: name) else { return false }
        accountsByID[account.id] = nil
        lists[account.id] = nil
        return true
    }

    private func update(_ name: AccountName, _ change: (Account) -> Account) -> Bool {
        guard let account = account(named: name) else { return false }
        accountsByID[account.id] = change(account)
        return true
    }

    // MARK: BlacklistStore

    public func add(_ number: PhoneNumber, for account: Account.ID, at date: Date) -> AddOutcome {
        // Mutating in place: a copy of the list per add would make bulk loads quadratic.
        if lists[account]?.index[number] != nil { return .alreadyListed }
        let entry = Entry(number: number, addedAt: date.microsecondsSince1970, sequence: nextSequence)
        nextSequence += 1
        lists[account, default: List()].insert(entry)
        return .added
    }

    public func remove(_ number: PhoneNumber, for account: Account.ID) -> Bool {
        lists[account]?.remove(number) ?? false
    }

    public func contains(_ number: PhoneNumber, for account: Account.ID) -> Bool {
        lists[account]?.index[number] != nil
    }

    public func listed(_ numbers: [PhoneNumber], for account: Account.ID) -> [Bool] {
        guard let index = lists[account]?.index else { return numbers.map { _ in false } }
        return numbers.map { index[$0] != nil }
    }

    public func addBatch(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) -> [Bool] {
        numbers.map { add($0, for: account, at: date) == .added }
    }

    public func removeBatch(_ numbers: [PhoneNumber], for account: Account.ID) -> [Bool] {
        numbers.map { remove($0, for: account) }
    }

    public func page(for account: Account.ID, filter: DateFilter, page: PageRequest) -> BlacklistPage {
        guard let list = lists[account] else { return BlacklistPage(numbers: [], count: 0) }
        let lower = filter.lowerMicroseconds.map(list.firstPosition(addedAtOrAfter:)) ?? 0
        let upper = filter.upperMicrosecondsExclusive.map(list.firstPosition(addedAtOrAfter:)) ?? list.entries.count
        guard lower < upper else { return BlacklistPage(numbers: [], count: 0) }
        let start = lower + min(page.offset, upper - lower)
        let end = start + min(page.rowCount, upper - start)
        return BlacklistPage(numbers: list.entries[start..<end].map(\.number), count: upper - lower)
    }

    public func checkHealth() {}

    public func close() {}
}
