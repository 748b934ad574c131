public import EngelCore
public import Foundation
public import Logging
import SQLiteNIO
import Synchronization

/// The embedded store: one SQLite file in WAL mode.
///
/// One writer connection applies every write through a queue: writes that arrive while a
/// transaction commits share the next transaction and its fsync (group commit), and each caller is
/// answered only after the commit holding its write is on disk (`synchronous=FULL`). Several reader
/// connections serve reads concurrently from WAL snapshots.
public final class SQLiteStore: EngelStore {
    /// Where the database lives.
    public let path: String
    /// What opening the store did to its schema.
    public let schemaMigration: SchemaMigration
    private let threadPool: NIOThreadPool
    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    private let nextReader = Atomic<Int>(0)
    private let queue: WriteQueue
    private let writerTask: Mutex<Task<Void, Never>?>
    private let logger: Logger

    private init(
        path: String, schemaMigration: SchemaMigration, threadPool: NIOThreadPool, writer: SQLiteConnection,
        readers: [SQLiteConnection], maximumBatch: Int, logger: Logger
    ) {
        self.path = path
        self.schemaMigration = schemaMigration
        self.threadPool = threadPool
        self.writer = writer
        self.readers = readers
        self.queue = WriteQueue(maximumBatch: maximumBatch)
        self.writerTask = Mutex(nil)
        self.logger = logger
    }

