public import EngelCore

extension AccountAdministration {
    /// The audit log of the account named `text`, oldest first; a deleted account's too, since
    /// audit records outlive the account.
    public func auditLog(named text: String) async throws -> [AuditRecord] {
        try await store.auditLog(forAccountNamed: try AccountName(text))
    }

    /// Erases `number`'s change records and its entry's reason in the account named `text`, on a
    /// data subject's request (KVKK); returns how many records went. The entry itself stays if it
    /// is listed, and the erasure is audited without the number.
    public func eraseHistory(of number: PhoneNumber, named text: String) async throws -> Int {
        let account = try await account(named: text)
        return try await store.eraseHistory(of: number, for: account.id, audit: AuditContext(at: now(), actor: actor))
    }
}
