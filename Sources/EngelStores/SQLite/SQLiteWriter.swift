import EngelCore
import Logging
import SQLiteNIO
import Synchronization

/// Work for the writer connection.
enum WriterCommand: Sendable {
    /// A change, committed with the other writes of its batch.
    case write(WriteJob)
    /// Reads an account's list into memory.
    case loadList(ListLoad)
    /// Looks for commits by other processes, so memory never lags them for long.
    case checkForOtherWriters
}

/// A change to the database.
enum WriteJob: Sendable {
    /// Lists a number.
    case add(Addition)
    /// Unlists a number.
    case remove(Removal)
    /// Lists a batch of numbers.
    case addBatch(BatchAddition)
    /// Unlists a batch of numbers.
    case removeBatch(BatchRemoval)
    /// Anything else that writes (accounts, bulk loads), isolated in a savepoint.
    case custom(any PendingWrite)
}

struct Addition: Sendable {
    let account: Account.ID
    let national: Int64
    let addedAt: Int64
    /// Called once, on the writer's thread, when the addition is durable or has failed.
    let completion: @Sendable (Result<AddOutcome, any Error>) -> Void
}

struct Removal: Sendable {
    let account: Account.ID
    let national: Int64
    /// Called once, on the writer's thread, when the removal is durable or has failed.
    let completion: @Sendable (Result<Bool, any Error>) -> Void
}

struct BatchAddition: Sendable {
    let account: Account.ID
    /// Distinct numbers, in the order they are listed.
    let nationals: [Int64]
    let addedAt: Int64
    /// Called once, on the writer's thread, with whether each number was new, when the batch is
    /// durable or has failed.
    let completion: @Sendable (Result<[Bool], any Error>) -> Void
}

struct BatchRemoval: Sendable {
    let account: Account.ID
    /// Distinct numbers.
    let nationals: [Int64]
    /// Called once, on the writer's thread, with whether each number was listed, when the batch is
    /// durable or has failed.
    let completion: @Sendable (Result<[Bool], any Error>) -> Void
}

struct ListLoad: Sendable {
    let account: Account.ID
    let continuation: CheckedContinuation<Void, any Error>
}

/// The writer connection and what only it may change: it applies batches of jobs, each batch's
/// writes in one transaction (group commit), and brings the memory caches up to date after each
/// commit and before any caller of it is answered.
struct SQLiteWriter {
    let connection: SQLiteConnection
    let caches: SQLiteCaches
    let logger: Logger
    /// `PRAGMA data_version` when last looked at: it changes only when another connection, in
    /// practice another process such as `engel account`, commits to the file.
    private var dataVersion: Int64?

    /// Rows per multi-row statement: SQLite binds at most 32,766 values.
    static let rowsPerStatement = 256

    init(connection: SQLiteConnection, caches: SQLiteCaches, logger: Logger) {
        self.connection = connection
        self.caches = caches
        self.logger = logger
    }

    /// Loads the account directory; done once at open, and again after any account change.
    func reloadAccounts() async throws {
        let rows = try await connection.query("SELECT \(SQLiteStore.accountColumns) FROM accounts")
        let directory = AccountDirectory(try rows.map(SQLiteStore.account(from:)))
        caches.accounts.withLock { $0 = directory }
    }

    /// Runs one batch: its writes in one transaction, then its loads and checks.
    mutating func run(_ batch: [WriterCommand]) async {
        var writes: [WriteJob] = []
        var loads: [ListLoad] = []
        var checkForOtherWriters = false
        for job in batch {
            switch job {
            case .write(let write): writes.append(write)
            case .loadList(let load): loads.append(load)
            // Checks queued together are one check.
            case .checkForOtherWriters: checkForOtherWriters = true
            }
        }
        if !writes.isEmpty { await commit(writes) }
        if checkForOtherWriters {
            do { try await noticeOtherWriters() } catch {
                logger.warning("cannot check the database for other writers", metadata: ["error": "\(error)"])
            }
        }
        for load in loads {
            do {
                try await noticeOtherWriters()
                try await loadList(load.account)
                load.continuation.resume()
            } catch {
                logger.error(
                    "loading a list into memory failed", metadata: ["account": "\(load.account)", "error": "\(error)"])
                load.continuation.resume(throwing: error)
            }
        }
    }

    // MARK: Writes

    private enum Outcome {
        case added(Bool)
        case removed(Bool)
        case batch([Bool])
        case custom(succeeded: Bool)
    }

