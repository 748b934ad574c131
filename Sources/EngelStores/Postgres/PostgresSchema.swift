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
        positionChunks,
        changeLog,
        panel,
        changeLogKey,
        bulkWrites,
    ]

    /// Migration 7: the change log is keyed by `(account_id, seq)` alone, the order every reader
    /// walks it in; its own primary key on `seq` was a second B-tree written for every record. A
    /// bulk add of 50,000 numbers through `engel_add_numbers` took 1.37 to 1.43 s with both and
    /// 1.11 to 1.25 s with one (psql, three runs each, session 10). `seq` stays unique: it is drawn
    /// from `changes_seq`.
    static let changeLogKey: [PostgresQuery] = [
        "CREATE UNIQUE INDEX changes_key ON changes (account_id, seq)",
        "ALTER TABLE changes DROP CONSTRAINT changes_pkey",
        "DROP INDEX changes_by_account",
        "ALTER TABLE changes ADD CONSTRAINT changes_pkey PRIMARY KEY USING INDEX changes_key",
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

    /// Migration 4: each list cut into chunks of consecutive entries, in list order, with their
    /// sizes, so a deep or date-filtered page finds where it starts by summing a few hundred chunk
    /// sizes and skipping within one chunk, instead of walking every entry before it (OFFSET).
    ///
    /// A chunk is named by the (added_at, seq) key it starts at and holds every entry from there to
    /// the next chunk's start; a list's first chunk starts at the lowest key. The statement triggers
    /// that keep the list sizes keep these sizes too, in the same transaction, sharded the same
    /// way. `engel_balance_chunks` splits chunks that grew past twice the target and merges
    /// neighbours that fit in one; it moves starts only while it holds the list's advisory lock
    /// exclusively, and the triggers hold it shared from the moment they look a start up until
    /// their transaction ends, so every entry is counted in the chunk that holds it.
    static let positionChunks: [PostgresQuery] = [
        """
        CREATE TABLE blacklist_chunks (
            account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            start_added_at BIGINT NOT NULL,
            start_seq BIGINT NOT NULL,
            shard SMALLINT NOT NULL,
            entries INTEGER NOT NULL,
            PRIMARY KEY (account_id, start_added_at, start_seq, shard)
        )
        """,
        // Lists are locked in account order, so two statements touching the same lists cannot
        // wait on each other's locks in a cycle.
        """
        CREATE OR REPLACE FUNCTION engel_count_blacklist() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            sign INTEGER := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
        BEGIN
            \(unescaped: countingLocks)
            INSERT INTO blacklist_sizes AS sizes (account_id, shard, entries)
            SELECT account_id, pg_backend_pid() % 16, sign * count(*) FROM changed
            WHERE EXISTS (SELECT 1 FROM accounts WHERE accounts.id = changed.account_id)
            GROUP BY account_id
            ON CONFLICT (account_id, shard) DO UPDATE SET entries = sizes.entries + excluded.entries;
            INSERT INTO blacklist_chunks AS chunks (account_id, start_added_at, start_seq, shard, entries)
            SELECT changed.account_id, coalesce(chunk.start_added_at, \(unescaped: lowestKey)),
                   coalesce(chunk.start_seq, \(unescaped: lowestKey)), pg_backend_pid() % 16, sign * count(*)
            FROM changed
            LEFT JOIN LATERAL (
                SELECT start_added_at, start_seq FROM blacklist_chunks
                WHERE account_id = changed.account_id
                  AND (start_added_at, start_seq) <= (changed.added_at, changed.seq)
                ORDER BY start_added_at DESC, start_seq DESC LIMIT 1) AS chunk ON TRUE
            WHERE EXISTS (SELECT 1 FROM accounts WHERE accounts.id = changed.account_id)
            GROUP BY 1, 2, 3
            ON CONFLICT (account_id, start_added_at, start_seq, shard)
            DO UPDATE SET entries = chunks.entries + excluded.entries;
            RETURN NULL;
        END
        $$
        """,
        // Splitting recounts the chunk from the list itself, after taking the lock, so entries
        // committed meanwhile are counted; entries still uncommitted are counted by their own
        // triggers, which wait for the lock and then see the new starts.
        """
        CREATE FUNCTION engel_balance_chunks(list BIGINT, target INTEGER) RETURNS INTEGER LANGUAGE plpgsql AS $$
        DECLARE
            oversized RECORD;
            chunk RECORD;
            next_added_at BIGINT;
            next_seq BIGINT;
            kept_added_at BIGINT;
            kept_seq BIGINT;
            kept_entries BIGINT;
            changes INTEGER := 0;
        BEGIN
            IF current_setting('transaction_isolation') <> 'read committed' THEN
                RAISE EXCEPTION 'Engel balances its lists only in READ COMMITTED transactions';
            END IF;
            PERFORM pg_advisory_xact_lock(\(unescaped: listLock("list")));
            FOR oversized IN
                SELECT start_added_at, start_seq FROM blacklist_chunks WHERE account_id = list
                GROUP BY start_added_at, start_seq HAVING sum(entries) > 2 * target
            LOOP
                next_added_at := NULL;
                next_seq := NULL;
                SELECT start_added_at, start_seq INTO next_added_at, next_seq FROM blacklist_chunks
                WHERE account_id = list
                  AND (start_added_at, start_seq) > (oversized.start_added_at, oversized.start_seq)
                ORDER BY start_added_at, start_seq LIMIT 1;
                DELETE FROM blacklist_chunks
                WHERE account_id = list AND start_added_at = oversized.start_added_at
                  AND start_seq = oversized.start_seq;
                INSERT INTO blacklist_chunks (account_id, start_added_at, start_seq, shard, entries)
                SELECT list,
                       CASE WHEN position = 0 THEN oversized.start_added_at ELSE added_at END,
                       CASE WHEN position = 0 THEN oversized.start_seq ELSE seq END,
                       0, least(target, total - position)
                FROM (SELECT added_at, seq, row_number() OVER (ORDER BY added_at, seq) - 1 AS position,
                             count(*) OVER () AS total
                      FROM blacklist
                      WHERE account_id = list
                        AND (added_at, seq) >= (oversized.start_added_at, oversized.start_seq)
                        AND (next_added_at IS NULL OR (added_at, seq) < (next_added_at, next_seq))) AS numbered
                WHERE position % target = 0;
                changes := changes + 1;
            END LOOP;
            kept_added_at := NULL;
            FOR chunk IN
                SELECT start_added_at, start_seq, sum(entries) AS entries FROM blacklist_chunks
                WHERE account_id = list
                GROUP BY start_added_at, start_seq ORDER BY start_added_at, start_seq
            LOOP
                IF kept_added_at IS NOT NULL AND kept_entries + chunk.entries <= target THEN
                    DELETE FROM blacklist_chunks
                    WHERE account_id = list AND start_added_at = chunk.start_added_at
                      AND start_seq = chunk.start_seq;
                    INSERT INTO blacklist_chunks AS chunks (account_id, start_added_at, start_seq, shard, entries)
                    VALUES (list, kept_added_at, kept_seq, 0, chunk.entries)
                    ON CONFLICT (account_id, start_added_at, start_seq, shard)
                    DO UPDATE SET entries = chunks.entries + excluded.entries;
                    kept_entries := kept_entries + chunk.entries;
                    changes := changes + 1;
                ELSE
                    kept_added_at := chunk.start_added_at;
                    kept_seq := chunk.start_seq;
                    kept_entries := chunk.entries;
                END IF;
            END LOOP;
            RETURN changes;
        END
        $$
        """,
        // Lists already there start as one chunk each, which the balance splits as it splits any
        // chunk that grew.
        """
        INSERT INTO blacklist_chunks (account_id, start_added_at, start_seq, shard, entries)
        SELECT account_id, \(unescaped: lowestKey), \(unescaped: lowestKey), 0, count(*)
        FROM blacklist GROUP BY account_id
        """,
        "SELECT engel_balance_chunks(id, \(unescaped: String(PostgresStore.defaultChunkTarget))) FROM accounts",
    ]

    /// The counting trigger's first steps: it refuses any isolation but READ COMMITTED, then
    /// holds every list it counts in shared, in account order.
    static let countingLocks = """
        IF current_setting('transaction_isolation') <> 'read committed' THEN
                RAISE EXCEPTION 'Engel writes its lists only in READ COMMITTED transactions'
                    USING HINT = 'chunk starts moved by a concurrent balance must be visible to this transaction';
            END IF;
            PERFORM pg_advisory_xact_lock_shared(\(listLock("account_id")))
            FROM (SELECT DISTINCT account_id FROM changed ORDER BY account_id) AS touched;
        """

    /// The key the first chunk of every list starts at: below every (added_at, seq).
    static let lowestKey = String(Int64.min)

    /// The first key of the two-key advisory locks that guard each list's chunk starts (the
    /// second is the account id); distinct from ``migrationLock``, which is a one-key lock.
    static let listLockSpace: Int32 = 0x656e_6765

    /// The two keys of the advisory lock guarding the chunk starts of the list `account` names
    /// (an SQL expression), spelt once so the triggers and the balance cannot lock different keys.
    static func listLock(_ account: String) -> String {
        "\(listLockSpace), (\(account) % 2147483647)::INTEGER"
    }

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
                throw StoreError.newerSchema(found: applied, known: migrations.count)
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
