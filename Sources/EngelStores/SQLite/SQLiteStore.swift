public import EngelCore
public import Foundation
public import Logging
import SQLiteNIO
import Synchronization

/// The embedded store: one SQLite file in WAL mode.
///
/// One writer connection applies every write through a queue: writes that arrive while a
/// transaction commits share the next transaction and its fsync (group commit), and each caller is
/// answered only after the commit holding its write is on disk (`synchronous=FULL`).
///
/// Accounts, and each account's list once it is first read, are mirrored in memory and updated by
/// the writer after each commit, so authentication, pages and counts need no SQL. Another process
/// writing to the same file (`engel account …`) is noticed within ``open(path:readerCount:maximumBatch:otherWritersCheckInterval:logger:)``'s
/// check interval, after which memory reloads from the file; refusals are always checked against
/// the file. Reader connections serve what memory does not hold: every entry's provenance
/// (memory keeps only the end of the blocks that have one), the change log and the audit log.
///
/// Each change and its change record commit together: the writer writes the record in the
/// change's transaction (a new entry's by the schema's trigger, inside the insert, or for a batch by
/// copying its rows, `SQLiteWriter.recordInserts`).
public final class SQLiteStore: EngelStore {
    /// Where the database lives.
    public let path: String
    /// What opening the store did to its schema.
    public let schemaMigration: SchemaMigration
    private let threadPool: NIOThreadPool
    private let writer: WriterConnection
    private let readers: [SQLiteConnection]
    /// Lets closing wait for the reads in flight on ``readers``.
    private let readGate = ReadGate()
    private let checkpointer: SQLiteConnection
    private let nextReader = Atomic<Int>(0)
    private let queue: WriteQueue<WriterCommand>
    private let caches: SQLiteCaches
    private let writerTask: Mutex<Task<Void, Never>?>
    private let writerThread: WriterThread
    private let periodicTasks: Mutex<[Task<Void, Never>]>
    /// The first `close` call's work, which later calls wait for.
    private let closing = Mutex<Task<Void, Never>?>(nil)
    private let logger: Logger

    private init(
        path: String, schemaMigration: SchemaMigration, threadPool: NIOThreadPool, writerThread: WriterThread,
        writer: WriterConnection, readers: [SQLiteConnection], checkpointer: SQLiteConnection, caches: SQLiteCaches,
        maximumBatch: Int, logger: Logger
    ) {
        self.path = path
        self.schemaMigration = schemaMigration
        self.threadPool = threadPool
        self.writer = writer
        self.readers = readers
        self.checkpointer = checkpointer
        self.queue = WriteQueue(maximumBatch: maximumBatch)
        self.caches = caches
        self.writerTask = Mutex(nil)
        self.writerThread = writerThread
        self.periodicTasks = Mutex([])
        self.logger = logger
    }

