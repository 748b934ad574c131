public import EngelCore
public import Foundation
import SQLiteNIO

// The panel's users and sessions (issue 18). Every change goes through the writer, as account
// changes do, with its audit record in the same transaction; nothing of it is kept in memory, so
// another process's change (`engel panel-user disable`) counts at the next request.
extension SQLiteStore {
    /// The columns ``panelUser(from:)`` reads: the user's and its account's name.
    static let panelUserColumns = """
        panel_users.name AS user_name, panel_users.role AS role, accounts.name AS account_name,
        panel_users.password_hash AS password_hash, panel_users.disabled AS disabled,
        panel_users.created_at AS user_created_at
        """

    /// `FROM` panel users with their accounts' names.
    static let panelUsersJoined = "panel_users LEFT JOIN accounts ON accounts.id = panel_users.account_id"

    static func panelUser(from row: some SQLiteColumns) throws -> PanelUser {
        guard let nameText = row.column("user_name")?.string, let name = try? PanelUserName(nameText),
            let kind = row.column("role")?.string.flatMap(PanelRole.Kind.init(rawValue:)),
            let hash = row.column("password_hash")?.string, let disabled = row.column("disabled")?.int64,
            let created = row.column("user_created_at")?.int64
        else { throw StoreError.corrupt("unreadable panel user") }
        let account = row.column("account_name")?.string.flatMap { try? AccountName($0) }
        guard let role = try? PanelRole(kind, account: account) else {
            throw StoreError.corrupt("panel user \(name) has no account for its role")
        }
        return PanelUser(
            name: name, role: role, passwordHash: PanelPasswordHash(encoded: hash), disabled: disabled != 0,
            createdAt: Date(microsecondsSince1970: created))
    }

    public func createPanelUser(
        name: PanelUserName, role: PanelRole, passwordHash: PanelPasswordHash, audit: AuditContext
    ) async throws -> PanelUser {
        let created = audit.at.microsecondsSince1970
        try await write(effect: .nothing) { connection -> Void in
            let taken = try connection.query("SELECT 1 FROM panel_users WHERE name = ?", [.text(name.value)])
            guard taken.isEmpty else { throw StoreError.panelUserExists(name) }
            var accountID = SQLiteData.null
            if let account = role.account {
                guard
                    let id = try connection.query(
                        "SELECT id FROM accounts WHERE name = ?", [.text(account.value)]
                    ).first?.column("id")?.int64
                else { throw StoreError.accountMissing }
                accountID = .int64(id)
            }
            try connection.query(
                "INSERT INTO panel_users (name, role, account_id, password_hash, disabled, created_at) "
                    + "VALUES (?, ?, ?, ?, 0, ?)",
                [
                    .text(name.value), .text(role.kind.rawValue), accountID, .text(passwordHash.encoded),
                    .int64(created),
                ])
            if let account = role.account {
                try Self.recordAudit(
                    .panelUserCreated, for: account, detail: PanelAudit.detail(name, role), audit, on: connection)
            }
        }
        return PanelUser(
            name: name, role: role, passwordHash: passwordHash, disabled: false,
            createdAt: Date(microsecondsSince1970: created))
    }

    public func panelUser(named name: PanelUserName) async throws -> PanelUser? {
        try await read(
            "SELECT \(Self.panelUserColumns) FROM \(Self.panelUsersJoined) WHERE panel_users.name = ?",
            [.text(name.value)]
        ).first.map(Self.panelUser(from:))
    }

    public func panelUsers() async throws -> [PanelUser] {
        try await read(
            "SELECT \(Self.panelUserColumns) FROM \(Self.panelUsersJoined) ORDER BY panel_users.name"
        ).map(Self.panelUser(from:))
    }

    public func setPanelUserDisabled(_ disabled: Bool, named name: PanelUserName, audit: AuditContext) async throws
        -> Bool
    {
        try await changePanelUser(
            name, "UPDATE panel_users SET disabled = ? WHERE name = ?", [.int64(disabled ? 1 : 0), .text(name.value)],
            endingSessions: disabled, action: disabled ? .panelUserDisabled : .panelUserEnabled, audit: audit)
    }

    public func replacePanelPasswordHash(_ hash: PanelPasswordHash, named name: PanelUserName, audit: AuditContext)
        async throws -> Bool
    {
        try await changePanelUser(
            name, "UPDATE panel_users SET password_hash = ? WHERE name = ?", [.text(hash.encoded), .text(name.value)],
            endingSessions: true, action: .panelPasswordReset, audit: audit)
    }

    public func rehashPanelPassword(
        _ hash: PanelPasswordHash, replacing current: PanelPasswordHash, named name: PanelUserName
    ) async throws -> Bool {
        try await write(effect: .nothing) { connection in
            try !connection.query(
                "UPDATE panel_users SET password_hash = ? WHERE name = ? AND password_hash = ? RETURNING name",
                [.text(hash.encoded), .text(name.value), .text(current.encoded)]
            ).isEmpty
        }
    }

    public func deletePanelUser(named name: PanelUserName, audit: AuditContext) async throws -> Bool {
        try await changePanelUser(
            name, "DELETE FROM panel_users WHERE name = ?", [.text(name.value)], endingSessions: true,
            action: .panelUserDeleted, audit: audit)
    }

