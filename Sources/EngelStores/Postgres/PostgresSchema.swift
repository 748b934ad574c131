import EngelCore
import Logging
import PostgresNIO

/// The PostgreSQL schema as numbered migrations, recorded in `engel_schema_migrations`.
enum PostgresSchema {
    /// Each entry is migration `index + 1`. Append only.
    static let migrations: [[PostgresQuery]] = [
        [
            """
            CREATE TABLE accounts (
                id BIGSERIAL PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                api_key TEXT NOT NULL UNIQUE,
                hash_digest TEXT NOT NULL,
                api_enabled BOOLEAN NOT NULL DEFAULT TRUE,
                created_at BIGINT NOT NULL
            )
            """,
            // The primary key serves add, remove and membership; `seq` orders entries added in the
            // same microsecond. The one index below serves paging and counting (see PostgresStore.page).
            """
            CREATE TABLE blacklist (
                account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
                number BIGINT NOT NULL,
                added_at BIGINT NOT NULL,
                seq BIGSERIAL NOT NULL,
                PRIMARY KEY (account_id, number)
            )
            """,
            "CREATE INDEX blacklist_by_time ON blacklist (account_id, added_at, seq)",
        ]
    ]

    /// An arbitrary constant naming the advisory lock that serializes migrations across servers.
    static let migrationLock: Int64 = 0x656e_6765_6c00

    /// Applies pending migrations in one transaction. Servers starting at once queue on the
    /// advisory lock, so each migration runs exactly once.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws -> SchemaMigration {
        try await client.withTransaction(logger: logger) { connection -> SchemaMigration in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS engel_schema_migrations (
                    version INTEGER PRIMARY KEY,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """, logger: logger)
            var applied = 0
            for try await version in try await connection.query(
                "SELECT coalesce(max(version), 0)::INTEGER FROM engel_schema_migrations", logger: logger
            ).decode(Int.self) {
                applied = version
            }
            guard applied <= migrations.count else {
                throw StoreError.corrupt("schema version \(applied) is newer than this Engel (\(migrations.count))")
            }
            for (index, statements) in migrations.enumerated() where index >= applied {
                for statement in statements {
                    try await connection.query(statement, logger: logger)
                }
                let version = index + 1
                try await connection.query(
                    "INSERT INTO engel_schema_migrations (version) VALUES (\(version))", logger: logger)
                logger.info("applied schema migration", metadata: ["version": "\(version)"])
            }
            return SchemaMigration(fromVersion: applied, toVersion: migrations.count)
        }
    }
}