    /// Opens (creating if needed) the database at `path`, applying pending migrations.
    ///
    /// - Parameters:
    ///   - path: The database file; its folder is created when missing.
    ///   - readerCount: Connections serving reads concurrently.
    ///   - maximumBatch: The most writes one transaction holds.
    ///   - otherWritersCheckInterval: How often the file is checked for commits by other processes
    ///     while no write comes; memory may lag them by this long.
    ///   - checkpointInterval: How often the log is copied into the database file.
    ///   - logFramesBeforeRestart: How many frames (pages) the log holds before the writer copies
    ///     its last ones so that the next commit starts it again from its start; the log's file
    ///     stays about this many pages long. 4,096 frames of 4 KiB pages is about 16 MiB.
    ///   - logger: Where the store reports failures.
    public static func open(
        path: String, readerCount: Int = 3, maximumBatch: Int = 256,
        otherWritersCheckInterval: Duration = .seconds(1), checkpointInterval: Duration = .milliseconds(250),
        logFramesBeforeRestart: Int = 4096, logger: Logger = Logger(label: "engel.sqlite")
    ) async throws -> SQLiteStore {
        try PrivateFiles.makeFolder(URL(fileURLWithPath: path).deletingLastPathComponent())
        let created = try PrivateFiles.makeFile(path)
        // The readers and the checkpointer each have a thread; the writer has its own.
        let threadPool = NIOThreadPool(numberOfThreads: readerCount + 1)
        threadPool.start()
        let writerThread = WriterThread(name: "engel-writer")
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        // Every connection opened is closed again when opening fails half-way.
        let opened = Mutex<[SQLiteConnection]>([])
        func connect() async throws -> SQLiteConnection {
            let connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: threadPool, logger: logger, on: eventLoop)
            opened.withLock { $0.append(connection) }
            _ = try await connection.query("PRAGMA busy_timeout = 10000")
            return connection
        }
        var openedWriter: WriterConnection?
        do {
            // The writer's statements hold the thread they run on, migrations and their fsyncs
            // included: its own thread, not one of the few every task shares.
            let (writer, migration, caches, writerState) = try await withTaskExecutorPreference(writerThread) {
                let writer = try WriterConnection(path: path)
                openedWriter = writer
                try SQLiteSchema.requireEngelsOrEmpty(writer)
                // WAL lets readers work beside the writer; FULL makes every commit reach the disk
                // before it returns, which is what a 200 promises.
                try writer.query("PRAGMA journal_mode = WAL")
                try writer.query("PRAGMA synchronous = FULL")
                // Checkpoints run on their own connection (see `start`): on the writer's they would
                // stall every write behind copying the log into the file and its fsync.
                try writer.query("PRAGMA wal_autocheckpoint = 0")
                let migration = try SQLiteSchema.migrate(writer)
                let caches = SQLiteCaches()
                let writerState = SQLiteWriter(connection: writer, caches: caches, logger: logger)
                try writerState.reloadAccounts()
                return (writer, migration, caches, writerState)
            }
            var readers: [SQLiteConnection] = []
            for _ in 0..<max(1, readerCount) {
                let reader = try await connect()
                _ = try await reader.query("PRAGMA query_only = 1")
                readers.append(reader)
            }
            let checkpointer = try await connect()
            let store = SQLiteStore(
                path: path, schemaMigration: migration, threadPool: threadPool, writerThread: writerThread,
                writer: writer, readers: readers, checkpointer: checkpointer, caches: caches,
                maximumBatch: maximumBatch, logger: logger)
            store.start(
                writerState, checkingEvery: otherWritersCheckInterval, checkpointingEvery: checkpointInterval,
                restartingLogAfter: logFramesBeforeRestart)
            if !created, PrivateFiles.isReadableByOthers(path) {
                logger.warning(
                    "the database can be read by other users of this machine: it holds phone numbers",
                    metadata: ["path": "\(path)", "fix": "chmod 600 \(path) \(path)-wal \(path)-shm"])
            }
            return store
        } catch {
            if let openedWriter { await withTaskExecutorPreference(writerThread) { openedWriter.close() } }
            for connection in opened.withLock({ $0 }) { try? await connection.closeEvenIfCancelled() }
            try? await threadPool.shutdownGracefully()
            await writerThread.shutdown()
            throw Self.explained(error, path: path)
        }
    }

    /// What SQLite's failure to open or read `path` means to the operator. The writer's connection
    /// opens the file first and loads the lists, so its failures are the ones met here.
    private static func explained(_ error: any Error, path: String) -> any Error {
        guard let failure = error as? SQLiteFailure else { return error }
        switch failure.kind {
        case .notADatabase: return StoreError.notEngelDatabase("\(path) is not an SQLite database (\(failure.message))")
        case .damaged: return StoreError.damaged("\(path): \(failure.message)")
        case .cannotOpen: return StoreError.invalidLocation("cannot open \(path): \(failure.message)")
        case nil: return error
        }
    }

    /// Finishes queued writes, then closes every connection. Safe to call more than once: later
    /// calls wait for the first to finish. A connection released unclosed would stop a debug build.
    public func close() async {
        // In a task of its own: a shutdown that cancelled the caller must still close the file.
        let work = closing.withLock { started in
            if let started { return started }
            let task = Task { await closeConnections() }
            started = task
            return task
        }
        await work.value
    }

    private func closeConnections() async {
        queue.close()
        for task in periodicTasks.withLock({ $0 }) {
            task.cancel()
            await task.value
        }
        await writerTask.withLock({ $0 })?.value
        await readGate.close()
        for connection in readers + [checkpointer] {
            do { try await connection.close() } catch {
                logger.warning("closing an SQLite connection failed", metadata: ["error": "\(error)"])
            }
        }
        // Closing the last connection copies the log into the file: on the writer's thread too.
        await withTaskExecutorPreference(writerThread) { writer.close() }
        try? await threadPool.shutdownGracefully()
        await writerThread.shutdown()
    }

    // MARK: Writing

    private func start(
        _ writer: SQLiteWriter, checkingEvery checkInterval: Duration, checkpointingEvery checkpointInterval: Duration,
        restartingLogAfter logFramesBeforeRestart: Int
    ) {
        let writing = Task(executorPreference: writerThread) { [queue] in
            var writer = writer
            while let batch = await queue.nextBatch() {
                writer.run(batch)
            }
        }
        writerTask.withLock { $0 = writing }
        // Both end when cancelled by `close`.
        let checking = Task { [queue] in
            while (try? await Task.sleep(for: checkInterval)) != nil {
                do { try queue.submit(.checkForOtherWriters) } catch { return }
            }
        }
        let checkpointing = Task { [checkpointer, logger, queue] in
            while (try? await Task.sleep(for: checkpointInterval)) != nil {
                do {
                    // PASSIVE copies what it can without waiting for readers or the writer.
                    let result = try await checkpointer.query("PRAGMA wal_checkpoint(PASSIVE)")
                    // The log starts again from its start only at a commit that finds every frame
                    // copied, which under steady writes no checkpoint beside the writer achieves: the
                    // writer commits more frames while it copies. Left so, the log grew by every
                    // commit (110 MB in 4 s of adds on one connection), and each commit's fsync also
                    // wrote the file's new size and blocks: 3.5 to 4.1 disk writes a commit, against
                    // 2.4 to 2.7 once the log is reused (Benchmarks/RESULTS.md, session 18). So once
                    // the log is long, the writer copies the few frames left between its commits.
                    if let frames = result.first?.column("log")?.integer, frames >= logFramesBeforeRestart {
                        try? queue.submit(.finishCheckpoint)
                    }
                } catch {
                    // Closing the store cancels the checkpoint under way: nothing failed then.
                    if !Task.isCancelled {
                        logger.warning("a WAL checkpoint failed", metadata: ["error": "\(error)"])
                    }
                }
            }
        }
        periodicTasks.withLock { $0 = [checking, checkpointing] }
    }

    /// Queues `body` for the writer; returns its result once its transaction is committed.
    func write<Value: Sendable>(
        effect: CacheEffect, _ body: @escaping @Sendable (WriterConnection) throws -> Value
    ) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            submit(.write(.custom(Write(effect: effect, body, continuation: continuation))), orFail: continuation)
        }
    }

    func submit<Value>(_ job: WriterCommand, orFail continuation: CheckedContinuation<Value, any Error>) {
        submit(job) { continuation.resume(throwing: $0) }
    }

    /// Queues `job` for the writer, or calls `fail` when the store no longer takes work.
    func submit(_ job: WriterCommand, orFail fail: (any Error) -> Void) {
        do {
            try queue.submit(job)
        } catch {
            fail(error)
        }
    }

    func read(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await readGate.pass { try await readers[index % readers.count].query(sql, binds) }
    }

    // MARK: AccountStore

    static let accountColumns = "id, name, api_key, hash_digest, api_enabled, created_at"

    public func createAccount(name: AccountName, apiKey: String, hashDigest: HashDigest, audit: AuditContext)
        async throws -> Account
    {
        let createdAt = audit.at
        let id = try await write(effect: .accounts) { connection -> Account.ID? in
            let taken = try connection.query("SELECT 1 FROM accounts WHERE name = ?", [.text(name.value)])
            guard taken.isEmpty else { return nil }
            let rows = try connection.query(
                "INSERT INTO accounts (name, api_key, hash_digest, api_enabled, created_at) VALUES (?, ?, ?, 1, ?) RETURNING id",
                [
                    .text(name.value), .text(apiKey), .text(hashDigest.hexadecimal),
                    .int64(createdAt.microsecondsSince1970),
                ])
            try Self.recordAudit(.created, for: name, detail: nil, audit, on: connection)
            return rows.first?.column("id")?.int64
        }
        guard let id else { throw StoreError.accountExists(name) }
        return Account(
            id: id, name: name, apiKey: apiKey, hashDigest: hashDigest, apiEnabled: true,
            createdAt: Date(microsecondsSince1970: createdAt.microsecondsSince1970))
    }

    public func account(withKey apiKey: String) async throws -> Account? {
        caches.accounts.withLock { $0.byKey[apiKey] }
    }

    public func currentAccount(withKey apiKey: String) async throws -> Account? {
        try await read("SELECT \(Self.accountColumns) FROM accounts WHERE api_key = ?", [.text(apiKey)])
            .first.map(Self.account(from:))
    }

    public func account(named name: AccountName) async throws -> Account? {
        caches.accounts.withLock { $0.byName[name] }
    }

    public func accounts() async throws -> [Account] {
        caches.accounts.withLock { $0.sorted }
    }

    public func setAPIAccess(_ enabled: Bool, forAccountNamed name: AccountName, audit: AuditContext) async throws
        -> Bool
    {
        try await updateAccount(
            name, "UPDATE accounts SET api_enabled = ? WHERE name = ? RETURNING id",
            [.int64(enabled ? 1 : 0), .text(name.value)], audit: (enabled ? .apiEnabled : .apiDisabled, audit))
    }

    public func replaceHashDigest(_ digest: HashDigest, forAccountNamed name: AccountName, audit: AuditContext)
        async throws -> Bool
    {
        try await updateAccount(
            name, "UPDATE accounts SET hash_digest = ? WHERE name = ? RETURNING id",
            [.text(digest.hexadecimal), .text(name.value)], audit: (.hashRotated, audit))
    }

    public func deleteAccount(named name: AccountName, audit: AuditContext) async throws -> Bool {
        try await write(effect: .accountsAndLists) { connection in
            let rows = try connection.query(
                "DELETE FROM accounts WHERE name = ? RETURNING id", [.text(name.value)])
            guard let id = rows.first?.column("id")?.int64 else { return false }
            try Self.deletePanelUsers(ofAccount: id, on: connection)
            for table in ["blacklist", "changes", "webhooks"] {
                try connection.query("DELETE FROM \(table) WHERE account_id = ?", [.int64(id)])
            }
            try Self.recordAudit(.deleted, for: name, detail: nil, audit, on: connection)
            return true
        }
    }

    private func updateAccount(
        _ name: AccountName, _ sql: String, _ binds: [SQLiteData], audit: (AuditAction, AuditContext)
    ) async throws -> Bool {
        try await write(effect: .accounts) { connection in
            guard try !connection.query(sql, binds).isEmpty else { return false }
            try Self.recordAudit(audit.0, for: name, detail: nil, audit.1, on: connection)
            return true
        }
    }

    /// Appends an audit record, inside the write whose change it records.
    static func recordAudit(
        _ action: AuditAction, for name: AccountName, detail: String?, _ audit: AuditContext,
        on connection: WriterConnection
    ) throws {
        try connection.query(
            "INSERT INTO audit (at, account_name, action, actor, detail) VALUES (?, ?, ?, ?, ?)",
            [
                .int64(audit.at.microsecondsSince1970), .text(name.value), .text(action.rawValue),
                .text(audit.actor.description), detail.map(SQLiteData.text) ?? .null,
            ])
    }

    static func account(from row: some SQLiteColumns) throws -> Account {
        guard let id = row.column("id")?.int64, let nameText = row.column("name")?.string,
            let name = try? AccountName(nameText), let apiKey = row.column("api_key")?.string,
            let digestText = row.column("hash_digest")?.string, let digest = HashDigest(hexadecimal: digestText),
            let enabled = row.column("api_enabled")?.int64, let created = row.column("created_at")?.int64
        else { throw StoreError.corrupt("unreadable account row") }
        return Account(
            id: id, name: name, apiKey: apiKey, hashDigest: digest, apiEnabled: enabled != 0,
            createdAt: Date(microsecondsSince1970: created))
    }

    // MARK: BlacklistStore

    public func add(_ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> AddOutcome
    {
        try await withCheckedThrowingContinuation { continuation in
            add(number, for: account, at: date, provenance: provenance) { continuation.resume(with: $0) }
        }
    }

    public func addAll(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> Int
    {
        // Several thousand rows per transaction, a few hundred per statement, so a million numbers
        // take seconds rather than a million fsyncs; the batch path records and mirrors each.
        var added = 0
        for start in stride(from: 0, to: numbers.count, by: 8192) {
            let batch = Array(numbers[start..<min(start + 8192, numbers.count)])
            added += try await withCheckedThrowingContinuation { continuation in
                addBatch(batch, for: account, at: date, provenance: provenance) { continuation.resume(with: $0) }
            }.count(where: { $0 })
        }
        return added
    }

    public func remove(_ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> Bool
    {
        try await withCheckedThrowingContinuation { continuation in
            remove(number, for: account, at: date, provenance: provenance) { continuation.resume(with: $0) }
        }
    }

    public func contains(_ number: PhoneNumber, for account: Account.ID, at date: Date) async throws -> Bool {
        let micros = date.microsecondsSince1970
        if let listed = caches.lists.withLock({ $0[account]?.contains(number.national, at: micros) }) {
            return listed
        }
        return try await !read(
            "SELECT 1 FROM blacklist WHERE account_id = ? AND number = ? AND (until IS NULL OR until > ?)",
            [.int64(account), .int64(number.national), .int64(micros)]
        ).isEmpty
    }

    public func listed(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws -> [Bool] {
        try await fromMemory(of: account) { memoryListed(numbers, for: account, at: date) }
    }

    /// Whether each of `numbers` is listed at `date`, from the list's mirror; `nil` when the list
    /// is not in memory.
    private func memoryListed(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) -> [Bool]? {
        let micros = date.microsecondsSince1970
        return caches.lists.withLock { lists in
            lists[account].map { mirror in numbers.map { mirror.contains($0.national, at: micros) } }
        }
    }

    public func addBatch(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> [Bool]
    {
        try await withCheckedThrowingContinuation { continuation in
            addBatch(numbers, for: account, at: date, provenance: provenance) { continuation.resume(with: $0) }
        }
    }

    public func removeBatch(
        _ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance
    ) async throws -> [Bool] {
        try await withCheckedThrowingContinuation { continuation in
            removeBatch(numbers, for: account, at: date, provenance: provenance) { continuation.resume(with: $0) }
        }
    }

    public func page(for account: Account.ID, filter: DateFilter, page: PageRequest) async throws -> BlacklistPage {
        try await fromMemory(of: account) { try memoryPage(for: account, filter: filter, page: page) }
    }

    /// What `read` answers from `account`'s mirror, loading the list first when it is not in
    /// memory. Another process's commit can drop a mirror between its load and the read; a few
    /// attempts outlast any plausible run of those.
    private func fromMemory<Value>(of account: Account.ID, _ read: () throws -> Value?) async throws -> Value {
        for _ in 0..<5 {
            if let found = try read() { return found }
            try await loadList(account)
        }
        throw StoreError.contended("the list of account \(account) keeps changing under other processes")
    }

    /// The page from the list's mirror; `nil` when the list is not in memory.
    private func memoryPage(for account: Account.ID, filter: DateFilter, page: PageRequest) throws -> BlacklistPage? {
        let found = caches.lists.withLock { lists in
            lists[account]?.page(
                lower: filter.lowerMicroseconds, upper: filter.upperMicrosecondsExclusive, offset: page.offset,
                limit: page.rowCount)
        }
        guard let found else { return nil }
        var numbers: [PhoneNumber] = []
        numbers.reserveCapacity(found.numbers.count)
        for national in found.numbers {
            guard let number = PhoneNumber(storedNational: national) else {
                throw StoreError.corrupt("unreadable number in account \(account)")
            }
            numbers.append(number)
        }
        return BlacklistPage(numbers: numbers, count: found.count)
    }

    /// Has the writer read `account`'s list into memory, unless it is there already.
    private func loadList(_ account: Account.ID) async throws {
        try await withCheckedThrowingContinuation { continuation in
            submit(.loadList(ListLoad(account: account, continuation: continuation)), orFail: continuation)
        }
    }

    /// Loads every account's list into memory, so no request waits for one to load.
    public func prepareForServing() async throws -> String? {
        let ids = caches.accounts.withLock { $0.byName.values.map(\.id) }
        do {
            for id in ids { try await loadList(id) }
        } catch {
            throw Self.explained(error, path: path)
        }
        let entries = caches.lists.withLock { $0.values.reduce(0) { $0 + $1.count } }
        return "loaded \(ids.count) lists (\(entries) numbers) into memory"
    }

    public func checkHealth() async throws {
        _ = try await read("SELECT 1")
    }
}

// MARK: Replies

extension SQLiteStore {
    /// Authenticates from memory and answers pages from memory at once; writes reply when their
    /// group commits. Anything memory cannot settle (a refusal, which is checked against the file; a
    /// list not loaded yet; an unreadable entry) is carried out by the suspending methods.
    public func reply(to call: ListCall) -> Reply<Result<ListCallResult, any Error>> {
        guard let account = caches.accounts.withLock({ $0.byKey[call.apiKey] }), account.accepts(call.hashDigest)
        else { return .suspending { await self.carryOut(call) } }
        let operation: ListOperation
        switch call.operation {
        case .success(let asked): operation = asked
        case .failure(let error): return .now(.failure(error))
        }
        @Sendable func result(_ outcome: ListCallResult.Outcome) -> ListCallResult {
            ListCallResult(account: account, outcome: outcome)
        }
        switch operation {
        case .page(let filter, let page):
            if let found = try? memoryPage(for: account.id, filter: filter, page: page) {
                return .now(.success(result(.page(found))))
            }
            return .suspending { await self.carryOut(call) }
        case .add(let number, let date, let provenance):
            let pending = PendingReply<Result<ListCallResult, any Error>>()
            add(number, for: account.id, at: date, provenance: provenance) {
                pending.fulfil($0.map { result(.added($0)) })
            }
            return .later(pending)
        case .remove(let number, let date, let provenance):
            let pending = PendingReply<Result<ListCallResult, any Error>>()
            remove(number, for: account.id, at: date, provenance: provenance) {
                pending.fulfil($0.map { result(.removed($0)) })
            }
            return .later(pending)
        case .check(let batch, let date, detail: false):
            if let listed = memoryListed(batch.numbers, for: account.id, at: date) {
                return .now(.success(result(.checked(batch, listed: listed))))
            }
            return .suspending { await self.carryOut(call) }
        case .addBatch(let batch, let date, let provenance):
            let pending = PendingReply<Result<ListCallResult, any Error>>()
            addBatch(batch.numbers, for: account.id, at: date, provenance: provenance) {
                pending.fulfil($0.map { result(.addedBatch(batch, added: $0)) })
            }
            return .later(pending)
        case .removeBatch(let batch, let date, let provenance):
            let pending = PendingReply<Result<ListCallResult, any Error>>()
            removeBatch(batch.numbers, for: account.id, at: date, provenance: provenance) {
                pending.fulfil($0.map { result(.removedBatch(batch, removed: $0)) })
            }
            return .later(pending)
        case .check, .entries, .changes:
            return .suspending { await self.carryOut(call) }
        }
    }

    /// Queues a batch addition; `completion` runs on the writer's thread once it is durable or failed.
    private func addBatch(
        _ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance,
        then completion: @escaping @Sendable (Result<[Bool], any Error>) -> Void
    ) {
        let batch = BatchAddition(
            account: account, nationals: numbers.map(\.national), addedAt: date.microsecondsSince1970,
            provenance: provenance, completion: completion)
        submit(.write(.addBatch(batch))) { completion(.failure($0)) }
    }

    /// Queues a batch removal; `completion` runs on the writer's thread once it is durable or failed.
    private func removeBatch(
        _ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance,
        then completion: @escaping @Sendable (Result<[Bool], any Error>) -> Void
    ) {
        let batch = BatchRemoval(
            account: account, nationals: numbers.map(\.national), removedAt: date.microsecondsSince1970,
            provenance: provenance, completion: completion)
        submit(.write(.removeBatch(batch))) { completion(.failure($0)) }
    }

    /// Queues an addition; `completion` runs on the writer's thread once it is durable or failed.
    private func add(
        _ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance,
        then completion: @escaping @Sendable (Result<AddOutcome, any Error>) -> Void
    ) {
        let addition = Addition(
            account: account, national: number.national, addedAt: date.microsecondsSince1970, provenance: provenance,
            completion: completion)
        submit(.write(.add(addition))) { completion(.failure($0)) }
    }

    /// Queues a removal; `completion` runs on the writer's thread once it is durable or failed.
    private func remove(
        _ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance,
        then completion: @escaping @Sendable (Result<Bool, any Error>) -> Void
    ) {
        let removal = Removal(
            account: account, national: number.national, removedAt: date.microsecondsSince1970,
            provenance: provenance, completion: completion)
        submit(.write(.remove(removal))) { completion(.failure($0)) }
    }
}