    private enum ListChange {
        case insert(Account.ID, ListMirror.Entry)
        case remove(Account.ID, ListMirror.Entry)
    }

    private mutating func commit(_ writes: [WriteJob]) async {
        var outcomes: [Outcome] = []
        var changes: [ListChange] = []
        // A group that is one statement commits by itself, durably as any transaction: three round
        // trips to the connection's thread fewer. Other processes' commits are then noticed by the
        // periodic check alone; memory already keeps the file's answer for each number written.
        let transaction = !Self.isOneStatement(writes)
        if transaction {
            do {
                _ = try await connection.query("BEGIN IMMEDIATE")
            } catch {
                logger.error("cannot begin a write transaction", metadata: ["error": "\(error)"])
                Self.fail(writes, error)
                return
            }
        }
        do {
            if transaction { try await noticeOtherWriters() }
            var index = writes.startIndex
            while index < writes.endIndex {
                switch writes[index] {
                case .add:
                    let run = Self.run(of: writes, from: index) {
                        if case .add(let addition) = $0 { addition } else { nil }
                    }
                    outcomes += try await insert(run, changes: &changes).map(Outcome.added)
                    index += run.count
                case .remove:
                    let run = Self.run(of: writes, from: index) {
                        if case .remove(let removal) = $0 { removal } else { nil }
                    }
                    outcomes += try await delete(run, changes: &changes).map(Outcome.removed)
                    index += run.count
                case .addBatch(let batch):
                    // The batch's rows go through the path single adds take; its numbers are
                    // distinct, so each row's own answer is the batch's answer for it.
                    let additions = batch.nationals.map {
                        Addition(account: batch.account, national: $0, addedAt: batch.addedAt) { _ in }
                    }
                    outcomes.append(.batch(try await insert(additions, changes: &changes)))
                    index += 1
                case .removeBatch(let batch):
                    let removals = batch.nationals.map { Removal(account: batch.account, national: $0) { _ in } }
                    outcomes.append(.batch(try await delete(removals, changes: &changes)))
                    index += 1
                case .custom(let write):
                    outcomes.append(.custom(succeeded: try await execute(write, isolated: writes.count > 1)))
                    index += 1
                }
            }
        } catch {
            logger.error("a write failed", metadata: ["error": "\(error)", "writes": "\(writes.count)"])
            if transaction {
                _ = try? await connection.query("ROLLBACK")
            } else {
                // A statement failing in its own commit may or may not have reached the file.
                caches.forgetLists()
            }
            Self.fail(writes, error)
            return
        }
        do {
            if transaction { _ = try await connection.query("COMMIT") }
        } catch {
            logger.error("commit failed", metadata: ["error": "\(error)", "writes": "\(writes.count)"])
            _ = try? await connection.query("ROLLBACK")
            // Whether any of it reached the file is not certain: memory starts again from the file.
            caches.forgetLists()
            Self.fail(writes, error)
            return
        }
        caches.lists.withLock { lists in
            for change in changes {
                switch change {
                case .insert(let account, let entry): lists[account]?.insert(entry)
                case .remove(let account, let entry): lists[account]?.remove(entry)
                }
            }
        }
        await applyEffects(of: writes, outcomes)
        for (job, outcome) in zip(writes, outcomes) {
            switch (job, outcome) {
            case (.add(let addition), .added(let added)):
                addition.completion(.success(added ? .added : .alreadyListed))
            case (.remove(let removal), .removed(let removed)): removal.completion(.success(removed))
            case (.addBatch(let batch), .batch(let added)): batch.completion(.success(added))
            case (.removeBatch(let batch), .batch(let removed)): batch.completion(.success(removed))
            case (.custom(let write), .custom): write.complete(commitError: nil)
            default: break
            }
        }
    }

    /// Whether `writes` run as a single statement: adds only, or one account's removals only, no
    /// more than one statement's rows.
    private static func isOneStatement(_ writes: [WriteJob]) -> Bool {
        guard writes.count <= rowsPerStatement, let first = writes.first else { return false }
        switch first {
        case .add:
            return writes.allSatisfy { if case .add = $0 { true } else { false } }
        case .remove(let firstRemoval):
            return writes.allSatisfy { job in
                if case .remove(let removal) = job { removal.account == firstRemoval.account } else { false }
            }
        case .addBatch, .removeBatch, .custom:
            return false
        }
    }

