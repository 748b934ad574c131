public import EngelCore
public import Foundation
import Logging
import PostgresNIO

/// Where a prepared statement runs: the pool (any connection), or one connection inside a
/// transaction.
protocol StatementRunner: Sendable {
    func run<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row]
    where Statement.Row: Sendable
}

/// A transaction's connection, for statements that must share its locks.
struct ConnectionRunner: StatementRunner {
    let connection: PostgresConnection
    let logger: Logger

    func run<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row]
    where Statement.Row: Sendable {
        var decoded: [Statement.Row] = []
        for try await row in try await connection.execute(statement, logger: logger) {
            decoded.append(row)
        }
        return decoded
    }

    func rows<each Column: PostgresDecodable & Sendable>(
        _ query: PostgresQuery, as type: (repeat each Column).Type
    ) async throws -> [(repeat each Column)] {
        var decoded: [(repeat each Column)] = []
        for try await row in try await connection.query(query, logger: logger).decode((repeat each Column).self) {
            decoded.append(row)
        }
        return decoded
    }
}

// MARK: Entries, the change feed, expiry and erasure

extension PostgresStore {
    /// The columns ``listEntry(_:account:)`` reads, in its order.
    private static let entryColumns = "number, added_at, source, reason, until, actor"
    private typealias EntryRow = (Int64, Int64, String, String?, Int64?, String?)

    private static func listEntry(_ row: EntryRow, account: Account.ID) throws -> ListEntry {
        let (national, addedAt, sourceText, reason, until, actorText) = row
        guard let number = PhoneNumber(storedNational: national), let source = ChangeSource(rawValue: sourceText)
        else { throw StoreError.corrupt("unreadable entry in account \(account)") }
        var actor: ChangeActor?
        if let actorText {
            guard let known = ChangeActor(actorText) else {
                throw StoreError.corrupt("unreadable actor in account \(account)")
            }
            actor = known
        }
        return ListEntry(
            number: number, addedAt: Date(microsecondsSince1970: addedAt), source: source, reason: reason,
            until: until.map(Date.init(microsecondsSince1970:)), actor: actor)
    }

