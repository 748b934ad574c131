import EngelCore
import Synchronization

/// What a custom write may change in the memory caches, so the writer can bring them up to date
/// once its transaction commits.
enum CacheEffect: Sendable {
    /// Nothing memory holds changed (audit records, webhooks, the change log alone).
    case nothing
    /// Accounts were created or changed: reload the account directory.
    case accounts
    /// Accounts were deleted: reload the account directory and forget every mirrored list.
    case accountsAndLists
    /// One account's list changed in bulk: forget its mirror; it reloads on its next use.
    case list(Account.ID)
}

/// The accounts, by key, name and id: the SQLite store answers authentication from here.
struct AccountDirectory: Sendable {
    private(set) var byKey: [String: Account] = [:]
    private(set) var byName: [AccountName: Account] = [:]
    private(set) var ids: Set<Account.ID> = []

    init(_ accounts: [Account] = []) {
        for account in accounts {
            byKey[account.apiKey] = account
            byName[account.name] = account
            ids.insert(account.id)
        }
    }

    mutating func store(_ account: Account) {
        if let previous = byName[account.name], previous.apiKey != account.apiKey {
            byKey[previous.apiKey] = nil
        }
        byKey[account.apiKey] = account
        byName[account.name] = account
        ids.insert(account.id)
    }

    /// Every account, by name.
    var sorted: [Account] { byName.values.sorted { $0.name < $1.name } }
}

/// The SQLite store's memory: the account directory and the mirrored lists.
///
/// Only the writer changes them, after the transaction holding a change has committed, so a
/// caller answered 200 finds its change here; readers take a snapshot under the lock.
final class SQLiteCaches: Sendable {
    let accounts = Mutex(AccountDirectory())
    let lists = Mutex<[Account.ID: ListMirror]>([:])

    /// Forgets every mirrored list: after a failed commit or another process's change, when
    /// what memory holds can no longer be trusted to match the file.
    func forgetLists() {
        lists.withLock { $0.removeAll() }
    }
}