    /// Runs `sql` on the user named `name`, ends its sessions when asked, and audits the change in
    /// its account's log, all in one write; returns whether the user exists.
    private func changePanelUser(
        _ name: PanelUserName, _ sql: String, _ binds: [SQLiteData], endingSessions: Bool, action: AuditAction,
        audit: AuditContext
    ) async throws -> Bool {
        try await write(effect: .nothing) { connection in
            // Read before the change: a deleted user's role is gone after it.
            guard
                let row = try connection.query(
                    "SELECT \(Self.panelUserColumns) FROM \(Self.panelUsersJoined) WHERE panel_users.name = ?",
                    [.text(name.value)]
                ).first
            else { return false }
            let user = try Self.panelUser(from: row)
            try connection.query(sql, binds)
            if endingSessions {
                try connection.query("DELETE FROM panel_sessions WHERE user_name = ?", [.text(name.value)])
            }
            if let account = user.account {
                try Self.recordAudit(
                    action, for: account, detail: PanelAudit.detail(name, user.role), audit, on: connection)
            }
            return true
        }
    }

    /// Deletes the panel users of the account `id` and their sessions, inside the account's deletion.
    static func deletePanelUsers(ofAccount id: Account.ID, on connection: WriterConnection) throws {
        try connection.query(
            "DELETE FROM panel_sessions WHERE user_name IN (SELECT name FROM panel_users WHERE account_id = ?)",
            [.int64(id)])
        try connection.query("DELETE FROM panel_users WHERE account_id = ?", [.int64(id)])
    }

    public func createPanelSession(
        digest: PanelSessionDigest, csrfToken: String, user name: PanelUserName, at date: Date
    ) async throws -> PanelSession? {
        let micros = date.microsecondsSince1970
        return try await write(effect: .nothing) { connection -> PanelSession? in
            guard
                let row = try connection.query(
                    "SELECT \(Self.panelUserColumns) FROM \(Self.panelUsersJoined) "
                        + "WHERE panel_users.name = ? AND panel_users.disabled = 0",
                    [.text(name.value)]
                ).first
            else { return nil }
            let user = try Self.panelUser(from: row)
            try connection.query(
                "INSERT INTO panel_sessions (digest, user_name, created_at, last_seen_at, csrf_token) "
                    + "VALUES (?, ?, ?, ?, ?)",
                [.text(digest.hexadecimal), .text(name.value), .int64(micros), .int64(micros), .text(csrfToken)])
            let at = Date(microsecondsSince1970: micros)
            return PanelSession(digest: digest, user: user, createdAt: at, lastSeenAt: at, csrfToken: csrfToken)
        }
    }

    public func livePanelSession(digest: PanelSessionDigest, at date: Date, policy: PanelSessionPolicy)
        async throws -> PanelSession?
    {
        let now = date.microsecondsSince1970
        return try await write(effect: .nothing) { connection -> PanelSession? in
            // One statement: the session is touched only while it is live and its user enabled.
            guard
                let touched = try connection.query(
                    """
                    UPDATE panel_sessions SET last_seen_at = max(last_seen_at, ?1)
                    WHERE digest = ?2 AND ?1 < last_seen_at + ?3 AND ?1 < created_at + ?4
                      AND EXISTS (
                          SELECT 1 FROM panel_users
                          WHERE panel_users.name = panel_sessions.user_name AND panel_users.disabled = 0)
                    RETURNING user_name, created_at, last_seen_at, csrf_token
                    """,
                    [
                        .int64(now), .text(digest.hexadecimal), .int64(policy.idleMicroseconds),
                        .int64(policy.absoluteMicroseconds),
                    ]
                ).first
            else { return nil }
            guard let userName = touched.column("user_name")?.string,
                let createdAt = touched.column("created_at")?.int64,
                let lastSeenAt = touched.column("last_seen_at")?.int64,
                let csrfToken = touched.column("csrf_token")?.string,
                let row = try connection.query(
                    "SELECT \(Self.panelUserColumns) FROM \(Self.panelUsersJoined) WHERE panel_users.name = ?",
                    [.text(userName)]
                ).first
            else { throw StoreError.corrupt("unreadable panel session") }
            return PanelSession(
                digest: digest, user: try Self.panelUser(from: row), createdAt: Date(microsecondsSince1970: createdAt),
                lastSeenAt: Date(microsecondsSince1970: lastSeenAt), csrfToken: csrfToken)
        }
    }

    public func endPanelSession(digest: PanelSessionDigest) async throws -> Bool {
        try await write(effect: .nothing) { connection in
            try !connection.query(
                "DELETE FROM panel_sessions WHERE digest = ? RETURNING digest", [.text(digest.hexadecimal)]
            ).isEmpty
        }
    }

    public func endPanelSessions(ofUserNamed name: PanelUserName) async throws -> Int {
        try await write(effect: .nothing) { connection in
            try connection.query(
                "DELETE FROM panel_sessions WHERE user_name = ? RETURNING digest", [.text(name.value)]
            ).count
        }
    }

    public func prunePanelSessions(at date: Date, policy: PanelSessionPolicy) async throws -> Int {
        let now = date.microsecondsSince1970
        return try await write(effect: .nothing) { connection in
            try connection.query(
                "DELETE FROM panel_sessions WHERE ?1 >= last_seen_at + ?2 OR ?1 >= created_at + ?3 RETURNING digest",
                [.int64(now), .int64(policy.idleMicroseconds), .int64(policy.absoluteMicroseconds)]
            ).count
        }
    }
}
