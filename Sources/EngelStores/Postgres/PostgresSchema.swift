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
        ],
        listSizes,
        // Covering, so a deep page walks the index alone (an index-only scan once vacuumed)
        // instead of fetching every skipped row from the table.
        [
            "DROP INDEX blacklist_by_time",
            "CREATE INDEX blacklist_by_time ON blacklist (account_id, added_at, seq) INCLUDE (number)",
        ],
    ]

    /// Migration 2: each account's list size, kept by statement triggers in the same transaction
    /// as every insert and delete, so an unfiltered page counts its list from a few rows instead
    /// of scanning a million index entries.
    ///
    /// The size is split into shards, one per backend process modulo 16, and is their sum: servers
    /// writing to one account at once update different rows, so no write waits on another's row
    /// lock until it commits.
    static let listSizes: [PostgresQuery] = [
        """
        CREATE TABLE blacklist_sizes (
            account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            shard SMALLINT NOT NULL,
            entries BIGINT NOT NULL,
            PRIMARY KEY (account_id, shard)
        )
        """,
        """
        INSERT INTO blacklist_sizes (account_id, shard, entries)
        SELECT account_id, 0, count(*) FROM blacklist GROUP BY account_id
        """,
        // A list emptied by deleting its account cascades here after the account row is gone:
        // nothing is left to count, and inserting a size for it would break the foreign key.
        """
        CREATE FUNCTION engel_count_blacklist() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO blacklist_sizes AS sizes (account_id, shard, entries)
                SELECT account_id, pg_backend_pid() % 16, count(*) FROM changed GROUP BY account_id
                ON CONFLICT (account_id, shard) DO UPDATE SET entries = sizes.entries + excluded.entries;
            ELSE
                INSERT INTO blacklist_sizes AS sizes (account_id, shard, entries)
                SELECT account_id, pg_backend_pid() % 16, -count(*) FROM changed
                WHERE EXISTS (SELECT 1 FROM accounts WHERE accounts.id = changed.account_id)
                GROUP BY account_id
                ON CONFLICT (account_id, shard) DO UPDATE SET entries = sizes.entries + excluded.entries;
            END IF;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER blacklist_count_inserts AFTER INSERT ON blacklist
        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION engel_count_blacklist()
        """,
        """
        CREATE TRIGGER blacklist_count_deletes AFTER DELETE ON blacklist
        REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION engel_count_blacklist()
        """,
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
