public import EngelCore
public import Foundation
import PostgresNIO

// MARK: PanelStore

// The panel's users and sessions (issue 18), read from the database on every call as everything
// else here, so a user disabled through one server is refused by every other at its next request.
extension PostgresStore {
    /// The columns ``panelUser(_:)`` reads, from `panel_users u LEFT JOIN accounts a`.
    private static let panelUserColumns =
        "u.name AS user_name, u.role, a.name AS account_name, u.password_hash, u.disabled, u.created_at"
    private static let panelUsersJoined = "panel_users AS u LEFT JOIN accounts AS a ON a.id = u.account_id"
    private typealias PanelUserRow = (String, String, String?, String, Bool, Int64)

    private static func panelUser(_ row: PanelUserRow) throws -> PanelUser {
        let (nameText, roleText, accountText, hash, disabled, created) = row
        guard let name = try? PanelUserName(nameText), let kind = PanelRole.Kind(rawValue: roleText),
            let role = try? PanelRole(kind, account: accountText.flatMap { try? AccountName($0) })
        else { throw StoreError.corrupt("unreadable panel user \(nameText)") }
        return PanelUser(
            name: name, role: role, passwordHash: PanelPasswordHash(encoded: hash), disabled: disabled,
            createdAt: Date(microsecondsSince1970: created))
    }

    public func createPanelUser(
        name: PanelUserName, role: PanelRole, passwordHash: PanelPasswordHash, audit: AuditContext
    ) async throws -> PanelUser {
        let created = audit.at.microsecondsSince1970
        let account = role.account?.value
        // One statement: the user and its audit record commit together, and a name taken meanwhile
        // by another server is reported, not overwritten.
        let answer = try await rows(
            """
            WITH owner AS (SELECT id, name FROM accounts WHERE name = \(account)::TEXT),
            created AS (
                INSERT INTO panel_users (name, role, account_id, password_hash, disabled, created_at)
                SELECT \(name.value), \(role.kind.rawValue), (SELECT id FROM owner), \(passwordHash.encoded), FALSE,
                       \(created)
                WHERE \(account)::TEXT IS NULL OR EXISTS (SELECT 1 FROM owner)
                ON CONFLICT (name) DO NOTHING RETURNING name),
            audited AS (
                INSERT INTO audit (at, account_name, action, actor, detail)
                SELECT \(created), owner.name, \(AuditAction.panelUserCreated.rawValue), \(audit.actor.description),
                       \(PanelAudit.detail(name, role))
                FROM owner, created)
            SELECT (SELECT count(*) FROM created)::BIGINT, EXISTS (SELECT 1 FROM owner)
            """, as: (Int64, Bool).self)
        guard let (inserted, accountExists) = answer.first else { throw StoreError.corrupt("no answer") }
        guard inserted == 1 else {
            if role.account != nil, !accountExists { throw StoreError.accountMissing }
            throw StoreError.panelUserExists(name)
        }
        return PanelUser(
            name: name, role: role, passwordHash: passwordHash, disabled: false,
            createdAt: Date(microsecondsSince1970: created))
    }

    public func panelUser(named name: PanelUserName) async throws -> PanelUser? {
        try await rows(
            """
            SELECT \(unescaped: Self.panelUserColumns) FROM \(unescaped: Self.panelUsersJoined)
            WHERE u.name = \(name.value)
            """, as: PanelUserRow.self
        ).first.map(Self.panelUser)
    }

    public func panelUsers() async throws -> [PanelUser] {
        try await rows(
            "SELECT \(unescaped: Self.panelUserColumns) FROM \(unescaped: Self.panelUsersJoined) ORDER BY u.name",
            as: PanelUserRow.self
        ).map(Self.panelUser)
    }

    public func setPanelUserDisabled(_ disabled: Bool, named name: PanelUserName, audit: AuditContext) async throws
        -> Bool
    {
        try await changePanelUser(
            name, "UPDATE panel_users SET disabled = \(disabled) WHERE name = \(name.value)", endingSessions: disabled,
            action: disabled ? .panelUserDisabled : .panelUserEnabled, audit: audit)
    }

    public func replacePanelPasswordHash(_ hash: PanelPasswordHash, named name: PanelUserName, audit: AuditContext)
        async throws -> Bool
    {
        try await changePanelUser(
            name, "UPDATE panel_users SET password_hash = \(hash.encoded) WHERE name = \(name.value)",
            endingSessions: true, action: .panelPasswordReset, audit: audit)
    }

    public func rehashPanelPassword(
        _ hash: PanelPasswordHash, replacing current: PanelPasswordHash, named name: PanelUserName
    ) async throws -> Bool {
        try await rowCount(
            """
            UPDATE panel_users SET password_hash = \(hash.encoded)
            WHERE name = \(name.value) AND password_hash = \(current.encoded) RETURNING 1
            """) > 0
    }

    public func deletePanelUser(named name: PanelUserName, audit: AuditContext) async throws -> Bool {
        // The sessions go by ON DELETE CASCADE.
        try await changePanelUser(
            name, "DELETE FROM panel_users WHERE name = \(name.value)", endingSessions: false,
            action: .panelUserDeleted, audit: audit)
    }