    /// The jobs from `start` on that `payload` extracts, up to the first it does not.
    private static func run<Payload>(of writes: [WriteJob], from start: Int, _ payload: (WriteJob) -> Payload?)
        -> [Payload]
    {
        var run: [Payload] = []
        for job in writes[start...] {
            guard let item = payload(job) else { break }
            run.append(item)
        }
        return run
    }

    struct Listed: Hashable {
        let account: Account.ID
        let national: Int64
    }

    /// Inserts `rows` (at most ``rowsPerStatement``, in order) in one statement, leaving numbers
    /// that are listed already as they are; returns where each inserted row sits in its list.
    static func insert(
        _ rows: some Collection<(listed: Listed, addedAt: Int64)>, on connection: SQLiteConnection
    ) async throws -> [Listed: ListMirror.Key] {
        guard !rows.isEmpty else { return [:] }
        precondition(rows.count <= rowsPerStatement, "more rows than one statement takes")
        var binds: [SQLiteData] = []
        binds.reserveCapacity(rows.count * 3)
        for row in rows {
            binds += [.int64(row.listed.account), .int64(row.listed.national), .int64(row.addedAt)]
        }
        let values = rowPlaceholders.prefix(rows.count * rowPlaceholder.count - 2)
        let returned = try await connection.query(
            "INSERT INTO blacklist (account_id, number, added_at) VALUES \(values) "
                + "ON CONFLICT DO NOTHING RETURNING account_id, number, seq, added_at", binds)
        var inserted: [Listed: ListMirror.Key] = [:]
        for row in returned {
            guard let account = row.column("account_id")?.int64, let national = row.column("number")?.int64,
                let sequence = row.column("seq")?.int64, let addedAt = row.column("added_at")?.int64
            else { throw StoreError.corrupt("an insert returned an unreadable row") }
            inserted[Listed(account: account, national: national)] = ListMirror.Key(
                addedAt: addedAt, sequence: sequence)
        }
        return inserted
    }

    private static let rowPlaceholder = "(?, ?, ?), "
    /// The placeholders of the largest statement; a smaller one takes their start.
    private static let rowPlaceholders = String(repeating: rowPlaceholder, count: rowsPerStatement)

    /// Inserts `additions` in multi-row statements; returns, in order, whether each was new. A
    /// number added twice in one run is new only the first time.
    private func insert(_ additions: [Addition], changes: inout [ListChange]) async throws -> [Bool] {
        var added: [Bool] = []
        added.reserveCapacity(additions.count)
        for start in stride(from: 0, to: additions.count, by: Self.rowsPerStatement) {
            let slice = additions[start..<min(start + Self.rowsPerStatement, additions.count)]
            var inserted = try await Self.insert(
                slice.map { (Listed(account: $0.account, national: $0.national), $0.addedAt) }, on: connection)
            for addition in slice {
                let listed = Listed(account: addition.account, national: addition.national)
                if let key = inserted.removeValue(forKey: listed) {
                    changes.append(.insert(addition.account, ListMirror.Entry(key: key, national: addition.national)))
                    added.append(true)
                } else {
                    added.append(false)
                }
            }
        }
        return added
    }

    /// Deletes `removals`, one statement per account and slice; returns, in order, whether each
    /// was listed. A number removed twice in one run was listed only the first time.
    private func delete(_ removals: [Removal], changes: inout [ListChange]) async throws -> [Bool] {
        // The deleted rows' keys: the mirror finds an entry by its key, keeping no key per number.
        var deleted: [Listed: ListMirror.Key] = [:]
        var numbersByAccount: [Account.ID: [Int64]] = [:]
        for removal in removals { numbersByAccount[removal.account, default: []].append(removal.national) }
        for (account, numbers) in numbersByAccount {
            for start in stride(from: 0, to: numbers.count, by: Self.rowsPerStatement) {
                let slice = numbers[start..<min(start + Self.rowsPerStatement, numbers.count)]
                let placeholders = repeatElement("?", count: slice.count).joined(separator: ", ")
                let rows = try await connection.query(
                    "DELETE FROM blacklist WHERE account_id = ? AND number IN (\(placeholders)) "
                        + "RETURNING number, added_at, seq",
                    [.int64(account)] + slice.map(SQLiteData.int64))
                for row in rows {
                    guard let national = row.column("number")?.int64, let addedAt = row.column("added_at")?.int64,
                        let sequence = row.column("seq")?.int64
                    else {
                        throw StoreError.corrupt("a delete returned an unreadable row")
                    }
                    deleted[Listed(account: account, national: national)] = ListMirror.Key(
                        addedAt: addedAt, sequence: sequence)
                }
            }
        }
        return removals.map { removal in
            guard let key = deleted.removeValue(forKey: Listed(account: removal.account, national: removal.national))
            else { return false }
            changes.append(.remove(removal.account, ListMirror.Entry(key: key, national: removal.national)))
            return true
        }
    }

