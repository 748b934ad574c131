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
    /// Checkpoints the log's last frames, so the next commit starts the log again from its start
    /// (``SQLiteStore`` explains why only the writer can).
    case finishCheckpoint
    /// Reads a page of entries with their provenance, between commits (``EntriesRead``).
    case readEntries(EntriesRead)
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
    /// Unlists every block ended by a time.
    case expire(Expiry)
    /// Anything else that writes (accounts, bulk loads), isolated in a savepoint.
    case custom(any PendingWrite)
}

struct Addition: Sendable {
    let account: Account.ID
    let national: Int64
    let addedAt: Int64
    let provenance: Provenance
    /// Called once, on the writer's thread, when the addition is durable or has failed.
    let completion: @Sendable (Result<AddOutcome, any Error>) -> Void
}

struct Removal: Sendable {
    let account: Account.ID
    let national: Int64
    let removedAt: Int64
    let provenance: Provenance
    /// Called once, on the writer's thread, when the removal is durable or has failed.
    let completion: @Sendable (Result<Bool, any Error>) -> Void
}

struct BatchAddition: Sendable {
    let account: Account.ID
    /// Numbers in the order they are listed; distinct for the API, possibly repeated by loads.
    let nationals: [Int64]
    let addedAt: Int64
    let provenance: Provenance
    /// Called once, on the writer's thread, with whether each number was new, when the batch is
    /// durable or has failed.
    let completion: @Sendable (Result<[Bool], any Error>) -> Void
}

struct BatchRemoval: Sendable {
    let account: Account.ID
    /// Distinct numbers.
    let nationals: [Int64]
    let removedAt: Int64
    let provenance: Provenance
    /// Called once, on the writer's thread, with whether each number was listed, when the batch is
    /// durable or has failed.
    let completion: @Sendable (Result<[Bool], any Error>) -> Void
}

struct Expiry: Sendable {
    /// Blocks ending at or before this time (microseconds) are unlisted.
    let through: Int64
    /// Called once, on the writer's thread, with how many blocks ended.
    let completion: @Sendable (Result<Int, any Error>) -> Void
}

struct ListLoad: Sendable {
    let account: Account.ID
    let continuation: CheckedContinuation<Void, any Error>
}

/// A page of entries with provenance. The writer reads it between commits: the mirror, the file
/// and the feed's position then agree, with no snapshot to take and check.
struct EntriesRead: Sendable {
    let account: Account.ID
    let filter: DateFilter
    let page: PageRequest
    let continuation: CheckedContinuation<EntriesPage, any Error>
}

/// One change record, as the writer inserts it (new entries' records are written by the schema's
/// trigger, or copied from a batch's rows: ``recordInserts(first:last:count:on:)``).
struct ChangeRow {
    let account: Account.ID
    let at: Int64
    let action: ChangeAction
    let national: Int64
    let source: ChangeSource
    let reason: String?
    let until: Int64?
    let actor: ChangeActor

    /// The record of `national`'s block ending at `until`, which is when it ended.
    static func expiry(of national: Int64, for account: Account.ID, at until: Int64) -> ChangeRow {
        ChangeRow(
            account: account, at: until, action: .remove, national: national, source: .expiry, reason: nil,
            until: nil, actor: .system)
    }
}

/// The writer connection and what only it may change: it applies batches of jobs, each batch's
/// writes in one transaction (group commit), and brings the memory caches up to date after each
/// commit and before any caller of it is answered.
struct SQLiteWriter {
    let connection: WriterConnection
    let caches: SQLiteCaches
    let logger: Logger
    /// `PRAGMA data_version` when last looked at: it changes only when another connection, in
    /// practice another process such as `engel account`, commits to the file.
    private var dataVersion: Int64?

    /// Rows per multi-row statement: SQLite binds at most 32,766 values.
    static let rowsPerStatement = 256

    init(connection: WriterConnection, caches: SQLiteCaches, logger: Logger) {
        self.connection = connection
        self.caches = caches
        self.logger = logger
    }

    /// Loads the account directory; done once at open, and again after any account change.
    func reloadAccounts() throws {
        let rows = try connection.query("SELECT \(SQLiteStore.accountColumns) FROM accounts")
        let directory = AccountDirectory(try rows.map(SQLiteStore.account(from:)))
        caches.accounts.withLock { $0 = directory }
    }