    /// Runs `change` on the user named `name`, ends its sessions when asked, and audits the change
    /// in its account's log, in one transaction that holds the user's row; returns whether the
    /// user exists.
    private func changePanelUser(
        _ name: PanelUserName, _ change: PostgresQuery, endingSessions: Bool, action: AuditAction,
        audit: AuditContext
    ) async throws -> Bool {
        let client = client
        let logger = logger
        return try await Self.withDeadline(operationTimeout) {
            try await client.withTransaction(logger: logger) { connection in
                let runner = ConnectionRunner(connection: connection, logger: logger)
                guard
                    let row = try await runner.rows(
                        """
                        SELECT \(unescaped: Self.panelUserColumns) FROM \(unescaped: Self.panelUsersJoined)
                        WHERE u.name = \(name.value) FOR UPDATE OF u
                        """, as: PanelUserRow.self
                    ).first
                else { return false }
                let user = try Self.panelUser(row)
                _ = try await runner.rows(change, as: Int64.self)
                if endingSessions {
                    _ = try await runner.rows(
                        "DELETE FROM panel_sessions WHERE user_name = \(name.value)", as: Int64.self)
                }
                if let account = user.account {
                    _ = try await runner.rows(
                        """
                        INSERT INTO audit (at, account_name, action, actor, detail)
                        VALUES (\(audit.at.microsecondsSince1970), \(account.value), \(action.rawValue),
                                \(audit.actor.description), \(PanelAudit.detail(name, user.role)))
                        """, as: Int64.self)
                }
                return true
            }
        }
    }

    public func createPanelSession(
        digest: PanelSessionDigest, csrfToken: String, user name: PanelUserName, at date: Date
    ) async throws -> PanelSession? {
        let now = date.microsecondsSince1970
        // FOR SHARE keeps the user from being deleted or disabled until the session is in.
        let found = try await rows(
            """
            WITH owner AS (
                SELECT \(unescaped: Self.panelUserColumns) FROM \(unescaped: Self.panelUsersJoined)
                WHERE u.name = \(name.value) AND NOT u.disabled FOR SHARE OF u),
            created AS (
                INSERT INTO panel_sessions (digest, user_name, created_at, last_seen_at, csrf_token)
                SELECT \(digest.hexadecimal), \(name.value), \(now), \(now), \(csrfToken) FROM owner
                RETURNING digest)
            SELECT owner.* FROM owner, created
            """, as: PanelUserRow.self)
        guard let row = found.first else { return nil }
        let at = Date(microsecondsSince1970: now)
        return PanelSession(
            digest: digest, user: try Self.panelUser(row), createdAt: at, lastSeenAt: at, csrfToken: csrfToken)
    }

    public func livePanelSession(digest: PanelSessionDigest, at date: Date, policy: PanelSessionPolicy)
        async throws -> PanelSession?
    {
        let now = date.microsecondsSince1970
        // One statement: the session is touched only while it is live and its user enabled;
        // greatest() keeps a request that started earlier from moving the last use back.
        let found = try await rows(
            """
            WITH touched AS (
                UPDATE panel_sessions AS s SET last_seen_at = greatest(s.last_seen_at, \(now))
                WHERE s.digest = \(digest.hexadecimal)
                  AND \(now) < s.last_seen_at + \(policy.idleMicroseconds)
                  AND \(now) < s.created_at + \(policy.absoluteMicroseconds)
                  AND EXISTS (SELECT 1 FROM panel_users AS p WHERE p.name = s.user_name AND NOT p.disabled)
                RETURNING s.user_name, s.created_at, s.last_seen_at, s.csrf_token)
            SELECT t.created_at, t.last_seen_at, t.csrf_token, \(unescaped: Self.panelUserColumns)
            FROM touched AS t JOIN panel_users AS u ON u.name = t.user_name
            LEFT JOIN accounts AS a ON a.id = u.account_id
            """, as: (Int64, Int64, String, String, String, String?, String, Bool, Int64).self)
        guard let (createdAt, lastSeenAt, csrfToken, userName, role, account, hash, disabled, userCreated) = found.first
        else { return nil }
        return PanelSession(
            digest: digest, user: try Self.panelUser((userName, role, account, hash, disabled, userCreated)),
            createdAt: Date(microsecondsSince1970: createdAt), lastSeenAt: Date(microsecondsSince1970: lastSeenAt),
            csrfToken: csrfToken)
    }

    public func endPanelSession(digest: PanelSessionDigest) async throws -> Bool {
        try await rowCount("DELETE FROM panel_sessions WHERE digest = \(digest.hexadecimal) RETURNING 1") > 0
    }

    public func endPanelSessions(ofUserNamed name: PanelUserName) async throws -> Int {
        try await rowCount("DELETE FROM panel_sessions WHERE user_name = \(name.value) RETURNING 1")
    }

    public func prunePanelSessions(at date: Date, policy: PanelSessionPolicy) async throws -> Int {
        let now = date.microsecondsSince1970
        return try await rowCount(
            """
            DELETE FROM panel_sessions
            WHERE \(now) >= last_seen_at + \(policy.idleMicroseconds)
               OR \(now) >= created_at + \(policy.absoluteMicroseconds)
            RETURNING 1
            """)
    }
}
