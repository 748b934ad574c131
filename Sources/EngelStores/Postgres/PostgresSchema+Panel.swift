import PostgresNIO

extension PostgresSchema {
    /// Migration 6 (issue 18): the panel's users and their sessions, in the database every server
    /// shares, so any server behind a load balancer serves any session. A user belongs to one
    /// account unless it is an admin; deleting the account deletes its users, and deleting a user
    /// its sessions (ON DELETE CASCADE). A session is found by the SHA-256 digest of its token;
    /// the token itself is never stored.
    static let panel: [PostgresQuery] = [
        """
        CREATE TABLE panel_users (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
            password_hash TEXT NOT NULL,
            disabled BOOLEAN NOT NULL DEFAULT FALSE,
            created_at BIGINT NOT NULL,
            CHECK ((role = 'admin') = (account_id IS NULL))
        )
        """,
        "CREATE INDEX panel_users_by_account ON panel_users (account_id)",
        """
        CREATE TABLE panel_sessions (
            digest TEXT PRIMARY KEY,
            user_name TEXT NOT NULL REFERENCES panel_users (name) ON DELETE CASCADE,
            created_at BIGINT NOT NULL,
            last_seen_at BIGINT NOT NULL,
            csrf_token TEXT NOT NULL
        )
        """,
        "CREATE INDEX panel_sessions_by_user ON panel_sessions (user_name)",
    ]
}