    /// Runs one batch: its writes in one transaction, then its loads, checks and reads.
    mutating func run(_ batch: [WriterCommand]) {
        var writes: [WriteJob] = []
        var loads: [ListLoad] = []
        var reads: [EntriesRead] = []
        var checkForOtherWriters = false
        var finishCheckpoint = false
        for job in batch {
            switch job {
            case .write(let write): writes.append(write)
            case .loadList(let load): loads.append(load)
            // Checks queued together are one check.
            case .checkForOtherWriters: checkForOtherWriters = true
            case .finishCheckpoint: finishCheckpoint = true
            case .readEntries(let read): reads.append(read)
            }
        }
        // A write that deletes accounts ends its group: the writes queued after it are checked
        // against the accounts it deleted, which the check before its group could not know of.
        var rest = writes[...]
        while !rest.isEmpty {
            let end = rest.firstIndex(where: Self.deletesAccounts).map { $0 + 1 } ?? rest.endIndex
            let accepted = refusingDeletedAccounts(Array(rest[..<end]))
            if !accepted.isEmpty { commit(accepted) }
            rest = rest[end...]
        }
        if finishCheckpoint {
            do { try connection.query("PRAGMA wal_checkpoint(PASSIVE)") } catch {
                logger.warning("the writer's WAL checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
        if checkForOtherWriters {
            do { try noticeOtherWriters() } catch {
                logger.warning("cannot check the database for other writers", metadata: ["error": "\(error)"])
            }
        }
        for load in loads {
            do {
                try noticeOtherWriters()
                try loadList(load.account)
                load.continuation.resume()
            } catch {
                logger.error(
                    "loading a list into memory failed", metadata: ["account": "\(load.account)", "error": "\(error)"])
                load.continuation.resume(throwing: error)
            }
        }
        for read in reads {
            do {
                read.continuation.resume(returning: try entries(read))
            } catch {
                read.continuation.resume(throwing: error)
            }
        }
    }

    // MARK: Writes

    private enum Outcome {
        case added(Bool)
        case removed(Bool)
        case batch([Bool])
        case expired(Int)
        case custom(succeeded: Bool)
    }

    private enum ListChange {
        case insert(Account.ID, ListMirror.Entry, until: Int64?)
        case remove(Account.ID, ListMirror.Entry)
        case setUntil(Account.ID, national: Int64, Int64?)
    }

    /// What a group's writes did so far: the changes memory takes once they are committed, and
    /// whether a transaction is open.
    private struct Progress {
        private(set) var changes: [ListChange] = []
        /// The numbers this group gave an end, which memory learns only after the commit.
        private(set) var givenEnds = Set<Listed>()
        var inTransaction: Bool

        init(inTransaction: Bool) {
            self.inTransaction = inTransaction
        }

        mutating func append(_ change: ListChange) {
            changes.append(change)
            switch change {
            case .insert(let account, let entry, until: .some):
                givenEnds.insert(Listed(account: account, national: entry.national))
            case .setUntil(let account, let national, .some):
                givenEnds.insert(Listed(account: account, national: national))
            case .insert, .remove, .setUntil:
                break
            }
        }
    }

    private static func deletesAccounts(_ job: WriteJob) -> Bool {
        guard case .custom(let write) = job, case .accountsAndLists = write.effect else { return false }
        return true
    }

    /// `writes` without the adds to accounts that no longer exist, which are refused with
    /// ``StoreError/accountMissing``: an account deleted between the caller's look-up and this
    /// batch would otherwise keep rows that no account owns, and that a later account given the
    /// same id would find on its list.
    private func refusingDeletedAccounts(_ writes: [WriteJob]) -> [WriteJob] {
        func account(of job: WriteJob) -> Account.ID? {
            switch job {
            case .add(let addition): addition.account
            case .addBatch(let batch): batch.account
            case .remove, .removeBatch, .expire, .custom: nil
            }
        }
        // The common case, every account known, builds no set: this runs for every write group.
        let known = caches.accounts.withLock { $0.ids }
        guard writes.contains(where: { account(of: $0).map { !known.contains($0) } ?? false }) else { return writes }
        var missing = Set(writes.compactMap(account(of:))).subtracting(known)
        // Memory may not know yet of an account another process created: the file decides.
        let unknown = missing.count
        do {
            for id in missing {
                let found = try connection.query("SELECT 1 FROM accounts WHERE id = ?", [.int64(id)])
                if !found.isEmpty { missing.remove(id) }
            }
        } catch {
            // Cannot tell: the writes go ahead, as they did before this check.
            return writes
        }
        if missing.count < unknown {
            do { try reloadAccounts() } catch {
                logger.warning("cannot reload the accounts", metadata: ["error": "\(error)"])
            }
        }
        guard !missing.isEmpty else { return writes }
        var accepted: [WriteJob] = []
        for job in writes {
            guard let id = account(of: job), missing.contains(id) else {
                accepted.append(job)
                continue
            }
            switch job {
            case .add(let addition): addition.completion(.failure(StoreError.accountMissing))
            case .addBatch(let batch): batch.completion(.failure(StoreError.accountMissing))
            case .remove, .removeBatch, .expire, .custom: accepted.append(job)
            }
        }
        return accepted
    }

    private mutating func commit(_ writes: [WriteJob]) {
        var outcomes: [Outcome] = []
        // A group that is one statement commits by itself, durably as any transaction: no BEGIN
        // and COMMIT to run. Its records are written by the insert's trigger,
        // inside that statement. Other processes' commits are then noticed by the periodic check
        // alone; memory already keeps the file's answer for each number written.
        var progress = Progress(inTransaction: !Self.isOneStatement(writes))
        let autocommits = !progress.inTransaction
        if progress.inTransaction {
            do {
                try connection.query("BEGIN IMMEDIATE")
            } catch {
                logger.error("cannot begin a write transaction", metadata: ["error": "\(error)"])
                Self.fail(writes, error)
                return
            }
        }
        do {
            // Single adds and removes take the file's answer for each number they write, as the
            // one-statement group does; the others look for other processes' commits first.
            if progress.inTransaction, !Self.isSingles(writes) { try noticeOtherWriters() }
            var index = writes.startIndex
            while index < writes.endIndex {
                switch writes[index] {
                case .add:
                    let run = Self.run(of: writes, from: index) {
                        if case .add(let addition) = $0 { addition } else { nil }
                    }
                    outcomes += try insert(run, uniform: false, progress: &progress).map(Outcome.added)
                    index += run.count
                case .remove:
                    let run = Self.run(of: writes, from: index) {
                        if case .remove(let removal) = $0 { removal } else { nil }
                    }
                    outcomes += try delete(run, progress: &progress).map(Outcome.removed)
                    index += run.count
                case .addBatch(let batch):
                    // The batch's rows go through the path single adds take; each row's own
                    // answer is the batch's answer for it.
                    let additions = batch.nationals.map {
                        Addition(
                            account: batch.account, national: $0, addedAt: batch.addedAt,
                            provenance: batch.provenance
                        ) { _ in }
                    }
                    outcomes.append(.batch(try insert(additions, uniform: true, progress: &progress)))
                    index += 1
                case .removeBatch(let batch):
                    let removals = batch.nationals.map {
                        Removal(
                            account: batch.account, national: $0, removedAt: batch.removedAt,
                            provenance: batch.provenance
                        ) { _ in }
                    }
                    outcomes.append(.batch(try delete(removals, progress: &progress)))
                    index += 1
                case .expire(let expiry):
                    outcomes.append(.expired(try expire(through: expiry.through, progress: &progress)))
                    index += 1
                case .custom(let write):
                    outcomes.append(.custom(succeeded: try execute(write, isolated: writes.count > 1)))
                    index += 1
                }
            }
        } catch {
            logger.error("a write failed", metadata: ["error": "\(error)", "writes": "\(writes.count)"])
            if progress.inTransaction { _ = try? connection.query("ROLLBACK") }
            // A statement that ran in its own commit may have reached the file.
            if autocommits { caches.forgetLists() }
            Self.fail(writes, error)
            return
        }
        do {
            if progress.inTransaction { try connection.query("COMMIT") }
        } catch {
            logger.error("commit failed", metadata: ["error": "\(error)", "writes": "\(writes.count)"])
            _ = try? connection.query("ROLLBACK")
            // Whether any of it reached the file is not certain: memory starts again from the file.
            caches.forgetLists()
            Self.fail(writes, error)
            return
        }
        caches.lists.withLock { lists in
            for change in progress.changes {
                switch change {
                case .insert(let account, let entry, let until): lists[account]?.insert(entry, until: until)
                case .remove(let account, let entry): lists[account]?.remove(entry)
                case .setUntil(let account, let national, let until): lists[account]?.setUntil(until, of: national)
                }
            }
        }
        applyEffects(of: writes, outcomes)
        for (job, outcome) in zip(writes, outcomes) {
            switch (job, outcome) {
            case (.add(let addition), .added(let added)):
                addition.completion(.success(added ? .added : .alreadyListed))
            case (.remove(let removal), .removed(let removed)): removal.completion(.success(removed))
            case (.addBatch(let batch), .batch(let added)): batch.completion(.success(added))
            case (.removeBatch(let batch), .batch(let removed)): batch.completion(.success(removed))
            case (.expire(let expiry), .expired(let count)): expiry.completion(.success(count))
            case (.custom(let write), .custom): write.complete(commitError: nil)
            default: break
            }
        }
    }

    /// Whether `writes` run as a single statement: adds only, no more than one statement's rows.
    /// (An add that meets a block with an end may need more; it opens a transaction then.)
    private static func isOneStatement(_ writes: [WriteJob]) -> Bool {
        guard writes.count <= rowsPerStatement else { return false }
        return writes.allSatisfy { if case .add = $0 { true } else { false } }
    }

    /// Whether `writes` are single adds and removes only.
    private static func isSingles(_ writes: [WriteJob]) -> Bool {
        writes.allSatisfy {
            switch $0 {
            case .add, .remove: true
            case .addBatch, .removeBatch, .expire, .custom: false
            }
        }
    }

    /// Opens the group's transaction when its first statements committed by themselves.
    private func beginTransaction(_ progress: inout Progress) throws {
        guard !progress.inTransaction else { return }
        try connection.query("BEGIN IMMEDIATE")
        progress.inTransaction = true
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

    /// A row to insert: a number, when it was listed, and its provenance.
    struct NewRow {
        let listed: Listed
        let addedAt: Int64
        let provenance: Provenance
    }

    /// Inserts `rows` (at most ``rowsPerStatement``, in order) in one statement, leaving numbers
    /// that are listed already as they are; returns where each inserted row sits in its list. The
    /// schema's trigger records each insert (``SQLiteSchema/batchRecordsByStatement``).
    static func insert(_ rows: some Collection<NewRow>, on connection: WriterConnection) throws
        -> [Listed: ListMirror.Key]
    {
        guard !rows.isEmpty else { return [:] }
        precondition(rows.count <= rowsPerStatement, "more rows than one statement takes")
        var binds: [SQLiteData] = []
        binds.reserveCapacity(rows.count * 7)
        for row in rows {
            binds += [
                .int64(row.listed.account), .int64(row.listed.national), .int64(row.addedAt),
                .text(row.provenance.source.rawValue), row.provenance.reason.map(SQLiteData.text) ?? .null,
                row.provenance.until.map { .int64($0.microsecondsSince1970) } ?? .null,
                .text(row.provenance.actor.description),
            ]
        }
        let values = rowPlaceholders.prefix(rows.count * rowPlaceholder.count - 2)
        let returned = try connection.query(
            "INSERT INTO blacklist (account_id, number, added_at, source, reason, until, actor) VALUES \(values) "
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

    /// Rows per statement of a batch: its numbers travel as one JSON array, so the bind limit
    /// does not bound them.
    static let uniformRowsPerStatement = 4096

    /// What a batch's insert statement listed: the numbers that were new, in the batch's order,
    /// and the sequence of the first, which the others follow one by one.
    struct BatchInsert {
        let numbers: [Int64]
        let firstSequence: Int64
    }

    /// Inserts `nationals` for `account`, all at `addedAt` with `provenance` (a batch), in one
    /// statement, in order, and records them. The provenance is bound
    /// once and the numbers as one JSON array: binding the provenance on every row made a bulk add
    /// of 50,000 cost 1.66x the server CPU of the log-less one, bound once 1.23x
    /// (scripts/bench-changelog, 2 then 4 alternated rounds, session 9). The new numbers come back
    /// as one JSON array too, not a row each: their sequences follow from the largest before the
    /// insert, as ``recordInserts(first:last:count:on:)`` explains. Their records are copied from
    /// the table by one statement with the schema's trigger switched off: the trigger runs a program
    /// per row (``SQLiteSchema/batchRecordsByStatement``). That spares 50,000 rows' decoding and a
    /// dictionary of them: the server's CPU for a bulk add of 50,000 went from 268 and 239 ms to
    /// 219 and 137 (noisy; Benchmarks/RESULTS.md, session 10).
    static func insert(
        _ nationals: [Int64], for account: Account.ID, at addedAt: Int64, provenance: Provenance,
        on connection: WriterConnection
    ) throws -> BatchInsert {
        guard !nationals.isEmpty else { return BatchInsert(numbers: [], firstSequence: 0) }
        let before = try lastSequence(on: connection)
        // The trigger is off for this statement alone, inside the group's transaction: should
        // anything fail before it is on again, the rollback turns it back on.
        try connection.query("UPDATE add_records SET by_trigger = 0")
        // `WHERE true` tells SQLite's parser that ON CONFLICT is the upsert's, not a join's.
        try connection.query(
            "INSERT INTO blacklist (account_id, number, added_at, source, reason, until, actor) "
                + "SELECT ?1, value, ?2, ?3, ?4, ?5, ?6 FROM json_each(?7) WHERE true ORDER BY key "
                + "ON CONFLICT DO NOTHING",
            [
                .int64(account), .int64(addedAt), .text(provenance.source.rawValue),
                provenance.reason.map(SQLiteData.text) ?? .null,
                provenance.until.map { .int64($0.microsecondsSince1970) } ?? .null, .text(provenance.actor.description),
                .text(jsonArray(nationals)),
            ])
        let new = try connection.query(
            "SELECT json_group_array(number ORDER BY seq) AS numbers, count(*) AS count, "
                + "coalesce(max(seq), ?1) AS last FROM blacklist WHERE seq > ?1",
            [.int64(before)])
        guard let row = new.first, let text = row.column("numbers")?.string, let count = row.column("count")?.int64,
            let last = row.column("last")?.int64, let numbers = integers(inJSONArray: text), numbers.count == count
        else { throw StoreError.corrupt("an insert's new numbers came back unreadable") }
        try recordInserts(first: before + 1, last: last, count: count, on: connection)
        try connection.query("UPDATE add_records SET by_trigger = 1")
        return BatchInsert(numbers: numbers, firstSequence: before + 1)
    }

    /// The largest sequence in the table, 0 when it is empty.
    private static func lastSequence(on connection: WriterConnection) throws -> Int64 {
        guard
            let last = try connection.query("SELECT coalesce(max(seq), 0) AS last FROM blacklist").first?
                .column("last")?.int64
        else { throw StoreError.corrupt("the largest sequence came back unreadable") }
        return last
    }

    /// The integers of a JSON array of integers such as SQLite's `json_group_array` writes; `nil`
    /// for anything else.
    static func integers(inJSONArray text: String) -> [Int64]? {
        var integers: [Int64] = []
        var utf8 = text.utf8.makeIterator()
        guard utf8.next() == UInt8(ascii: "[") else { return nil }
        var value: Int64 = 0
        var digits = 0
        var negative = false
        while let byte = utf8.next() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
                let (added, overflowB) = shifted.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
                guard !overflowA, !overflowB else { return nil }
                value = added
                digits += 1
            case UInt8(ascii: "-") where digits == 0 && !negative:
                negative = true
            case UInt8(ascii: ","), UInt8(ascii: "]"):
                if digits == 0 {
                    // Only `[]` may hold no number.
                    guard byte == UInt8(ascii: "]"), integers.isEmpty, !negative else { return nil }
                } else {
                    integers.append(negative ? -value : value)
                }
                if byte == UInt8(ascii: "]") { return utf8.next() == nil ? integers : nil }
                value = 0
                digits = 0
                negative = false
            default:
                return nil
            }
        }
        return nil
    }

    /// Records the `count` rows one insert statement just inserted, from `first` to `last`, copied
    /// from the table in the order they were inserted. SQLite gives each new row the largest rowid
    /// plus one, so the rows of one statement are the consecutive `seq`s from its first on, and no
    /// other row has one as high.
    static func recordInserts(first: Int64, last: Int64, count: Int64, on connection: WriterConnection)
        throws
    {
        guard count > 0 else { return }
        // Largest plus one stops when the largest rowid is 2^63 - 1; SQLite picks at random then.
        guard last - first + 1 == count else {
            throw StoreError.corrupt("an insert handed out sequences that are not consecutive")
        }
        try connection.query(
            "INSERT INTO changes (account_id, at, action, number, source, reason, until, actor) "
                + "SELECT account_id, added_at, 'add', number, source, reason, until, actor FROM blacklist "
                + "WHERE seq >= ? ORDER BY seq",
            [.int64(first)])
    }

    private static let rowPlaceholder = "(?, ?, ?, ?, ?, ?, ?), "
    /// The placeholders of the largest statement; a smaller one takes their start.
    private static let rowPlaceholders = String(repeating: rowPlaceholder, count: rowsPerStatement)

    /// Inserts the records of `rows` in multi-row statements.
    static func record(_ rows: [ChangeRow], on connection: WriterConnection) throws {
        for start in stride(from: 0, to: rows.count, by: rowsPerStatement) {
            let slice = rows[start..<min(start + rowsPerStatement, rows.count)]
            var binds: [SQLiteData] = []
            binds.reserveCapacity(slice.count * 8)
            for row in slice {
                binds += [
                    .int64(row.account), .int64(row.at), .text(row.action.rawValue), .int64(row.national),
                    .text(row.source.rawValue), row.reason.map(SQLiteData.text) ?? .null,
                    row.until.map(SQLiteData.int64) ?? .null, .text(row.actor.description),
                ]
            }
            let values = recordPlaceholders.prefix(slice.count * recordPlaceholder.count - 2)
            try connection.query(
                "INSERT INTO changes (account_id, at, action, number, source, reason, until, actor) VALUES \(values)",
                binds)
        }
    }

    private static let recordPlaceholder = "(?, ?, ?, ?, ?, ?, ?, ?), "
    private static let recordPlaceholders = String(repeating: recordPlaceholder, count: rowsPerStatement)

    /// Inserts `additions` in multi-row statements; returns, in order, whether each was new. A
    /// number added twice in one run is new only the first time. A number whose block may have an
    /// end is applied on its own (``revisit(_:progress:)``), between the statements of the numbers
    /// before and after it, so the run is listed and recorded in its order.
    private func insert(_ additions: [Addition], uniform: Bool, progress: inout Progress) throws -> [Bool] {
        let mayHaveEnds = try blocksWithEnds(among: additions[...], progress: progress)
        var added = [Bool](repeating: false, count: additions.count)
        var plainStart = additions.startIndex
        for (index, addition) in zip(additions.indices, additions)
        where mayHaveEnds.contains(Listed(account: addition.account, national: addition.national)) {
            try insertPlain(additions[plainStart..<index], uniform: uniform, into: &added, progress: &progress)
            added[index] = try revisit(addition, progress: &progress)
            plainStart = index + 1
        }
        try insertPlain(additions[plainStart...], uniform: uniform, into: &added, progress: &progress)
        return added
    }

    /// Inserts `additions`, none of which had a block with an end when the run began, in
    /// multi-row statements, setting whether each was new. One this run listed already with an end
    /// (a repeat) is revisited after its statement.
    private func insertPlain(
        _ additions: ArraySlice<Addition>, uniform: Bool, into added: inout [Bool], progress: inout Progress
    ) throws {
        let perStatement = uniform ? Self.uniformRowsPerStatement : Self.rowsPerStatement
        for start in stride(from: additions.startIndex, to: additions.endIndex, by: perStatement) {
            let slice = additions[start..<min(start + perStatement, additions.endIndex)]
            // Where each new number sits in its list, in the slice's order (`nil`: not inserted).
            let keys = try uniform ? insertUniform(slice) : insertEach(slice)
            var listedBefore: [Int] = []
            for (index, addition) in zip(slice.indices, slice) {
                guard let key = keys[index - slice.startIndex] else {
                    listedBefore.append(index)
                    continue
                }
                progress.append(
                    .insert(
                        addition.account, ListMirror.Entry(key: key, national: addition.national),
                        until: addition.provenance.until?.microsecondsSince1970))
                added[index] = true
            }
            for index in listedBefore
            where progress.givenEnds.contains(
                Listed(account: additions[index].account, national: additions[index].national))
            {
                added[index] = try revisit(additions[index], progress: &progress)
            }
        }
    }

    /// Inserts `additions` (one statement's) with one row each; returns, in order, the key of each
    /// one that was new.
    private func insertEach(_ additions: ArraySlice<Addition>) throws -> [ListMirror.Key?] {
        var inserted = try Self.insert(
            additions.map {
                NewRow(
                    listed: Listed(account: $0.account, national: $0.national), addedAt: $0.addedAt,
                    provenance: $0.provenance)
            }, on: connection)
        return additions.map { inserted.removeValue(forKey: Listed(account: $0.account, national: $0.national)) }
    }

    /// Inserts `additions`, one batch's (one account, time and provenance), as one statement;
    /// returns, in order, the key of each one that was new.
    private func insertUniform(_ additions: ArraySlice<Addition>) throws -> [ListMirror.Key?] {
        guard let first = additions.first else { return [] }
        let batch = try Self.insert(
            additions.map(\.national), for: first.account, at: first.addedAt, provenance: first.provenance,
            on: connection)
        // The new numbers come in the batch's order: each is the first of the numbers still to come
        // that equals it (a number listed already, or repeated, was not inserted).
        var next = batch.numbers.startIndex
        let keys = additions.map { addition -> ListMirror.Key? in
            guard next < batch.numbers.endIndex, batch.numbers[next] == addition.national else { return nil }
            defer { next += 1 }
            return ListMirror.Key(addedAt: first.addedAt, sequence: batch.firstSequence + Int64(next))
        }
        guard next == batch.numbers.endIndex else {
            throw StoreError.corrupt("an insert listed numbers its batch did not hold")
        }
        return keys
    }

    /// Which of `additions`' numbers are listed with a block that has an end: only those can have
    /// ended or be moved by a re-add. Memory answers for loaded lists, whose ends it keeps; the
    /// file for the others.
    private func blocksWithEnds(among additions: ArraySlice<Addition>, progress: Progress) throws
        -> Set<Listed>
    {
        let endedHere = progress.givenEnds
        var unknown: [Account.ID: [Int64]] = [:]
        var withEnds = Set<Listed>()
        caches.lists.withLock { lists in
            for addition in additions {
                let listed = Listed(account: addition.account, national: addition.national)
                if endedHere.contains(listed) {
                    withEnds.insert(listed)
                } else if let mirror = lists[addition.account] {
                    if !mirror.untils.isEmpty, mirror.untils[addition.national] != nil { withEnds.insert(listed) }
                } else {
                    unknown[addition.account, default: []].append(addition.national)
                }
            }
        }
        for (account, nationals) in unknown {
            let rows = try connection.query(
                "SELECT number FROM blacklist WHERE until IS NOT NULL AND account_id = ? "
                    + "AND number IN (SELECT value FROM json_each(?))",
                [.int64(account), .text(Self.jsonArray(nationals))])
            for row in rows {
                guard let national = row.column("number")?.int64 else {
                    throw StoreError.corrupt("a lookup returned an unreadable row")
                }
                withEnds.insert(Listed(account: account, national: national))
            }
        }
        return withEnds
    }

    /// `nationals` as a JSON array: how a statement takes any number of them in one bind.
    static func jsonArray(_ nationals: some Sequence<Int64>) -> String {
        "[" + nationals.map(String.init).joined(separator: ",") + "]"
    }

    /// Expires the block of `addition`'s number when it has ended by the addition's time; returns
    /// the number's entry when it stays listed, with its end.
    private func expireIfEnded(_ addition: Addition, progress: inout Progress) throws
        -> (sequence: Int64, until: Int64?)?
    {
        let rows = try connection.query(
            "SELECT added_at, seq, until FROM blacklist WHERE account_id = ? AND number = ?",
            [.int64(addition.account), .int64(addition.national)])
        guard let row = rows.first else { return nil }
        guard let addedAt = row.column("added_at")?.int64, let sequence = row.column("seq")?.int64 else {
            throw StoreError.corrupt("unreadable entry in the list of account \(addition.account)")
        }
        let until = row.column("until")?.int64
        guard let until, until <= addition.addedAt else { return (sequence, until) }
        try beginTransaction(&progress)
        try connection.query("DELETE FROM blacklist WHERE seq = ?", [.int64(sequence)])
        try Self.record([.expiry(of: addition.national, for: addition.account, at: until)], on: connection)
        let entry = ListMirror.Entry(
            key: ListMirror.Key(addedAt: addedAt, sequence: sequence), national: addition.national)
        progress.append(.remove(addition.account, entry))
        return nil
    }

    /// Applies `addition` to a number whose block may have an end: a block that ended is expired
    /// and the number listed anew, as is a number not listed (returns true: it is new); an end the
    /// add moves later is moved and recorded; anything else changes nothing. Rare, so one
    /// statement at a time.
    private func revisit(_ addition: Addition, progress: inout Progress) throws -> Bool {
        guard let listed = try expireIfEnded(addition, progress: &progress) else {
            let row = Listed(account: addition.account, national: addition.national)
            let inserted = try Self.insert(
                [NewRow(listed: row, addedAt: addition.addedAt, provenance: addition.provenance)], on: connection)
            guard let key = inserted[row] else { return false }
            progress.append(
                .insert(
                    addition.account, ListMirror.Entry(key: key, national: addition.national),
                    until: addition.provenance.until?.microsecondsSince1970))
            return true
        }
        guard let until = listed.until else { return false }
        let asked = addition.provenance.until?.microsecondsSince1970
        // A re-add never shortens a block; none asked means forever.
        if let asked, asked <= until { return false }
        try beginTransaction(&progress)
        try connection.query(
            "UPDATE blacklist SET until = ?, reason = coalesce(?, reason) WHERE seq = ?",
            [
                asked.map(SQLiteData.int64) ?? .null, addition.provenance.reason.map(SQLiteData.text) ?? .null,
                .int64(listed.sequence),
            ])
        try Self.record(
            [
                ChangeRow(
                    account: addition.account, at: addition.addedAt, action: .add, national: addition.national,
                    source: addition.provenance.source, reason: addition.provenance.reason, until: asked,
                    actor: addition.provenance.actor)
            ], on: connection)
        progress.append(.setUntil(addition.account, national: addition.national, asked))
        return false
    }

    /// Deletes `removals`, one statement per account and slice, and records each; returns, in
    /// order, whether each was listed. A number removed twice in one run was listed only the first
    /// time; one whose block had ended by the removal's time was not listed: its expiry is what
    /// is recorded.
    private func delete(_ removals: [Removal], progress: inout Progress) throws -> [Bool] {
        try beginTransaction(&progress)
        // The deleted rows' keys: the mirror finds an entry by its key, keeping no key per number.
        var deleted: [Listed: (key: ListMirror.Key, until: Int64?)] = [:]
        var numbersByAccount: [Account.ID: [Int64]] = [:]
        for removal in removals { numbersByAccount[removal.account, default: []].append(removal.national) }
        for (account, numbers) in numbersByAccount {
            for start in stride(from: 0, to: numbers.count, by: Self.rowsPerStatement) {
                let slice = numbers[start..<min(start + Self.rowsPerStatement, numbers.count)]
                let placeholders = Self.numberPlaceholders.prefix(slice.count * 3 - 2)
                let rows = try connection.query(
                    "DELETE FROM blacklist WHERE account_id = ? AND number IN (\(placeholders)) "
                        + "RETURNING number, added_at, seq, until",
                    [.int64(account)] + slice.map(SQLiteData.int64))
                for row in rows {
                    guard let national = row.column("number")?.int64, let addedAt = row.column("added_at")?.int64,
                        let sequence = row.column("seq")?.int64
                    else {
                        throw StoreError.corrupt("a delete returned an unreadable row")
                    }
                    deleted[Listed(account: account, national: national)] = (
                        ListMirror.Key(addedAt: addedAt, sequence: sequence), row.column("until")?.int64
                    )
                }
            }
        }
        var records: [ChangeRow] = []
        records.reserveCapacity(deleted.count)
        let removed = removals.map { removal in
            guard let row = deleted.removeValue(forKey: Listed(account: removal.account, national: removal.national))
            else { return false }
            progress.append(
                .remove(removal.account, ListMirror.Entry(key: row.key, national: removal.national)))
            if let until = row.until, until <= removal.removedAt {
                records.append(.expiry(of: removal.national, for: removal.account, at: until))
                return false
            }
            records.append(
                ChangeRow(
                    account: removal.account, at: removal.removedAt, action: .remove, national: removal.national,
                    source: removal.provenance.source, reason: removal.provenance.reason, until: nil,
                    actor: removal.provenance.actor))
            return true
        }
        try Self.record(records, on: connection)
        return removed
    }

    /// The placeholders of the largest list of numbers; a shorter one takes their start.
    private static let numberPlaceholders = String(repeating: "?, ", count: rowsPerStatement)

    /// Unlists every block ended by `through`, recording each at its end, account by account and
    /// in the order they ended; returns how many.
    private func expire(through: Int64, progress: inout Progress) throws -> Int {
        try beginTransaction(&progress)
        let rows = try connection.query(
            "DELETE FROM blacklist WHERE until IS NOT NULL AND until <= ? "
                + "RETURNING account_id, number, added_at, seq, until", [.int64(through)])
        var ended: [(account: Account.ID, until: Int64, entry: ListMirror.Entry)] = []
        for row in rows {
            guard let account = row.column("account_id")?.int64, let national = row.column("number")?.int64,
                let addedAt = row.column("added_at")?.int64, let sequence = row.column("seq")?.int64,
                let until = row.column("until")?.int64
            else { throw StoreError.corrupt("an expiry returned an unreadable row") }
            ended.append(
                (
                    account, until,
                    ListMirror.Entry(key: ListMirror.Key(addedAt: addedAt, sequence: sequence), national: national)
                ))
        }
        ended.sort { ($0.account, $0.until, $0.entry.national) < ($1.account, $1.until, $1.entry.national) }
        try Self.record(
            ended.map { .expiry(of: $0.entry.national, for: $0.account, at: $0.until) }, on: connection)
        for (account, _, entry) in ended { progress.append(.remove(account, entry)) }
        return ended.count
    }

    /// Runs a custom write; when it shares the transaction, a savepoint keeps its failure from
    /// undoing the others.
    private func execute(_ write: any PendingWrite, isolated: Bool) throws -> Bool {
        guard isolated else { return write.execute(on: connection) }
        try connection.query("SAVEPOINT write")
        let succeeded = write.execute(on: connection)
        if !succeeded { try connection.query("ROLLBACK TO write") }
        try connection.query("RELEASE write")
        return succeeded
    }

    private func applyEffects(of writes: [WriteJob], _ outcomes: [Outcome]) {
        var reloadAccounts = false
        for (job, outcome) in zip(writes, outcomes) {
            guard case .custom(let write) = job, case .custom(succeeded: true) = outcome else { continue }
            switch write.effect {
            case .nothing:
                break
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
        do { try self.reloadAccounts() } catch {
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
            case .expire(let expiry): expiry.completion(.failure(error))
            case .custom(let write): write.complete(commitError: error)
            }
        }
    }

    // MARK: Reads

    /// A page of entries with provenance: the mirror's page, the entries' rows from the file and
    /// the feed's position, all read with no commit between them.
    private mutating func entries(_ read: EntriesRead) throws -> EntriesPage {
        try noticeOtherWriters()
        try loadList(read.account)
        let found = caches.lists.withLock { lists in
            lists[read.account]?.page(
                lower: read.filter.lowerMicroseconds, upper: read.filter.upperMicrosecondsExclusive,
                offset: read.page.offset, limit: read.page.rowCount)
        }
        guard let found else { throw StoreError.contended("the list of account \(read.account) was dropped") }
        var rows: [Int64: ListEntry] = [:]
        if !found.numbers.isEmpty {
            for row in try connection.query(
                "SELECT \(SQLiteStore.entryColumns) FROM blacklist WHERE account_id = ? "
                    + "AND number IN (SELECT value FROM json_each(?))",
                [.int64(read.account), .text(Self.jsonArray(found.numbers))])
            {
                let entry = try SQLiteStore.entry(from: row)
                rows[entry.number.national] = entry
            }
        }
        let entries = try found.numbers.map { national in
            guard let entry = rows[national] else {
                throw StoreError.corrupt("the list of account \(read.account) in memory differs from the file")
            }
            return entry
        }
        return EntriesPage(entries: entries, count: found.count, seq: try Self.feedPosition(on: connection))
    }

    /// The last change-feed position handed out, across accounts; 0 before the first.
    static func feedPosition(on connection: WriterConnection) throws -> Int64 {
        try connection.query("SELECT seq FROM sqlite_sequence WHERE name = 'changes'").first?.column("seq")?
            .int64 ?? 0
    }

    // MARK: Memory

    /// Drops what memory holds when another process committed since the last look.
    private mutating func noticeOtherWriters() throws {
        let rows = try connection.query("PRAGMA data_version")
        guard let version = rows.first?.column("data_version")?.int64 else {
            throw StoreError.corrupt("PRAGMA data_version gave no number")
        }
        defer { dataVersion = version }
        guard let previous = dataVersion, previous != version else { return }
        logger.debug("another process wrote to the database: memory reloads from the file")
        caches.forgetLists()
        try reloadAccounts()
    }

    /// Reads `account`'s whole list into a mirror, nothing when one is there already, and with it
    /// every other account's list that memory lacks: they come from one scan of the table.
    ///
    /// The table is read in insertion order since migration 7 (``SQLiteSchema/noTimeIndex``)
    /// dropped the index on (account, added-at, seq), which every add and delete wrote to: memory
    /// answers every query by time, and the loader puts the few rows out of key order in place. A
    /// 10,000,000-number list loaded in 20.8 and 17.6 s this way, against 14.3 and 25.3 s from the
    /// index on the same busy machine, 338 to 340 MiB resident both ways (Benchmarks/RESULTS.md,
    /// session 10).
    /// One scan for all the missing lists, as at start-up and after another process's commit
    /// dropped them all, rather than one per list: without that index a list's rows are found only
    /// by reading them all.
    private func loadList(_ account: Account.ID) throws {
        guard !caches.lists.withLock({ $0[account] != nil }) else { return }
        var wanted = Set(caches.accounts.withLock { $0.byName.values.map(\.id) })
        wanted.insert(account)
        let loaded = caches.lists.withLock { Set($0.keys) }
        wanted.subtract(loaded)
        // The entries and their ends from one snapshot.
        try connection.query("BEGIN")
        do {
            let mirrors = try readLists(Array(wanted).sorted(), onlyThose: !loaded.isEmpty)
            try connection.query("COMMIT")
            caches.lists.withLock { lists in
                for (id, mirror) in mirrors where lists[id] == nil { lists[id] = mirror }
            }
        } catch {
            _ = try? connection.query("ROLLBACK")
            throw error
        }
    }

    /// The lists of `accounts` (ascending), read in one scan of the table; `onlyThose` when other
    /// accounts' lists are in memory, whose rows the statement then leaves out.
    private func readLists(_ accounts: [Account.ID], onlyThose: Bool) throws -> [Account.ID: ListMirror] {
        var untils: [Account.ID: [Int64: Int64]] = [:]
        // The few entries with an end, by the partial index; filtered here, so that no plan takes
        // the (account, number) index instead.
        for row in try connection.query(
            "SELECT account_id, number, until FROM blacklist WHERE until IS NOT NULL")
        {
            guard let account = row.column("account_id")?.int64, let national = row.column("number")?.int64,
                let until = row.column("until")?.int64
            else { throw StoreError.corrupt("unreadable entry in the blacklist") }
            untils[account, default: [:]][national] = until
        }
        // Into chunks as the rows come: collecting the rows first held a second copy of the lists.
        var loading = Loading(accounts: accounts)
        // NOT INDEXED: the table in rowid order, never the (account, number) index and a lookup of
        // each row's time by its rowid. At start-up every list is read: no filter to test per row
        // then (rows of accounts not asked for are skipped as they come).
        try connection.query(
            "SELECT account_id, number, added_at, seq FROM blacklist NOT INDEXED"
                + (onlyThose ? " WHERE account_id IN (SELECT value FROM json_each(?))" : ""),
            onlyThose ? [.text(Self.jsonArray(accounts))] : []
        ) { row in
            guard let account = row.column("account_id")?.int64, let national = row.column("number")?.int64,
                NationalNumberSet.offset(of: national) != nil, let addedAt = row.column("added_at")?.int64,
                let sequence = row.column("seq")?.int64
            else {
                loading.unreadable = loading.unreadable ?? row.column("account_id")?.int64 ?? -1
                return
            }
            let entry = ListMirror.Entry(key: ListMirror.Key(addedAt: addedAt, sequence: sequence), national: national)
            loading.append(entry, for: account)
        }
        if let account = loading.unreadable {
            throw StoreError.corrupt("unreadable entry in the list of account \(account)")
        }
        var mirrors: [Account.ID: ListMirror] = [:]
        for (index, account) in accounts.enumerated() {
            let loader = loading.take(index)
            guard let mirror = loader.finish(untils: untils[account] ?? [:]) else {
                throw StoreError.corrupt("the list of account \(account) holds a number twice or an end without entry")
            }
            mirrors[account] = mirror
        }
        return mirrors
    }

    /// The lists a scan is loading, one loader per account.
    private struct Loading {
        private var loaders: [ListMirror.Loader]
        private let indices: [Account.ID: Int]
        /// The account of the last row and its loader's index: rows of one account mostly follow
        /// each other, and the lookup by account would be the dearest step of a row.
        private var lastAccount: Account.ID?
        private var lastIndex = 0
        /// An account with an unreadable row, if any.
        var unreadable: Account.ID?

        init(accounts: [Account.ID]) {
            loaders = Array(repeating: ListMirror.Loader(), count: accounts.count)
            indices = Dictionary(uniqueKeysWithValues: zip(accounts, accounts.indices))
        }

        mutating func append(_ entry: ListMirror.Entry, for account: Account.ID) {
            if account != lastAccount {
                // An account not asked for, or none that exists.
                guard let index = indices[account] else { return }
                lastAccount = account
                lastIndex = index
            }
            loaders[lastIndex].append(entry)
        }

        /// The loader at `index`, leaving an empty one in its place.
        mutating func take(_ index: Int) -> ListMirror.Loader {
            var taken = ListMirror.Loader()
            swap(&taken, &loaders[index])
            return taken
        }
    }
}