    public func listedEntries(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws
        -> [ListEntry?]
    {
        let nationals = numbers.map(\.national)
        let micros = date.microsecondsSince1970
        let found = try await rows(
            """
            SELECT \(unescaped: Self.entryColumns) FROM blacklist
            WHERE account_id = \(account) AND number = ANY(\(nationals)::BIGINT[])
              AND (until IS NULL OR until > \(micros))
            """, as: EntryRow.self)
        var entries: [Int64: ListEntry] = [:]
        for row in found { entries[row.0] = try Self.listEntry(row, account: account) }
        return nationals.map { entries[$0] }
    }

    public func entries(for account: Account.ID, filter: DateFilter, page: PageRequest) async throws -> EntriesPage {
        let client = client
        let logger = logger
        // The feed lock, taken exclusively first, keeps every writer of the account out until the
        // transaction ends, so the page, read in later statements, and the position agree.
        return try await Self.withDeadline(operationTimeout) { [self] in
            try await client.withTransaction(logger: logger) { connection in
                let runner = ConnectionRunner(connection: connection, logger: logger)
                let position = try await runner.rows("SELECT engel_feed_position(\(account))", as: Int64.self)
                let (count, nationals) = try await pageNationals(
                    for: account, filter: filter, page: page, using: runner)
                let found = try await runner.rows(
                    """
                    SELECT \(unescaped: Self.entryColumns) FROM blacklist
                    WHERE account_id = \(account) AND number = ANY(\(nationals)::BIGINT[])
                    """, as: EntryRow.self)
                var byNumber: [Int64: ListEntry] = [:]
                for row in found { byNumber[row.0] = try Self.listEntry(row, account: account) }
                let entries = try nationals.map { national in
                    guard let entry = byNumber[national] else {
                        throw StoreError.corrupt("an entry of account \(account) vanished under its feed lock")
                    }
                    return entry
                }
                return EntriesPage(entries: entries, count: count, seq: position.first ?? 0)
            }
        }
    }

    public func changes(for account: Account.ID, after seq: Int64, limit: Int) async throws -> ChangesPage {
        let rows = try await run(PostgresStatements.Changes(account: account, after: seq, limit: Int64(limit)))
        var records: [ChangeRecord] = []
        records.reserveCapacity(rows.count)
        var oldest: Int64 = 0
        for (rowSeq, rowAt, actionText, national, sourceText, reason, until, actorText) in rows {
            guard let actionText else {
                oldest = rowSeq ?? 0
                continue
            }
            guard let recordSeq = rowSeq, let at = rowAt, let action = ChangeAction(rawValue: actionText),
                let number = national.flatMap(PhoneNumber.init(storedNational:)),
                let source = sourceText.flatMap(ChangeSource.init(rawValue:)),
                let actor = actorText.flatMap(ChangeActor.init)
            else { throw StoreError.corrupt("unreadable change record in account \(account)") }
            records.append(
                ChangeRecord(
                    seq: recordSeq, at: Date(microsecondsSince1970: at), action: action, number: number, source: source,
                    reason: reason, until: until.map(Date.init(microsecondsSince1970:)), actor: actor))
        }
        return ChangesPage(changes: records, next: records.last?.seq ?? seq, oldest: oldest)
    }

    public func expire(through date: Date) async throws -> Int {
        // The sweep deletes rows of many lists and then counts them in the size rows, which an add
        // meeting ended blocks may hold while it waits for one of those rows.
        let expired = try await retryingDeadlocks {
            try await rows("SELECT engel_expire(\(date.microsecondsSince1970))", as: Int64.self)
        }
        return Int(expired.first ?? 0)
    }

    public func pruneChanges(before date: Date) async throws -> Int {
        let pruned = try await rows(
            """
            WITH pruned AS (DELETE FROM changes WHERE at < \(date.microsecondsSince1970) RETURNING 1)
            SELECT count(*)::BIGINT FROM pruned
            """, as: Int64.self)
        return Int(pruned.first ?? 0)
    }

    public func eraseHistory(of number: PhoneNumber, for account: Account.ID, audit: AuditContext) async throws -> Int {
        // One statement: the records, the reason and the audit record go together. The audit's
        // detail counts the records and never names the number.
        let answer = try await rows(
            """
            WITH owner AS (SELECT name FROM accounts WHERE id = \(account)),
            erased AS (
                DELETE FROM changes WHERE account_id = \(account) AND number = \(number.national)
                  AND EXISTS (SELECT 1 FROM owner)
                RETURNING 1),
            cleared AS (
                UPDATE blacklist SET reason = NULL
                WHERE account_id = \(account) AND number = \(number.national) AND reason IS NOT NULL
                RETURNING 1),
            audited AS (
                INSERT INTO audit (at, account_name, action, actor, detail)
                SELECT \(audit.at.microsecondsSince1970), name, \(AuditAction.historyErased.rawValue),
                       \(audit.actor.description), (SELECT count(*) FROM erased) || ' change records'
                FROM owner)
            SELECT (SELECT count(*) FROM erased)::BIGINT, EXISTS (SELECT 1 FROM owner)
            """, as: (Int64, Bool).self)
        guard let (erased, exists) = answer.first, exists else { throw StoreError.accountMissing }
        return Int(erased)
    }
}

// MARK: Audit

extension PostgresStore {
    public func recordAudit(
        _ action: AuditAction, forAccountNamed name: AccountName, detail: String?, audit: AuditContext
    ) async throws -> Bool {
        try await !rows(
            """
            INSERT INTO audit (at, account_name, action, actor, detail)
            SELECT \(audit.at.microsecondsSince1970), name, \(action.rawValue), \(audit.actor.description), \(detail)
            FROM accounts WHERE name = \(name.value)
            RETURNING seq
            """, as: Int64.self
        ).isEmpty
    }

