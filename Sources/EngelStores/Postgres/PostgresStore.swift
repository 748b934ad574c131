public import EngelCore
public import Foundation
public import Logging
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
public final class PostgresStore: EngelStore {
    /// Where the database is.
    public let location: PostgresLocation
    /// The longest a store call waits, connection included, before failing.
    public let operationTimeout: Duration
    /// What opening the store did to its schema.
    public let schemaMigration: SchemaMigration
    private let client: PostgresClient
    private let runTask: Mutex<Task<Void, Never>?>
    private let logger: Logger

    private init(
        location: PostgresLocation, client: PostgresClient, runTask: Task<Void, Never>, operationTimeout: Duration,
        schemaMigration: SchemaMigration, logger: Logger
    ) {
        self.location = location
        self.client = client
        self.operationTimeout = operationTimeout
        self.schemaMigration = schemaMigration
        self.runTask = Mutex(runTask)
        self.logger = logger
    }

    /// Connects to `location` and applies pending migrations.
    ///
    /// - Parameters:
    ///   - location: The server and database.
    ///   - maximumConnections: The pool's size.
    ///   - operationTimeout: How long one call may wait, for a connection included.
    ///   - logger: Where connection problems are reported (never with the password).
    public static func open(
        _ location: PostgresLocation, maximumConnections: Int = 16, operationTimeout: Duration = .seconds(5),
        logger: Logger = Logger(label: "engel.postgres")
    ) async throws -> PostgresStore {
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: tls(location.tls))
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = operationTimeout
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runTask = Task { await client.run() }
        do {
            let migration = try await withDeadline(operationTimeout) {
                try await PostgresSchema.migrate(client, logger: logger)
            }
            return PostgresStore(
                location: location, client: client, runTask: runTask, operationTimeout: operationTimeout,
                schemaMigration: migration, logger: logger)
        } catch {
            runTask.cancel()
            await runTask.value
            throw error
        }
    }

    private static func tls(_ mode: PostgresLocation.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    /// Closes every connection.
    public func close() async {
        let task = runTask.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
    }

    /// Runs `body`, failing with ``StoreUnavailable`` once `timeout` has passed.
    private static func withDeadline<Value: Sendable>(
        _ timeout: Duration, _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await withThrowingTaskGroup(of: Value.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw StoreUnavailable(reason: "no answer from PostgreSQL within \(timeout)")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
    }

    /// Runs `query` and decodes every row as `Row`.
    private func rows<each Column: PostgresDecodable & Sendable>(
        _ query: PostgresQuery, as type: (repeat each Column).Type
    ) async throws -> [(repeat each Column)] {
        let client = client
        let logger = logger
        return try await Self.withDeadline(operationTimeout) {
            var decoded: [(repeat each Column)] = []
            for try await row in try await client.query(query, logger: logger).decode((repeat each Column).self) {
                decoded.append(row)
            }
            return decoded
        }
    }

    private func rowCount(_ query: PostgresQuery) async throws -> Int {
        try await rows(query, as: Int64.self).count
    }

    // MARK: AccountStore

    public func createAccount(name: AccountName, apiKey: String, hashDigest: HashDigest, createdAt: Date)
        async throws -> Account
    {
        let created = createdAt.microsecondsSince1970
        let ids = try await rows(
            """
            INSERT INTO accounts (name, api_key, hash_digest, api_enabled, created_at)
            VALUES (\(name.value), \(apiKey), \(hashDigest.hexadecimal), TRUE, \(created))
            ON CONFLICT (name) DO NOTHING RETURNING id
            """, as: Int64.self)
        guard let id = ids.first else { throw StoreError.accountExists(name) }
        return Account(
            id: id, name: name, apiKey: apiKey, hashDigest: hashDigest, apiEnabled: true,
            createdAt: Date(microsecondsSince1970: created))
    }

    public func account(withKey apiKey: String) async throws -> Account? {
        try await accounts(where: "WHERE api_key = \(apiKey)").first
    }

    public func account(named name: AccountName) async throws -> Account? {
        try await accounts(where: "WHERE name = \(name.value)").first
    }

    public func accounts() async throws -> [Account] {
        try await accounts(where: "ORDER BY name")
    }

    private func accounts(where clause: PostgresQuery) async throws -> [Account] {
        var query: PostgresQuery = "SELECT id, name, api_key, hash_digest, api_enabled, created_at FROM accounts "
        query.sql += clause.sql
        query.binds = clause.binds
        return try await rows(query, as: (Int64, String, String, String, Bool, Int64).self).map { row in
            let (id, nameText, apiKey, digestText, enabled, created) = row
            guard let name = try? AccountName(nameText), let digest = HashDigest(hexadecimal: digestText) else {
                throw StoreError.corrupt("unreadable account row \(id)")
            }
            return Account(
                id: id, name: name, apiKey: apiKey, hashDigest: digest, apiEnabled: enabled,
                createdAt: Date(microsecondsSince1970: created))
        }
    }

    public func setAPIAccess(_ enabled: Bool, forAccountNamed name: AccountName) async throws -> Bool {
        try await rowCount("UPDATE accounts SET api_enabled = \(enabled) WHERE name = \(name.value) RETURNING id") > 0
    }

    public func replaceHashDigest(_ digest: HashDigest, forAccountNamed name: AccountName) async throws -> Bool {
        try await rowCount(
            "UPDATE accounts SET hash_digest = \(digest.hexadecimal) WHERE name = \(name.value) RETURNING id") > 0
    }

    public func deleteAccount(named name: AccountName) async throws -> Bool {
        // The list goes with it: ON DELETE CASCADE, in the same statement's transaction.
        try await rowCount("DELETE FROM accounts WHERE name = \(name.value) RETURNING id") > 0
    }

    // MARK: BlacklistStore

    public func add(_ number: PhoneNumber, for account: Account.ID, at date: Date) async throws -> AddOutcome {
        // DO NOTHING keeps the first added-at time; concurrent adds of one number from any server
        // meet on the primary key and make one entry.
        let inserted = try await rowCount(
            """
            INSERT INTO blacklist (account_id, number, added_at)
            VALUES (\(account), \(number.national), \(date.microsecondsSince1970))
            ON CONFLICT (account_id, number) DO NOTHING RETURNING seq
            """)
        return inserted > 0 ? .added : .alreadyListed
    }

    public func addAll(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws -> Int {
        let micros = date.microsecondsSince1970
        var added = 0
        for batchStart in stride(from: 0, to: numbers.count, by: 10_000) {
            let batch = numbers[batchStart..<min(batchStart + 10_000, numbers.count)].map(\.national)
            // WITH ORDINALITY and ORDER BY keep the file's order in `seq`.
            added += try await rowCount(
                """
                INSERT INTO blacklist (account_id, number, added_at)
                SELECT \(account), number, \(micros) FROM unnest(\(batch)::BIGINT[]) WITH ORDINALITY AS given (number, position)
                ORDER BY position
                ON CONFLICT (account_id, number) DO NOTHING RETURNING seq
                """)
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
        return added
    }

    /// How many rows one bulk add must insert before it vacuums and analyzes the list itself.
    static let bulkSizeWorthVacuuming = 10_000

    public func remove(_ number: PhoneNumber, for account: Account.ID) async throws -> Bool {
        try await rowCount(
            "DELETE FROM blacklist WHERE account_id = \(account) AND number = \(number.national) RETURNING seq") > 0
    }

    public func contains(_ number: PhoneNumber, for account: Account.ID) async throws -> Bool {
        try await rowCount(
            "SELECT seq FROM blacklist WHERE account_id = \(account) AND number = \(number.national)") > 0
    }

    public func page(for account: Account.ID, filter: DateFilter, page: PageRequest) async throws -> BlacklistPage {
        let lower = filter.lowerMicroseconds ?? .min
        let upper = filter.upperMicrosecondsExclusive ?? .max
        let limit = Int64(page.rowCount)
        let offset = Int64(page.offset)
        // One statement, so the count and the page share one snapshot even while others write.
        // Unfiltered, the count is the sum of the account's size shards (kept by triggers);
        // filtered, it is a range scan of blacklist_by_time (account_id, added_at, seq), an
        // index-only scan once vacuumed. The page walks the same range in index order and stops
        // after OFFSET + LIMIT entries. Neither reads another account's rows or sorts. The LEFT JOIN
        // keeps the count when the page is past the end.
        // Integers only, so writing them into the text is safe.
        let count =
            filter.isUnbounded
            ? "SELECT coalesce(sum(entries), 0)::BIGINT AS n FROM blacklist_sizes WHERE account_id = \(account)"
            : "SELECT count(*) AS n FROM blacklist WHERE account_id = \(account) AND added_at >= \(lower) AND added_at < \(upper)"
        let found = try await rows(
            """
            SELECT total.n, page.number FROM (\(unescaped: count)) AS total
            LEFT JOIN
              (SELECT number, added_at, seq FROM blacklist
               WHERE account_id = \(account) AND added_at >= \(lower) AND added_at < \(upper)
               ORDER BY added_at, seq LIMIT \(limit) OFFSET \(offset)) AS page ON TRUE
            ORDER BY page.added_at, page.seq
            """, as: (Int64, Int64?).self)
        var numbers: [PhoneNumber] = []
        numbers.reserveCapacity(found.count)
        for (_, national) in found {
            guard let national else { continue }
            guard let number = PhoneNumber(storedNational: national) else {
                throw StoreError.corrupt("unreadable number in account \(account)")
            }
            numbers.append(number)
        }
        return BlacklistPage(numbers: numbers, count: Int(found.first?.0 ?? 0))
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