    /// Runs a custom write; when it shares the transaction, a savepoint keeps its failure from
    /// undoing the others.
    private func execute(_ write: any PendingWrite, isolated: Bool) async throws -> Bool {
        guard isolated else { return await write.execute(on: connection) }
        _ = try await connection.query("SAVEPOINT write")
        let succeeded = await write.execute(on: connection)
        if !succeeded { _ = try await connection.query("ROLLBACK TO write") }
        _ = try await connection.query("RELEASE write")
        return succeeded
    }

    private func applyEffects(of writes: [WriteJob], _ outcomes: [Outcome]) async {
        var reloadAccounts = false
        for (job, outcome) in zip(writes, outcomes) {
            guard case .custom(let write) = job, case .custom(succeeded: true) = outcome else { continue }
            switch write.effect {
            case .accounts:
                reloadAccounts = true
            case .accountsAndLists:
                reloadAccounts = true
                caches.forgetLists()
            case .list(let account):
                _ = caches.lists.withLock { $0.removeValue(forKey: account) }
            }
        }
        guard reloadAccounts else { return }
        do { try await self.reloadAccounts() } catch {
            logger.error("cannot reload the accounts after a change", metadata: ["error": "\(error)"])
        }
    }

    private static func fail(_ writes: [WriteJob], _ error: any Error) {
        for job in writes {
            switch job {
            case .add(let addition): addition.completion(.failure(error))
            case .remove(let removal): removal.completion(.failure(error))
            case .addBatch(let batch): batch.completion(.failure(error))
            case .removeBatch(let batch): batch.completion(.failure(error))
            case .custom(let write): write.complete(commitError: error)
            }
        }
    }

    // MARK: Memory

    /// Drops what memory holds when another process committed since the last look.
    private mutating func noticeOtherWriters() async throws {
        let rows = try await connection.query("PRAGMA data_version")
        guard let version = rows.first?.column("data_version")?.int64 else {
            throw StoreError.corrupt("PRAGMA data_version gave no number")
        }
        defer { dataVersion = version }
        guard let previous = dataVersion, previous != version else { return }
        logger.debug("another process wrote to the database: memory reloads from the file")
        caches.forgetLists()
        try await reloadAccounts()
    }

    /// Reads `account`'s whole list, in order, into a mirror; nothing when one is there already.
    private func loadList(_ account: Account.ID) async throws {
        guard !caches.lists.withLock({ $0[account] != nil }) else { return }
        // Into chunks as the rows come: collecting the rows first held a second copy of the list.
        let loading = Mutex(ListMirror.Loader())
        let unreadable = Atomic<Bool>(false)
        try await connection.query(
            "SELECT number, added_at, seq FROM blacklist WHERE account_id = ? ORDER BY added_at, seq",
            [.int64(account)]
        ) { row in
            guard let national = row.column("number")?.int64, NationalNumberSet.offset(of: national) != nil,
                let addedAt = row.column("added_at")?.int64, let sequence = row.column("seq")?.int64
            else {
                unreadable.store(true, ordering: .relaxed)
                return
            }
            let entry = ListMirror.Entry(key: ListMirror.Key(addedAt: addedAt, sequence: sequence), national: national)
            loading.withLock { $0.append(entry) }
        }
        guard !unreadable.load(ordering: .relaxed) else {
            throw StoreError.corrupt("unreadable entry in the list of account \(account)")
        }
        // Taken out whole, so the cache holds the only reference to the chunks and changes them in place.
        let loader = loading.withLock { loaded in
            var taken = ListMirror.Loader()
            swap(&taken, &loaded)
            return taken
        }
        guard let mirror = loader.finish() else {
            throw StoreError.corrupt("the list of account \(account) came out of order or with a number twice")
        }
        caches.lists.withLock { $0[account] = mirror }
    }
}
