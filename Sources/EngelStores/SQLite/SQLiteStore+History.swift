public import EngelCore
public import Foundation
import SQLiteNIO

// Provenance, the change log, expiry and the audit log (issue 17). Reasons, sources and actors
// live in the file alone: memory keeps only what pages, counts, checks and expiry need.
extension SQLiteStore {
    static let entryColumns = "number, added_at, source, reason, until, actor"

    static func entry(from row: some SQLiteColumns) throws -> ListEntry {
        guard let national = row.column("number")?.int64, let number = PhoneNumber(storedNational: national),
            let addedAt = row.column("added_at")?.int64,
            let source = row.column("source")?.string.flatMap(ChangeSource.init(rawValue:))
        else { throw StoreError.corrupt("unreadable entry") }
        let actor = try row.column("actor")?.string.map { text in
            guard let actor = ChangeActor(text) else { throw StoreError.corrupt("unreadable actor \(text)") }
            return actor
        }
        return ListEntry(
            number: number, addedAt: Date(microsecondsSince1970: addedAt), source: source,
            reason: row.column("reason")?.string,
            until: row.column("until")?.int64.map(Date.init(microsecondsSince1970:)),
            actor: actor)
    }

    public func listedEntries(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws
        -> [ListEntry?]
    {
        // One statement, so one snapshot, however many numbers: they travel as one JSON array.
        let rows = try await read(
            "SELECT \(Self.entryColumns) FROM blacklist WHERE account_id = ? "
                + "AND number IN (SELECT value FROM json_each(?)) AND (until IS NULL OR until > ?)",
            [
                .int64(account), .text(SQLiteWriter.jsonArray(numbers.map(\.national))),
                .int64(date.microsecondsSince1970),
            ])
        var found: [Int64: ListEntry] = [:]
        for row in rows {
            let entry = try Self.entry(from: row)
            found[entry.number.national] = entry
        }
        return numbers.map { found[$0.national] }
    }

    public func entries(for account: Account.ID, filter: DateFilter, page: PageRequest) async throws -> EntriesPage {
        try await withCheckedThrowingContinuation { continuation in
            submit(
                .readEntries(EntriesRead(account: account, filter: filter, page: page, continuation: continuation)),
                orFail: continuation)
        }
    }

    public func changes(for account: Account.ID, after seq: Int64, limit: Int) async throws -> ChangesPage {
        // The oldest in the same statement as the page: one snapshot. SQLite's writes are
        // serialized and seqs grow with each, so a reader never sees a seq before a lower one
        // commits: the feed's promise.
        let rows = try await read(
            """
            SELECT seq, at, action, number, source, reason, until, actor,
                (SELECT min(seq) FROM changes WHERE account_id = ?1) AS oldest
            FROM (SELECT 1) LEFT JOIN
                (SELECT * FROM changes WHERE account_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3) ON 1
            ORDER BY seq
            """,
            [.int64(account), .int64(seq), .int64(Int64(max(0, limit)))])
        var records: [ChangeRecord] = []
        records.reserveCapacity(rows.count)
        for row in rows where row.column("seq")?.int64 != nil {
            records.append(try Self.record(from: row))
        }
        return ChangesPage(
            changes: records, next: records.last?.seq ?? seq, oldest: rows.first?.column("oldest")?.int64 ?? 0)
    }

    static func record(from row: some SQLiteColumns) throws -> ChangeRecord {
        guard let seq = row.column("seq")?.int64, let at = row.column("at")?.int64,
            let action = row.column("action")?.string.flatMap(ChangeAction.init(rawValue:)),
            let national = row.column("number")?.int64, let number = PhoneNumber(storedNational: national),
            let source = row.column("source")?.string.flatMap(ChangeSource.init(rawValue:)),
            let actor = row.column("actor")?.string.flatMap(ChangeActor.init)
        else { throw StoreError.corrupt("unreadable change record") }
        return ChangeRecord(
            seq: seq, at: Date(microsecondsSince1970: at), action: action, number: number, source: source,
            reason: row.column("reason")?.string,
            until: row.column("until")?.int64.map(Date.init(microsecondsSince1970:)),
            actor: actor)
    }

    public func expire(through date: Date) async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            submit(.write(.expire(Expiry(through: date.microsecondsSince1970) { continuation.resume(with: $0) }))) {
                continuation.resume(throwing: $0)
            }
        }
    }

    public func pruneChanges(before date: Date) async throws -> Int {
        try await write(effect: .nothing) { connection in
            try connection.query("DELETE FROM changes WHERE at < ?", [.int64(date.microsecondsSince1970)])
            return try Self.changedRows(on: connection)
        }
    }

    /// How many rows the connection's last statement changed.
    static func changedRows(on connection: WriterConnection) throws -> Int {
        Int(try connection.query("SELECT changes() AS n").first?.column("n")?.int64 ?? 0)
    }

    public func eraseHistory(of number: PhoneNumber, for account: Account.ID, audit: AuditContext) async throws -> Int {
        let erased = try await write(effect: .nothing) { connection -> Int? in
            guard
                let name = try connection.query("SELECT name FROM accounts WHERE id = ?", [.int64(account)])
                    .first?.column("name")?.string.flatMap({ try? AccountName($0) })
            else { return nil }
            let binds: [SQLiteData] = [.int64(account), .int64(number.national)]
            try connection.query("DELETE FROM changes WHERE account_id = ? AND number = ?", binds)
            let erased = try Self.changedRows(on: connection)
            try connection.query(
                "UPDATE blacklist SET reason = NULL WHERE account_id = ? AND number = ? AND reason IS NOT NULL", binds)
            // The count, never the number: the audit log must not keep what was erased.
            try Self.recordAudit(
                .historyErased, for: name, detail: "\(erased) change records", audit, on: connection)
            return erased
        }
        guard let erased else { throw StoreError.accountMissing }
        return erased
    }

    public func recordAudit(
        _ action: AuditAction, forAccountNamed name: AccountName, detail: String?, audit: AuditContext
    ) async throws -> Bool {
        try await write(effect: .nothing) { connection in
            guard try !connection.query("SELECT 1 FROM accounts WHERE name = ?", [.text(name.value)]).isEmpty
            else { return false }
            try Self.recordAudit(action, for: name, detail: detail, audit, on: connection)
            return true
        }
    }

    public func auditLog(forAccountNamed name: AccountName) async throws -> [AuditRecord] {
        try await read(
            "SELECT seq, at, account_name, action, actor, detail FROM audit WHERE account_name = ? ORDER BY seq",
            [.text(name.value)]
        ).map { row in
            guard let seq = row.column("seq")?.int64, let at = row.column("at")?.int64,
                let account = row.column("account_name")?.string.flatMap({ try? AccountName($0) }),
                let action = row.column("action")?.string.flatMap(AuditAction.init(rawValue:)),
                let actor = row.column("actor")?.string.flatMap(ChangeActor.init)
            else { throw StoreError.corrupt("unreadable audit record") }
            return AuditRecord(
                seq: seq, at: Date(microsecondsSince1970: at), account: account, action: action, actor: actor,
                detail: row.column("detail")?.string)
        }
    }
}
