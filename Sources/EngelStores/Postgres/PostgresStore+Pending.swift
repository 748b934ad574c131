import EngelCore
import Foundation

// Transitional: the provenance, change-log, audit and webhook parts of the PostgreSQL store are being
// written (issue 17); until then these refuse.
extension PostgresStore {
    public func listedEntries(_ numbers: [PhoneNumber], for account: Account.ID, at date: Date) async throws
        -> [ListEntry?]
    { throw StoreError.corrupt("not yet") }
    public func entries(for account: Account.ID, filter: DateFilter, page: PageRequest) async throws -> EntriesPage {
        throw StoreError.corrupt("not yet")
    }
    public func changes(for account: Account.ID, after seq: Int64, limit: Int) async throws -> ChangesPage {
        throw StoreError.corrupt("not yet")
    }
    public func expire(through date: Date) async throws -> Int { 0 }
    public func pruneChanges(before date: Date) async throws -> Int { 0 }
    public func eraseHistory(of number: PhoneNumber, for account: Account.ID, audit: AuditContext) async throws -> Int {
        throw StoreError.corrupt("not yet")
    }
    public func recordAudit(
        _ action: AuditAction, forAccountNamed name: AccountName, detail: String?, audit: AuditContext
    ) async throws -> Bool { throw StoreError.corrupt("not yet") }
    public func auditLog(forAccountNamed name: AccountName) async throws -> [AuditRecord] {
        throw StoreError.corrupt("not yet")
    }
    public func addWebhook(for account: Account.ID, url: String, secret: String, audit: AuditContext) async throws
        -> Webhook
    { throw StoreError.corrupt("not yet") }
    public func webhooks() async throws -> [Webhook] { [] }
    public func removeWebhook(id: Int64, audit: AuditContext) async throws -> Bool { false }
    public func recordDelivery(webhook id: Int64, through seq: Int64) async throws {}
    public func claimWebhook(id: Int64, holder: String, now: Date, lease: Duration) async throws -> Bool { false }
}
