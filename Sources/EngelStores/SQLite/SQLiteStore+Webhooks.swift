public import EngelCore
public import Foundation
import SQLiteNIO

extension SQLiteStore {
    public func addWebhook(for account: Account.ID, url: String, secret: String, audit: AuditContext) async throws
        -> Webhook
    {
        let webhook = try await write(effect: .nothing) { connection -> Webhook? in
            guard
                let name = try connection.query("SELECT name FROM accounts WHERE id = ?", [.int64(account)])
                    .first?.column("name")?.string.flatMap({ try? AccountName($0) })
            else { return nil }
            // In the writer, between commits: no change can slip between the position read and
            // the webhook's row.
            let position = try SQLiteWriter.feedPosition(on: connection)
            let createdAt = audit.at.microsecondsSince1970
            let rows = try connection.query(
                "INSERT INTO webhooks (account_id, url, secret, created_at, delivered_through) VALUES (?, ?, ?, ?, ?) "
                    + "RETURNING id",
                [.int64(account), .text(url), .text(secret), .int64(createdAt), .int64(position)])
            guard let id = rows.first?.column("id")?.int64 else { throw StoreError.corrupt("no webhook id") }
            try Self.recordAudit(.webhookAdded, for: name, detail: url, audit, on: connection)
            return Webhook(
                id: id, account: account, url: url, secret: secret, createdAt: Date(microsecondsSince1970: createdAt),
                deliveredThrough: position)
        }
        guard let webhook else { throw StoreError.accountMissing }
        return webhook
    }

    public func webhooks() async throws -> [Webhook] {
        try await read(
            "SELECT id, account_id, url, secret, created_at, delivered_through FROM webhooks ORDER BY id"
        ).map { row in
            guard let id = row.column("id")?.int64, let account = row.column("account_id")?.int64,
                let url = row.column("url")?.string, let secret = row.column("secret")?.string,
                let createdAt = row.column("created_at")?.int64,
                let deliveredThrough = row.column("delivered_through")?.int64
            else { throw StoreError.corrupt("unreadable webhook") }
            return Webhook(
                id: id, account: account, url: url, secret: secret, createdAt: Date(microsecondsSince1970: createdAt),
                deliveredThrough: deliveredThrough)
        }
    }

    public func removeWebhook(id: Int64, audit: AuditContext) async throws -> Bool {
        try await write(effect: .nothing) { connection in
            let rows = try connection.query(
                "DELETE FROM webhooks WHERE id = ? RETURNING url, "
                    + "(SELECT name FROM accounts WHERE accounts.id = webhooks.account_id) AS name",
                [.int64(id)])
            guard let row = rows.first else { return false }
            if let name = row.column("name")?.string.flatMap({ try? AccountName($0) }),
                let url = row.column("url")?.string
            {
                try Self.recordAudit(.webhookRemoved, for: name, detail: url, audit, on: connection)
            }
            return true
        }
    }

    public func recordDelivery(webhook id: Int64, through seq: Int64) async throws {
        try await write(effect: .nothing) { connection in
            _ = try connection.query(
                "UPDATE webhooks SET delivered_through = ? WHERE id = ? AND delivered_through < ?",
                [.int64(seq), .int64(id), .int64(seq)])
        }
    }

    public func claimWebhook(id: Int64, holder: String, now: Date, lease: Duration) async throws -> Bool {
        let until = now.addingTimeInterval(lease.seconds)
        return try await write(effect: .nothing) { connection in
            // One statement: the lease changes hands only when it is free, this holder's, or over.
            try !connection.query(
                "UPDATE webhooks SET lease_holder = ?1, lease_until = ?2 WHERE id = ?3 "
                    + "AND (lease_holder IS NULL OR lease_holder = ?1 OR lease_until <= ?4) RETURNING id",
                [
                    .text(holder), .int64(until.microsecondsSince1970), .int64(id),
                    .int64(now.microsecondsSince1970),
                ]
            ).isEmpty
        }
    }
}