    /// Opens (creating if needed) the database at `path`, applying pending migrations.
    ///
    /// - Parameters:
    ///   - path: The database file; its folder is created when missing.
    ///   - readerCount: Connections serving reads concurrently.
    ///   - maximumBatch: The most writes one transaction holds.
    ///   - logger: Where the store reports failures.
    public static func open(
        path: String, readerCount: Int = 3, maximumBatch: Int = 256, logger: Logger = Logger(label: "engel.sqlite")
    ) async throws -> SQLiteStore {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw StoreError.invalidLocation("cannot create the folder \(folder.path) for the database: \(error)")
        }
        let threadPool = NIOThreadPool(numberOfThreads: readerCount + 1)
        threadPool.start()
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        func connect() async throws -> SQLiteConnection {
            let connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: threadPool, logger: logger, on: eventLoop)
            _ = try await connection.query("PRAGMA busy_timeout = 10000")
            return connection
        }
        do {
            let writer = try await connect()
            // WAL lets readers work beside the writer; FULL makes every commit reach the disk
            // before it returns, which is what a 200 promises.
            _ = try await writer.query("PRAGMA journal_mode = WAL")
            _ = try await writer.query("PRAGMA synchronous = FULL")
            let migration = try await SQLiteSchema.migrate(writer)
            var readers: [SQLiteConnection] = []
            for _ in 0..<max(1, readerCount) {
                let reader = try await connect()
                _ = try await reader.query("PRAGMA query_only = 1")
                readers.append(reader)
            }
            let store = SQLiteStore(
                path: path, schemaMigration: migration, threadPool: threadPool, writer: writer, readers: readers,
                maximumBatch: maximumBatch, logger: logger)
            store.startWriter()
            return store
        } catch {
            try? await threadPool.shutdownGracefully()
            throw error
        }
    }

    /// Finishes queued writes, then closes every connection.
    public func close() async {
        queue.close()
        let task = writerTask.withLock { $0 }
        await task?.value
        for connection in readers + [writer] {
            do { try await connection.close() } catch {
                logger.warning("closing an SQLite connection failed", metadata: ["error": "\(error)"])
            }
        }
        try? await threadPool.shutdownGracefully()
    }

    // MARK: Writing

    private func startWriter() {
        let task = Task { [queue, writer, logger] in
            while let batch = await queue.nextBatch() {
                await Self.commit(batch, on: writer, logger: logger)
            }
        }
        writerTask.withLock { $0 = task }
    }

    /// Runs `batch` in one transaction. A failing write is rolled back to its savepoint alone, so
    /// it cannot undo the others; a failing commit fails them all.
    private static func commit(_ batch: [any PendingWrite], on connection: SQLiteConnection, logger: Logger) async {
        do {
            _ = try await connection.query("BEGIN IMMEDIATE")
        } catch {
            logger.error("cannot begin a write transaction", metadata: ["error": "\(error)"])
            finish(batch, commitError: error)
            return
        }
        let isolate = batch.count > 1
        var anySucceeded = false
        for write in batch {
            do {
                if isolate { _ = try await connection.query("SAVEPOINT write") }
                let succeeded = await write.execute(on: connection)
                if isolate {
                    if !succeeded { _ = try await connection.query("ROLLBACK TO write") }
                    _ = try await connection.query("RELEASE write")
                }
                anySucceeded = anySucceeded || succeeded
            } catch {
                logger.error("a savepoint failed", metadata: ["error": "\(error)"])
                _ = try? await connection.query("ROLLBACK")
                finish(batch, commitError: error)
                return
            }
        }
        do {
            _ = try await connection.query(anySucceeded ? "COMMIT" : "ROLLBACK")
            finish(batch, commitError: nil)
        } catch {
            logger.error("commit failed", metadata: ["error": "\(error)", "writes": "\(batch.count)"])
            _ = try? await connection.query("ROLLBACK")
            finish(batch, commitError: error)
        }
    }

    private static func finish(_ batch: [any PendingWrite], commitError: (any Error)?) {
        for write in batch { write.complete(commitError: commitError) }
    }

    /// Queues `body` for the writer; returns its result once its transaction is committed.
    private func write<Value: Sendable>(
        _ body: @escaping @Sendable (SQLiteConnection) async throws -> Value
    ) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            do {
                try queue.submit(Write(body, continuation: continuation))
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    private func read(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await readers[index % readers.count].query(sql, binds)
    }

    // MARK: AccountStore

    private static let accountColumns = "id, name, api_key, hash_digest, api_enabled, created_at"

    public func createAccount(name: AccountName, apiKey: String, hashDigest: HashDigest, createdAt: Date)
        async throws -> Account
    {
        let id = try await write { connection -> Account.ID? in
            let taken = try await connection.query("SELECT 1 FROM accounts WHERE name = ?", [.text(name.value)])
            guard taken.isEmpty else { return nil }
            let rows = try await connection.query(
                "INSERT INTO accounts (name, api_key, hash_digest, api_enabled, created_at) VALUES (?, ?, ?, 1, ?) RETURNING id",
                [
                    .text(name.value), .text(apiKey), .text(hashDigest.hexadecimal),
                    .int64(createdAt.microsecondsSince1970),
                ])
            return rows.first?.column("id")?.int64
        }
        guard let id else { throw StoreError.accountExists(name) }
        return Account(
            id: id, name: name, apiKey: apiKey, hashDigest: hashDigest, apiEnabled: true,
            createdAt: Date(microsecondsSince1970: createdAt.microsecondsSince1970))
    }

    public func account(withKey apiKey: String) async throws -> Account? {
        try await read("SELECT \(Self.accountColumns) FROM accounts WHERE api_key = ?", [.text(apiKey)])
            .first.map(Self.account(from:))
    }

    public func account(named name: AccountName) async throws -> Account? {
        try await read("SELECT \(Self.accountColumns) FROM accounts WHERE name = ?", [.text(name.value)])
            .first.map(Self.account(from:))
    }

    public func accounts() async throws -> [Account] {
        try await read("SELECT \(Self.accountColumns) FROM accounts ORDER BY name").map(Self.account(from:))
    }

    public func setAPIAccess(_ enabled: Bool, forAccountNamed name: AccountName) async throws -> Bool {
        try await updateAccount(
            "UPDATE accounts SET api_enabled = ? WHERE name = ? RETURNING id",
            [.int64(enabled ? 1 : 0), .text(name.value)])
    }

    public func replaceHashDigest(_ digest: HashDigest, forAccountNamed name: AccountName) async throws -> Bool {
        try await updateAccount(
            "UPDATE accounts SET hash_digest = ? WHERE name = ? RETURNING id",
            [.text(digest.hexadecimal), .text(name.value)])
    }

    public func deleteAccount(named name: AccountName) async throws -> Bool {
        try await write { connection in
            let rows = try await connection.query(
                "DELETE FROM accounts WHERE name = ? RETURNING id", [.text(name.value)])
            guard let id = rows.first?.column("id")?.int64 else { return false }
            // The directory goes first, so the delete trigger finds nothing left to count down.
            for table in ["blacklist_chunk_groups", "blacklist_chunks", "blacklist_sizes"] {
                _ = try await connection.query("DELETE FROM \(table) WHERE account_id = ?", [.int64(id)])
            }
            _ = try await connection.query("DELETE FROM blacklist WHERE account_id = ?", [.int64(id)])
            return true
        }
    }

    private func updateAccount(_ sql: String, _ binds: [SQLiteData]) async throws -> Bool {
        try await write { connection in
            try await !connection.query(sql, binds).isEmpty
        }
    }

    private static func account(from row: SQLiteRow) throws -> Account {
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

    public func add(_ number: PhoneNumber, for account: Account.ID, at date: Date) async throws -> AddOutcome {
        let inserted = try await write { connection in
            // DO NOTHING keeps the first added-at time of a number listed twice.
            try await !connection.query(
                "INSERT INTO blacklist (account_id, number, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING seq",
                [.int64(account), .int64(number.national), .int64(date.microsecondsSince1970)]
            ).isEmpty
        }
        return inserted ? .added : .alreadyListed
    }

    public func addAll(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws -> Int {
        // Several thousand rows per transaction, a few hundred per statement (SQLite binds at most
        // 32766 values), so a million numbers take seconds rather than a million fsyncs.
        let micros = date.microsecondsSince1970
        var added = 0
        for batchStart in stride(from: 0, to: numbers.count, by: 8192) {
            let batch = numbers[batchStart..<min(batchStart + 8192, numbers.count)]
            added += try await write { connection in
                var inserted = 0
                for statementStart in stride(from: batch.startIndex, to: batch.endIndex, by: 256) {
                    let rows = batch[statementStart..<min(statementStart + 256, batch.endIndex)]
                    var binds: [SQLiteData] = []
                    binds.reserveCapacity(rows.count * 2 + 1)
                    binds.append(.int64(account))
                    binds.append(.int64(micros))
                    for number in rows { binds.append(.int64(number.national)) }
                    let values = (0..<rows.count).map { "(?1, ?\($0 + 3), ?2)" }.joined(separator: ", ")
                    inserted += try await connection.query(
                        "INSERT INTO blacklist (account_id, number, added_at) VALUES \(values) "
                            + "ON CONFLICT DO NOTHING RETURNING seq", binds
                    ).count
                }
                return inserted
            }
        }
        return added
    }

    public func remove(_ number: PhoneNumber, for account: Account.ID) async throws -> Bool {
        try await write { connection in
            try await !connection.query(
                "DELETE FROM blacklist WHERE account_id = ? AND number = ? RETURNING seq",
                [.int64(account), .int64(number.national)]
            ).isEmpty
        }
    }

    public func contains(_ number: PhoneNumber, for account: Account.ID) async throws -> Bool {
        try await !read(
            "SELECT 1 FROM blacklist WHERE account_id = ? AND number = ?",
            [.int64(account), .int64(number.national)]
        ).isEmpty
    }

    public func page(for account: Account.ID, filter: DateFilter, page: PageRequest) async throws -> BlacklistPage {
        let unfiltered = filter.lowerMicroseconds == nil && filter.upperMicrosecondsExclusive == nil
        let query: String
        if unfiltered {
            query = page.offset < SQLiteSchema.chunkSize ? Self.nearStartQuery : Self.unfilteredPageQuery
        } else {
            query = Self.filteredPageQuery
        }
        let rows = try await read(
            query,
            [
                .int64(account), .int64(filter.lowerMicroseconds ?? .min),
                .int64(filter.upperMicrosecondsExclusive ?? .max), .int64(Int64(page.rowCount)),
                .int64(Int64(page.offset)),
            ])
        let count = Int(rows.first?.column("count")?.int64 ?? 0)
        var numbers: [PhoneNumber] = []
        numbers.reserveCapacity(rows.count)
        for row in rows {
            guard let stored = row.column("number"), !stored.isNull else { continue }
            guard let national = stored.int64, let number = PhoneNumber(storedNational: national) else {
                throw StoreError.corrupt("unreadable number in account \(account)")
            }
            numbers.append(number)
        }
        return BlacklistPage(numbers: numbers, count: count)
    }

    // The page queries share their binds: ?1 account, ?2 lower bound and ?3 upper bound (exclusive,
    // in microseconds), ?4 row count, ?5 offset. Each is one statement, so its count and its page
    // come from one snapshot; the LEFT JOIN keeps the count row when the page is past the end.

    /// An unfiltered page within the first chunk's reach: the total from `blacklist_sizes` and a
    /// short walk of the covering index.
    private static let nearStartQuery = """
        SELECT coalesce((SELECT size FROM blacklist_sizes WHERE account_id = ?1), 0) AS count, page.number AS number
        FROM (SELECT 1) LEFT JOIN
          (SELECT number, added_at, seq FROM blacklist WHERE account_id = ?1 AND added_at < ?3
           ORDER BY added_at, seq LIMIT ?4 OFFSET ?5) AS page ON 1
        ORDER BY page.added_at, page.seq
        """

    /// How many of the account's entries were added before `bound` (a bind holding microseconds):
    /// the entries before the owning chunk (its group's `before` plus its `local_before`) and its
    /// own entries before the bound, which is at most one chunk's worth of index entries.
    ///
    /// A key range from a chunk's first key is written as two ranges (the rest of its first
    /// microsecond, then later times) because SQLite seeks a row-value bound by its first column
    /// only, which would scan every entry sharing that microsecond (a bulk load shares one).
    private static func position(before bound: String) -> String {
        """
        coalesce((SELECT g.before + c.local_before
            + (SELECT count(*) FROM blacklist AS b
               WHERE b.account_id = ?1 AND b.added_at = c.first_added_at AND b.seq >= c.first_seq
                 AND b.added_at < \(bound))
            + (SELECT count(*) FROM blacklist AS b
               WHERE b.account_id = ?1 AND b.added_at > c.first_added_at AND b.added_at < \(bound))
          FROM blacklist_chunks AS c
          JOIN blacklist_chunk_groups AS g ON g.account_id = c.account_id AND g.grp = c.ordinal >> \(SQLiteSchema.groupShift)
          WHERE c.account_id = ?1 AND c.first_added_at < \(bound)
          ORDER BY c.first_added_at DESC, c.first_seq DESC LIMIT 1), 0)
        """
    }

    /// Any page, filtered or not, at a cost that does not grow with its position: the positions
    /// of the filter's bounds give the count and the first wanted position; the last group and
    /// then the last chunk starting at or before that position are read off the directory (at
    /// most 64 rows each, by key); the page is read from that chunk's first key with an offset
    /// below one chunk.
    private static let filteredPageQuery = """
        WITH
        bounds AS (SELECT \(position(before: "?2")) AS low, \(position(before: "?3")) AS high),
        target AS (SELECT low + ?5 AS wanted, high AS past_end, max(high - low, 0) AS count FROM bounds),
        \(pageFromTarget)
        """

    /// ``filteredPageQuery`` without bounds: the total comes from `blacklist_sizes`.
    private static let unfilteredPageQuery = """
        WITH
        target AS (SELECT ?5 AS wanted, total AS past_end, total AS count
                   FROM (SELECT coalesce((SELECT size FROM blacklist_sizes WHERE account_id = ?1), 0) AS total)),
        \(pageFromTarget)
        """

    /// The page at `target.wanted`, up to `target.past_end`, through the directory.
    private static let pageFromTarget: String = {
        let shift = SQLiteSchema.groupShift
        return """
            grp AS (
              SELECT grp, before FROM blacklist_chunk_groups
              WHERE account_id = ?1 AND size > 0 AND before <= (SELECT wanted FROM target)
              ORDER BY grp DESC LIMIT 1),
            chunk AS (
              SELECT c.first_added_at, c.first_seq, g.before + c.local_before AS before
              FROM grp AS g, blacklist_chunks AS c
              WHERE c.account_id = ?1 AND c.ordinal >= g.grp << \(shift) AND c.ordinal < (g.grp + 1) << \(shift)
                AND c.size > 0 AND g.before + c.local_before <= (SELECT wanted FROM target)
              ORDER BY c.ordinal DESC LIMIT 1),
            page AS (
              SELECT number, added_at, seq FROM (
                SELECT b.number, b.added_at, b.seq FROM blacklist AS b
                WHERE b.account_id = ?1 AND b.added_at = (SELECT first_added_at FROM chunk)
                  AND b.seq >= (SELECT first_seq FROM chunk) AND b.added_at < ?3
                UNION ALL
                SELECT b.number, b.added_at, b.seq FROM blacklist AS b
                WHERE b.account_id = ?1 AND b.added_at > (SELECT first_added_at FROM chunk) AND b.added_at < ?3)
              WHERE (SELECT wanted < past_end FROM target)
              ORDER BY added_at, seq
              LIMIT ?4 OFFSET coalesce((SELECT target.wanted - chunk.before FROM target, chunk), 0))
            SELECT target.count AS count, page.number AS number FROM target LEFT JOIN page ON 1
            ORDER BY page.added_at, page.seq
            """
    }()

    public func checkHealth() async throws {
        _ = try await read("SELECT 1")
    }
}
