public import EngelCore
public import Foundation
public import Logging
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// The scale-out store: many stateless Engel servers over one PostgreSQL database.
///
/// Nothing is cached: every request reads the database, so a change made through one server is
/// seen by every other at once. Each write is one statement in its own transaction, committed
/// (and so durable, with PostgreSQL's default `synchronous_commit`) before it returns. Calls fail
/// after ``operationTimeout`` instead of waiting for a database that is down, so the server can
/// answer 503 and recover by itself when the database returns.
///
/// Lists are cut into chunks of about ``chunkTarget`` entries whose sizes the database keeps
/// (see `PostgresSchema.positionChunks`), so a deep or date-filtered page costs about the same
/// as the first. The store keeps the chunks near that size by itself, every
/// ``balanceInterval`` and after each bulk add; ``balanceLists()`` does it at once.
public final class PostgresStore: EngelStore, StatementRunner {
    /// Where the database is.
    public let location: PostgresLocation
    /// The longest a store call waits, connection included, before failing.
    public let operationTimeout: Duration
    /// What opening the store did to its schema.
    public let schemaMigration: SchemaMigration
    /// How many entries balancing aims to keep in each chunk of a list.
    public let chunkTarget: Int
    /// The chunk target when none is given, and the one migration 4 chunks existing lists to.
    ///
    /// A deep page costs a sum over every chunk of its list plus a skip within one chunk: measured
    /// with pgbench on a million-entry list, a last page ran at 2,900/s with chunks of 2,048,
    /// 4,600/s with 4,096 and 6,600/s with 8,192, but a page at the far end of a chunk of 8,192 fell
    /// to 3,700/s (commit ae2c1d8, and session 5's notes on issue 5).
    public static let defaultChunkTarget = 4096
    /// How often the store balances the chunks of lists that writes have grown or thinned.
    public let balanceInterval: Duration
    let client: PostgresClient
    /// How many of the store's connections answer API calls on the server's event loops, once
    /// ``prepareForServing()`` opened them (``PostgresLanes``); the pool keeps the rest.
    let laneConnections: Int
    /// The API's connections, once serving.
    let lanes = Mutex<PostgresLanes?>(nil)
    /// The accounts the lanes authenticated, by key: a later call of the same key checks its
    /// credentials within the statement that carries it out, in one round trip.
    let knownAccounts = Mutex<[String: Account]>([:])
    /// The size of each list as the last page beyond the first chunk's reach found it: whether a
    /// page near the end may share a statement with others depends on it.
    let listSizes = Mutex<[Account.ID: Int64]>([:])
    private let runTask: Mutex<Task<Void, Never>?>
    private let balanceTask = Mutex<Task<Void, Never>?>(nil)
    let logger: Logger

    private init(
        location: PostgresLocation, client: PostgresClient, laneConnections: Int, runTask: Task<Void, Never>,
        operationTimeout: Duration, chunkTarget: Int, balanceInterval: Duration, schemaMigration: SchemaMigration,
        logger: Logger
    ) {
        self.location = location
        self.client = client
        self.laneConnections = laneConnections
        self.operationTimeout = operationTimeout
        self.chunkTarget = chunkTarget
        self.balanceInterval = balanceInterval
        self.schemaMigration = schemaMigration
        self.runTask = Mutex(runTask)
        self.logger = logger
    }