    public func auditLog(forAccountNamed name: AccountName) async throws -> [AuditRecord] {
        let found = try await rows(
            """
            SELECT seq, at, action, actor, detail FROM audit WHERE account_name = \(name.value) ORDER BY seq
            """, as: (Int64, Int64, String, String, String?).self)
        return try found.map { seq, at, actionText, actorText, detail in
            guard let action = AuditAction(rawValue: actionText), let actor = ChangeActor(actorText) else {
                throw StoreError.corrupt("unreadable audit record \(seq)")
            }
            return AuditRecord(
                seq: seq, at: Date(microsecondsSince1970: at), account: name, action: action, actor: actor,
                detail: detail)
        }
    }
}

// MARK: WebhookStore

extension PostgresStore {
    private static let webhookColumns = "id, account_id, url, secret, created_at, delivered_through"
    private typealias WebhookRow = (Int64, Int64, String, String, Int64, Int64)

    private static func webhook(_ row: WebhookRow) -> Webhook {
        let (id, account, url, secret, createdAt, deliveredThrough) = row
        return Webhook(
            id: id, account: account, url: url, secret: secret, createdAt: Date(microsecondsSince1970: createdAt),
            deliveredThrough: deliveredThrough)
    }

    public func addWebhook(for account: Account.ID, url: String, secret: String, audit: AuditContext) async throws
        -> Webhook
    {
        let created = audit.at.microsecondsSince1970
        // engel_feed_position waits for the account's writers in flight, so the cursor is a
        // position no later change can fall at or below.
        let added = try await rows(
            """
            WITH owner AS (SELECT id, name FROM accounts WHERE id = \(account)),
            added AS (
                INSERT INTO webhooks (account_id, url, secret, created_at, delivered_through)
                SELECT id, \(url), \(secret), \(created), engel_feed_position(id) FROM owner
                RETURNING \(unescaped: Self.webhookColumns)),
            audited AS (
                INSERT INTO audit (at, account_name, action, actor, detail)
                SELECT \(created), name, \(AuditAction.webhookAdded.rawValue), \(audit.actor.description), \(url)
                FROM owner)
            SELECT \(unescaped: Self.webhookColumns) FROM added
            """, as: WebhookRow.self)
        guard let row = added.first else { throw StoreError.accountMissing }
        return Self.webhook(row)
    }

    public func webhooks() async throws -> [Webhook] {
        try await rows("SELECT \(unescaped: Self.webhookColumns) FROM webhooks ORDER BY id", as: WebhookRow.self)
            .map(Self.webhook)
    }

    public func removeWebhook(id: Int64, audit: AuditContext) async throws -> Bool {
        try await rows(
            """
            WITH removed AS (DELETE FROM webhooks WHERE id = \(id) RETURNING account_id, url),
            audited AS (
                INSERT INTO audit (at, account_name, action, actor, detail)
                SELECT \(audit.at.microsecondsSince1970), accounts.name, \(AuditAction.webhookRemoved.rawValue),
                       \(audit.actor.description), removed.url
                FROM removed JOIN accounts ON accounts.id = removed.account_id)
            SELECT count(*)::BIGINT FROM removed
            """, as: Int64.self
        ).first.map { $0 > 0 } ?? false
    }

    public func recordDelivery(webhook id: Int64, through seq: Int64) async throws {
        _ = try await rows(
            """
            UPDATE webhooks SET delivered_through = \(seq) WHERE id = \(id) AND delivered_through < \(seq)
            RETURNING id
            """, as: Int64.self)
    }

    public func claimWebhook(id: Int64, holder: String, now: Date, lease: Duration) async throws -> Bool {
        let nowMicros = now.microsecondsSince1970
        let until = now.addingTimeInterval(lease.seconds).microsecondsSince1970
        // The row lock orders claims from every server: a second claim waits for the first and
        // then checks the lease the first one wrote.
        return try await !rows(
            """
            UPDATE webhooks SET lease_holder = \(holder), lease_until = \(until)
            WHERE id = \(id)
              AND (lease_holder IS NULL OR lease_holder = \(holder) OR lease_until <= \(nowMicros))
            RETURNING id
            """, as: Int64.self
        ).isEmpty
    }
}