    /// Connects to `location` and applies pending migrations.
    ///
    /// - Parameters:
    ///   - location: The server and database.
    ///   - maximumConnections: How many connections the store opens at most, all counted: three
    ///     quarters for the API's calls once serving (``prepareForServing()``), but no more than
    ///     ``PostgresLanes/connectionsPerLoop`` for each of the server's event loops; a quarter for
    ///     the pool that carries everything else. Writes commit together when many are in flight at
    ///     once, so the API's share decides how many adds share a WAL flush.
    ///   - operationTimeout: How long one call may wait, for a connection included.
    ///   - migrationTimeout: How long bringing the schema up to date may take, waiting for another
    ///     server's migration included.
    ///   - chunkTarget: How many entries balancing aims to keep in each chunk of a list (at least 2).
    ///   - balanceInterval: How often the store balances chunks by itself.
    ///   - logger: Where connection problems are reported (never with the password).
    public static func open(
        _ location: PostgresLocation, maximumConnections: Int = 16, operationTimeout: Duration = .seconds(5),
        migrationTimeout: Duration = .seconds(120),
        chunkTarget: Int = defaultChunkTarget, balanceInterval: Duration = .seconds(1),
        logger: Logger = Logger(label: "engel.postgres")
    ) async throws -> PostgresStore {
        precondition(chunkTarget >= 2, "a chunk target below 2 cannot be balanced")
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: tls(location.tls))
        precondition(maximumConnections >= 2, "the API's calls and the pool need a connection each")
        let apiShare = maximumConnections * 3 / 4
        // The lanes open on the loops the server answers on (``openLanes(connections:)``).
        let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator()).count
        let laneConnections = min(apiShare, PostgresLanes.connectionsPerLoop * loops)
        configuration.options.maximumConnections = maximumConnections - apiShare
        configuration.options.connectTimeout = operationTimeout
        // The chunk bookkeeping needs each statement to see what committed before it started,
        // whatever the database's default isolation is.
        configuration.options.additionalStartupParameters = [("default_transaction_isolation", "read committed")]
        // One connection first: the pool retries a server that refuses it until the deadline and
        // then tells only that time ran out, where this tells why (refused, unknown role, …).
        // A server slow to answer is left to the pool and its deadline.
        do {
            var probeConfiguration = PostgresConnection.Configuration(
                host: location.host, port: location.port, username: location.username, password: location.password,
                database: location.database, tls: try connectionTLS(location.tls))
            probeConfiguration.options.connectTimeout = .init(operationTimeout)
            let probe = try await PostgresConnection.connect(configuration: probeConfiguration, id: 0, logger: logger)
            try await probe.close()
        } catch let error as PSQLError where error.code != .connectionError || Self.refusedOutright(error) {
            throw explained(error, location: location)
        } catch let error as PSQLError {
            logger.debug("PostgreSQL was slow to answer a first connection", metadata: ["error": "\(error.code)"])
        }
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runTask = Task { await client.run() }
        do {
            // Longer than a request's: a migration may wait for another server's, or rewrite a
            // large table; a server it cannot reach at all was reported by the first connection.
            let migration = try await withDeadline(migrationTimeout) {
                try await PostgresSchema.migrate(client, logger: logger)
            }
            let store = PostgresStore(
                location: location, client: client, laneConnections: laneConnections, runTask: runTask,
                operationTimeout: operationTimeout,
                chunkTarget: chunkTarget, balanceInterval: balanceInterval, schemaMigration: migration, logger: logger)
            store.startBalancing()
            return store
        } catch {
            runTask.cancel()
            await runTask.value
            throw explained(error, location: location)
        }
    }

    /// Whether a connection failure is a refusal (nothing listens there), not a timeout.
    private static func refusedOutright(_ error: PSQLError) -> Bool {
        guard let failure = error.underlying as? NIOConnectionError else { return false }
        return failure.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
    }

    /// What failing to reach `location` means to the operator (never with the password).
    private static func explained(_ error: any Error, location: PostgresLocation) -> any Error {
        let server = "\(location.host):\(location.port)"
        if let failure = error as? PSQLError {
            let state = failure.serverInfo?[.sqlState] ?? ""
            let message = failure.serverInfo?[.message] ?? "\(failure.code)"
            if state.hasPrefix("28") {
                return StoreError.credentialsRefused("\(server) as \(location.username): \(message)")
            }
            if state == "3D000" { return StoreError.invalidLocation("\(server) has no database \(location.database)") }
            if failure.code == .connectionError || failure.code == .serverClosedConnection {
                return StoreError.unreachable("nothing at \(server) accepts a connection")
            }
            if failure.code == .authMechanismRequiresPassword || failure.code == .saslError {
                return StoreError.credentialsRefused("\(server) as \(location.username): \(failure.code)")
            }
        }
        if error is StoreUnavailable { return StoreError.unreachable("\(server) did not answer in time") }
        return error
    }

    static func connectionTLS(_ mode: PostgresLocation.TLSMode) throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }

    private static func tls(_ mode: PostgresLocation.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    /// Opens the connections that carry the API's calls on the server's event loops.
    public func prepareForServing() async throws -> String? {
        try openLanes(connections: laneConnections)
        return nil
    }

    /// The configuration of one connection, as the pool's are made.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: try Self.connectionTLS(location.tls))
        configuration.options.connectTimeout = .init(operationTimeout)
        configuration.options.additionalStartupParameters = [("default_transaction_isolation", "read committed")]
        return configuration
    }

    /// Closes every connection.
    public func close() async {
        let open = lanes.withLock { lanes in
            defer { lanes = nil }
            return lanes
        }
        await open?.close()
        let balancing = balanceTask.withLock { task in
            defer { task = nil }
            return task
        }
        balancing?.cancel()
        await balancing?.value
        let task = runTask.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
    }

    /// Runs `body`, failing with ``StoreUnavailable`` once `timeout` has passed.
    static func withDeadline<Value: Sendable>(
        _ timeout: Duration, _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        // A race, not a task group: a group waits for every child, so a body that ignores its
        // cancellation (a wait for a pool connection to a database that is down) would hold the
        // caller past the deadline, for good. The first outcome answers; the other is cancelled.
        let outcome = PendingReply<Result<Value, any Error>>()
        let work = Task {
            do { outcome.fulfil(.success(try await body())) } catch { outcome.fulfil(.failure(error)) }
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            outcome.fulfil(.failure(StoreUnavailable(reason: "no answer from PostgreSQL within \(timeout)")))
        }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                outcome.whenReady { continuation.resume(returning: $0) }
            }
        } onCancel: {
            outcome.fulfil(.failure(CancellationError()))
        }
        work.cancel()
        timer.cancel()
        return try result.get()
    }

    // Every statement through the pool holds its connection for the closure of `withConnection`,
    // not through PostgresClient's own `query` and `execute`: those give the connection back when
    // the row stream finishes, and never when the statement failed between the stream's start
    // and the first read of it (PostgresNIO 1.33.2, `PSQLRowStream.asyncSequence`). A foreign-key
    // or deadlock error then kept its connection for good; after as many as the pool holds, every
    // call through it waited until its deadline (a test deleting an account under writers hung
    // in 4 runs of 15, session 13).

    /// Runs `query` and decodes every row as `Row`.
    func rows<each Column: PostgresDecodable & Sendable>(
        _ query: PostgresQuery, as type: (repeat each Column).Type
    ) async throws -> [(repeat each Column)] {
        let client = client
        let logger = logger
        return try await Self.withDeadline(operationTimeout) {
            try await client.withConnection { connection in
                var decoded: [(repeat each Column)] = []
                for try await row in try await connection.query(query, logger: logger).decode((repeat each Column).self)
                {
                    decoded.append(row)
                }
                return decoded
            }
        }
    }

    /// Runs a prepared statement (prepared on each connection when it is first used there).
    func run<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row]
    where Statement.Row: Sendable {
        let client = client
        let logger = logger
        return try await Self.withDeadline(operationTimeout) {
            try await client.withConnection { connection in
                var decoded: [Statement.Row] = []
                for try await row in try await connection.execute(statement, logger: logger) {
                    decoded.append(row)
                }
                return decoded
            }
        }
    }

    /// The numbers `query` returns, one per row.
    private func returnedNumbers(_ query: PostgresQuery) async throws -> Set<Int64> {
        let client = client
        let logger = logger
        return try await Self.withDeadline(operationTimeout) {
            try await client.withConnection { connection in
                var found: Set<Int64> = []
                for try await number in try await connection.query(query, logger: logger).decode(Int64.self) {
                    found.insert(number)
                }
                return found
            }
        }
    }

    func rowCount(_ query: PostgresQuery) async throws -> Int {
        try await rows(query, as: Int64.self).count
    }

    // MARK: AccountStore

    public func createAccount(name: AccountName, apiKey: String, hashDigest: HashDigest, audit: AuditContext)
        async throws -> Account
    {
        let createdAt = audit.at
        let created = createdAt.microsecondsSince1970
        let ids = try await rows(
            """
            WITH created AS (
                INSERT INTO accounts (name, api_key, hash_digest, api_enabled, created_at)
                VALUES (\(name.value), \(apiKey), \(hashDigest.hexadecimal), TRUE, \(created))
                ON CONFLICT (name) DO NOTHING RETURNING id, name),
            audited AS (
                INSERT INTO audit (at, account_name, action, actor, detail)
                SELECT \(created), name, \(AuditAction.created.rawValue), \(audit.actor.description), NULL FROM created)
            SELECT id FROM created
            """, as: Int64.self)
        guard let id = ids.first else { throw StoreError.accountExists(name) }
        return Account(
            id: id, name: name, apiKey: apiKey, hashDigest: hashDigest, apiEnabled: true,
            createdAt: Date(microsecondsSince1970: created))
    }

    public func account(withKey apiKey: String) async throws -> Account? {
        try await run(PostgresStatements.AccountWithKey(apiKey: apiKey)).first.map(Self.account(from:))
    }

    public func account(named name: AccountName) async throws -> Account? {
        try await accounts(where: "WHERE name = \(name.value)").first
    }

    public func accounts() async throws -> [Account] {
        try await accounts(where: "ORDER BY name")
    }

    private func accounts(where clause: PostgresQuery) async throws -> [Account] {
        var query: PostgresQuery = "SELECT \(unescaped: PostgresStatements.accountColumns) FROM accounts "
        query.sql += clause.sql
        query.binds = clause.binds
        return try await rows(query, as: PostgresStatements.AccountWithKey.Row.self).map(Self.account(from:))
    }

    static func account(from row: PostgresStatements.AccountWithKey.Row) throws -> Account {
        let (id, nameText, apiKey, digestText, enabled, created) = row
        guard let name = try? AccountName(nameText), let digest = HashDigest(hexadecimal: digestText) else {
            throw StoreError.corrupt("unreadable account row \(id)")
        }
        return Account(
            id: id, name: name, apiKey: apiKey, hashDigest: digest, apiEnabled: enabled,
            createdAt: Date(microsecondsSince1970: created))
    }

    public func setAPIAccess(_ enabled: Bool, forAccountNamed name: AccountName, audit: AuditContext) async throws
        -> Bool
    {
        try await updateAccount(name, apiEnabled: enabled, action: enabled ? .apiEnabled : .apiDisabled, audit: audit)
    }

    public func replaceHashDigest(_ digest: HashDigest, forAccountNamed name: AccountName, audit: AuditContext)
        async throws -> Bool
    {
        try await updateAccount(name, hashDigest: digest.hexadecimal, action: .hashRotated, audit: audit)
    }

    /// Switches API access or replaces the digest (whichever is given) of the account named
    /// `name`, and audits it, in one statement.
    private func updateAccount(
        _ name: AccountName, apiEnabled: Bool? = nil, hashDigest: String? = nil, action: AuditAction,
        audit: AuditContext
    ) async throws -> Bool {
        try await rows(
            """
            WITH changed AS (
                UPDATE accounts SET api_enabled = coalesce(\(apiEnabled)::BOOLEAN, api_enabled),
                                    hash_digest = coalesce(\(hashDigest)::TEXT, hash_digest)
                WHERE name = \(name.value) RETURNING name),
            audited AS (
                INSERT INTO audit (at, account_name, action, actor, detail)
                SELECT \(audit.at.microsecondsSince1970), name, \(action.rawValue), \(audit.actor.description), NULL
                FROM changed)
            SELECT count(*)::BIGINT FROM changed
            """, as: Int64.self
        ).first.map { $0 > 0 } ?? false
    }

    public func deleteAccount(named name: AccountName, audit: AuditContext) async throws -> Bool {
        // The list's sizes and chunks and the webhooks go by ON DELETE CASCADE; the list, the
        // change log and the audit record in the same function, under the account's locks.
        try await rows(
            """
            SELECT engel_delete_account(\(name.value), \(audit.at.microsecondsSince1970), \(audit.actor.description))
            """, as: Bool.self
        ).first ?? false
    }

    // MARK: BlacklistStore

    public func add(_ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> AddOutcome
    {
        let statement = PostgresStatements.Add(
            account: account, national: number.national, at: date.microsecondsSince1970, provenance: provenance)
        // An add that meets an entry with an end runs more than one statement (see
        // engel_add_numbers), and so may meet a deadlock on the list's size rows.
        let inserted = try await refusingDeletedAccount { try await retryingDeadlocks { try await run(statement) } }
        return inserted.isEmpty ? .alreadyListed : .added
    }

    public func addAll(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> Int
    {
        let micros = date.microsecondsSince1970
        var added = 0
        for batchStart in stride(from: 0, to: numbers.count, by: 10_000) {
            let batch = numbers[batchStart..<min(batchStart + 10_000, numbers.count)].map(\.national)
            // engel_add_numbers keeps the file's order in `seq` and in the change log.
            added += try await refusingDeletedAccount {
                try await addedNumbers(
                    PostgresStatements.AddNumbers(
                        account: account, nationals: batch, at: micros, provenance: provenance))
            }.count
        }
        if added >= Self.bulkSizeWorthVacuuming {
            // Until autovacuum gets round to it, the planner would take the grown list for the
            // small one it last measured and sort it whole for every page; and index-only scans
            // need the visibility map a vacuum sets.
            // The numbers are in either way: a vacuum that fails or outlasts the deadline only
            // leaves the job to autovacuum.
            do { _ = try await rowCount("VACUUM (ANALYZE) blacklist") } catch {
                logger.warning("vacuuming after a bulk add failed", metadata: ["error": "\(error)"])
            }
        }
        if added > 0 {
            // Without this the new entries would sit in one chunk until the next round, and pages
            // in them would walk it whole. They are in and counted either way.
            do { _ = try await balance(list: account) } catch {
                logger.warning("balancing a list after a bulk add failed", metadata: ["error": "\(error)"])
            }
        }
        return added
    }

    /// The numbers `batch` added, which come back as the one row's array.
    private func addedNumbers(_ batch: PostgresStatements.AddNumbers) async throws -> [Int64] {
        try await run(batch).first ?? []
    }

    /// How many rows one bulk add must insert before it vacuums and analyzes the list itself.
    static let bulkSizeWorthVacuuming = 10_000

    public func remove(_ number: PhoneNumber, for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> Bool
    {
        let statement = PostgresStatements.Remove(
            account: account, national: number.national, at: date.microsecondsSince1970, provenance: provenance)
        return try await !retryingDeadlocks { try await run(statement) }.isEmpty
    }

    public func listed(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws -> [Bool] {
        let nationals = numbers.map(\.national)
        let micros = date.microsecondsSince1970
        let found = try await returnedNumbers(
            """
            SELECT number FROM blacklist WHERE account_id = \(account) AND number = ANY(\(nationals)::BIGINT[])
              AND (until IS NULL OR until > \(micros))
            """)
        return nationals.map(found.contains)
    }

    public func addBatch(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance)
        async throws -> [Bool]
    {
        let nationals = numbers.map(\.national)
        let micros = date.microsecondsSince1970
        // One statement is one transaction: the batch and its change records commit whole or not
        // at all, in the request's order.
        let inserted = try await refusingDeletedAccount {
            try await retryingDeadlocks {
                try await Set(
                    addedNumbers(
                        PostgresStatements.AddNumbers(
                            account: account, nationals: nationals, at: micros, provenance: provenance)))
            }
        }
        return nationals.map(inserted.contains)
    }

    public func removeBatch(
        _ numbers: [PhoneNumber], for account: Account.ID, at date: Date, provenance: Provenance
    ) async throws -> [Bool] {
        let nationals = numbers.map(\.national)
        let micros = date.microsecondsSince1970
        let deleted = try await retryingDeadlocks {
            try await Set(
                run(
                    PostgresStatements.RemoveNumbers(
                        account: account, nationals: nationals, at: micros, provenance: provenance)))
        }
        return nationals.map(deleted.contains)
    }

    /// Runs `statement` again when PostgreSQL ended it to break a deadlock: two batches that share
    /// numbers in different orders each wait for a row the other wrote, or an add that met entries
    /// with an end waits for a row while holding its list's size rows, and one of them is rolled
    /// back whole, so trying it again is safe.
    func retryingDeadlocks<Value>(_ statement: () async throws -> Value) async throws -> Value {
        var attempt = 0
        while true {
            do {
                return try await statement()
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "40P01" && attempt < 5 {
                attempt += 1
                logger.info("a batch met a deadlock and runs again", metadata: ["attempt": "\(attempt)"])
            }
        }
    }

    /// Runs `write`, which adds to one account's list, answering ``StoreError/accountMissing`` as
    /// the other stores do when the account is not there: deleted after the caller found it, the
    /// write finds no account row to lock and refuses with the foreign-key SQLSTATE
    /// (`engel_account_missing`).
    func refusingDeletedAccount<Value>(_ write: () async throws -> Value) async throws -> Value {
        do {
            return try await write()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == Self.foreignKeyViolation {
            throw StoreError.accountMissing
        }
    }

    /// The SQLSTATE of a foreign-key violation, which `engel_account_missing` raises.
    static let foreignKeyViolation = "23503"

    public func contains(_ number: PhoneNumber, for account: Account.ID, at date: Date) async throws -> Bool {
        try await !run(
            PostgresStatements.Contains(account: account, national: number.national, at: date.microsecondsSince1970)
        ).isEmpty
    }

    public func page(for account: Account.ID, filter: DateFilter, page: PageRequest) async throws -> BlacklistPage {
        let (count, nationals) = try await pageNationals(for: account, filter: filter, page: page, using: self)
        return BlacklistPage(numbers: try Self.phoneNumbers(nationals, account: account), count: count)
    }

    /// The count and the numbers of one page, through `runner` (the pool, or a transaction's
    /// connection).
    func pageNationals(
        for account: Account.ID, filter: DateFilter, page: PageRequest, using runner: some StatementRunner
    ) async throws -> (Int, [Int64]) {
        let limit = Int64(page.rowCount)
        let offset = Int64(page.offset)
        // Near either end of a list, walking the entries is cheaper than summing chunk sizes. A
        // page deep in the middle asks twice (the back walk declines, then the chunks answer),
        // each answer from one snapshot.
        let reach = Int64(chunkTarget)
        var found: [(Int64, [Int64])] = []
        if filter.isUnbounded && offset < reach {
            found = try await runner.run(PostgresStatements.FrontPage(account: account, limit: limit, offset: offset))
        } else if filter.isUnbounded,
            let (count, nationals) = try await runner.run(
                PostgresStatements.BackPage(account: account, limit: limit, offset: offset, reach: reach)
            ).first,
            let nationals
        {
            found = [(count, nationals)]
        }
        if found.isEmpty {
            found = try await runner.run(
                PostgresStatements.ChunkedPage(
                    account: account, lower: filter.lowerMicroseconds ?? .min,
                    upper: filter.upperMicrosecondsExclusive, offset: offset, limit: limit))
        }
        guard let (count, nationals) = found.first else {
            throw StoreError.corrupt("no answer to a page of account \(account)")
        }
        return (Int(count), nationals)
    }

    static func phoneNumbers(_ nationals: [Int64], account: Account.ID) throws -> [PhoneNumber] {
        var numbers: [PhoneNumber] = []
        numbers.reserveCapacity(nationals.count)
        for national in nationals {
            guard let number = PhoneNumber(storedNational: national) else {
                throw StoreError.corrupt("unreadable number in account \(account)")
            }
            numbers.append(number)
        }
        return numbers
    }

    // MARK: Chunk balancing

    /// Splits every chunk that grew past twice ``chunkTarget`` and merges neighbouring chunks that
    /// fit in one, in every list. The store does this by itself every ``balanceInterval``.
    ///
    /// - Returns: How many chunks were split or merged away.
    @discardableResult
    public func balanceLists() async throws -> Int {
        let target = Int64(chunkTarget)
        // A list needs balancing when a chunk is oversized, or when it has more chunks than
        // merging would leave (merging leaves neighbours that together exceed the target).
        let lists = try await rows(
            """
            SELECT account_id FROM
              (SELECT account_id, sum(entries) AS n FROM blacklist_chunks
               GROUP BY account_id, start_added_at, start_seq) AS chunks
            GROUP BY account_id
            HAVING max(n) > 2 * \(target) OR count(*) > 2 * (sum(n) / \(target)) + 2
            """, as: Int64.self)
        var changes = 0
        for list in lists {
            changes += try await balance(list: list)
        }
        return changes
    }

    /// Balances one list's chunks, in a transaction of its own, so it holds one list's lock at a time.
    private func balance(list: Account.ID) async throws -> Int {
        let changes: [Int64] = try await rows(
            "SELECT engel_balance_chunks(\(list), \(Int32(chunkTarget)))::BIGINT", as: Int64.self)
        return changes.reduce(0) { $0 + Int($1) }
    }

    private func startBalancing() {
        let task = Task { [weak self, balanceInterval] in
            var failing = false
            while !Task.isCancelled {
                try? await Task.sleep(for: balanceInterval)
                guard let store = self, !Task.isCancelled else { return }
                do {
                    try await store.balanceLists()
                    if failing { store.logger.notice("balancing lists works again") }
                    failing = false
                } catch {
                    if Task.isCancelled { return }
                    // Once per failing stretch: an outage would otherwise log this every round.
                    if !failing {
                        store.logger.warning("balancing lists failed", metadata: ["error": "\(error)"])
                    }
                    failing = true
                }
            }
        }
        balanceTask.withLock { $0 = task }
    }

    public func checkHealth() async throws {
        _ = try await rows("SELECT 1::BIGINT", as: Int64.self)
    }
}

/// The database did not answer in time.
public struct StoreUnavailable: Error, Sendable, CustomStringConvertible {
    /// Why, for the log.
    public let reason: String

    public var description: String { reason }
}
