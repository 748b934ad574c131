import EngelCore
import SQLiteNIO

/// The SQLite schema, as numbered migrations tracked in `PRAGMA user_version`.
enum SQLiteSchema {
    /// Each entry moves the schema from version `index` to `index + 1`. Append only.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE accounts (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                api_key TEXT NOT NULL UNIQUE,
                hash_digest TEXT NOT NULL,
                api_enabled INTEGER NOT NULL DEFAULT 1,
                created_at INTEGER NOT NULL
            )
            """,
            // `seq` is the rowid: it grows with every insert, so it orders entries added in the same
            // microsecond.
            """
            CREATE TABLE blacklist (
                seq INTEGER PRIMARY KEY,
                account_id INTEGER NOT NULL,
                number INTEGER NOT NULL,
                added_at INTEGER NOT NULL,
                UNIQUE (account_id, number)
            )
            """,
            "CREATE INDEX blacklist_by_time ON blacklist (account_id, added_at, seq)",
        ],
        // Covering: loading a list in order read the index alone (until migration 7 dropped it).
        [
            "DROP INDEX blacklist_by_time",
            "CREATE INDEX blacklist_by_time ON blacklist (account_id, added_at, seq, number)",
        ],
        directoryRemoval,
        provenanceAndHistory,
        panel,
        batchRecordsByStatement,
        noTimeIndex,
    ]

    /// Migration 3: pages and counts come from the lists mirrored in memory (`ListMirror`), so the
    /// position directory an earlier version 2 kept beside each list by triggers goes: it made
    /// every insert about seven times dearer. (Version 2 is now only the covering index, which is
    /// why these drops tolerate a database that never had the directory.)
    static let directoryRemoval: [String] = [
        "DROP TRIGGER IF EXISTS blacklist_count_on_insert",
        "DROP TRIGGER IF EXISTS blacklist_count_on_delete",
        "DROP TABLE IF EXISTS blacklist_chunks",
        "DROP TABLE IF EXISTS blacklist_chunk_groups",
        "DROP TABLE IF EXISTS blacklist_sizes",
    ]

    /// Migration 4 (issue 17): every entry's provenance, the change log, the audit log and the
    /// webhooks. Entries listed before it keep source `unknown` and no actor.
    ///
    /// Every new entry's `add` record is written by a trigger, inside the insert itself (a batch's
    /// since migration 6 by the writer, ``batchRecordsByStatement``): an add stays one statement,
    /// which the writer commits without `BEGIN`/`COMMIT` (two statements fewer), and no
    /// insert can lack its record. The trigger costs about what a second
    /// multi-row insert of the records does (7.0 to 7.7 against 7.9 to 8.3 us a row of SQLite's
    /// CPU, 4.5 to 5.4 without records, in statements of 64 rows; python's sqlite3, session 9).
    /// Moves of `until`, removals and expiries need values the row does not hold (the change's
    /// time and provenance), so the writer inserts their records itself, in the same transaction.
    /// `changes.seq` is AUTOINCREMENT so that no seq is handed out twice, even after the newest
    /// records were pruned or erased: the feed's promise depends on it.
    static let provenanceAndHistory: [String] = [
        "ALTER TABLE blacklist ADD COLUMN source TEXT NOT NULL DEFAULT 'unknown'",
        "ALTER TABLE blacklist ADD COLUMN reason TEXT",
        "ALTER TABLE blacklist ADD COLUMN until INTEGER",
        "ALTER TABLE blacklist ADD COLUMN actor TEXT",
        // Partial: expiry and loads look for the few entries with an end, never at the others.
        "CREATE INDEX blacklist_by_until ON blacklist (until) WHERE until IS NOT NULL",
        """
        CREATE TABLE changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            account_id INTEGER NOT NULL,
            at INTEGER NOT NULL,
            action TEXT NOT NULL,
            number INTEGER NOT NULL,
            source TEXT NOT NULL,
            reason TEXT,
            until INTEGER,
            actor TEXT NOT NULL
        )
        """,
        "CREATE INDEX changes_by_account ON changes (account_id, seq)",
        """
        CREATE TRIGGER blacklist_add_record AFTER INSERT ON blacklist BEGIN
            INSERT INTO changes (account_id, at, action, number, source, reason, until, actor)
            VALUES (NEW.account_id, NEW.added_at, 'add', NEW.number, NEW.source, NEW.reason, NEW.until, NEW.actor);
        END
        """,
        """
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            at INTEGER NOT NULL,
            account_name TEXT NOT NULL,
            action TEXT NOT NULL,
            actor TEXT NOT NULL,
            detail TEXT
        )
        """,
        "CREATE INDEX audit_by_account ON audit (account_name, seq)",
        """
        CREATE TABLE webhooks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account_id INTEGER NOT NULL,
            url TEXT NOT NULL,
            secret TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            delivered_through INTEGER NOT NULL,
            lease_holder TEXT,
            lease_until INTEGER
        )
        """,
    ]

    /// Migration 5 (issue 18): the panel's users and their sessions. A user belongs to one account
    /// (`account_id`) unless it is an admin (NULL). A session is found by the SHA-256 digest of its
    /// token; the token itself is never stored.
    static let panel: [String] = [
        """
        CREATE TABLE panel_users (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            account_id INTEGER,
            password_hash TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at INTEGER NOT NULL,
            CHECK ((role = 'admin') = (account_id IS NULL))
        )
        """,
        "CREATE INDEX panel_users_by_account ON panel_users (account_id)",
        """
        CREATE TABLE panel_sessions (
            digest TEXT PRIMARY KEY,
            user_name TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            last_seen_at INTEGER NOT NULL,
            csrf_token TEXT NOT NULL
        )
        """,
        "CREATE INDEX panel_sessions_by_user ON panel_sessions (user_name)",
    ]

    /// Migration 6: a batch's new entries are recorded by the writer, with one statement per insert
    /// that copies the inserted rows into the log (`SQLiteWriter.recordInserts`), in the same
    /// transaction, instead of the trigger running a program per row: the batch switches the
    /// trigger off (`add_records.by_trigger`) for its insert alone, inside its transaction, so no
    /// other writer ever sees it off. Single adds keep the trigger, and with it their one-statement
    /// commit: recording by statement made every add a transaction, two more statements (each
    /// then a trip to the writer's thread), and a lone add cost 549 and 598 us of server CPU against 415 and 501
    /// (Benchmarks/RESULTS.md, session 10). SQLite's CPU for a bulk add of 50,000 (python's
    /// sqlite3, least of 8, busy machine, session 11): 139.5 ms with the trigger, 123.2 with it
    /// switched off and the records copied, 112.2 with no trigger at all: the switch keeps most of
    /// the gain.
    static let batchRecordsByStatement: [String] = [
        "CREATE TABLE add_records (by_trigger INTEGER NOT NULL)",
        "INSERT INTO add_records (by_trigger) VALUES (1)",
        "DROP TRIGGER blacklist_add_record",
        """
        CREATE TRIGGER blacklist_add_record AFTER INSERT ON blacklist WHEN (SELECT by_trigger FROM add_records)
        BEGIN
            INSERT INTO changes (account_id, at, action, number, source, reason, until, actor)
            VALUES (NEW.account_id, NEW.added_at, 'add', NEW.number, NEW.source, NEW.reason, NEW.until, NEW.actor);
        END
        """,
    ]

    /// Migration 7: no index on (account, added-at, seq, number). It was there so that loading a
    /// list read it in key order from the index alone; the writer loads the lists from one scan of
    /// the table instead (`SQLiteWriter.loadList`), and memory answers every query by time, so
    /// each add and delete writes one B-tree fewer: SQLite's CPU for a bulk add of 50,000 fell from
    /// 132 to 119 ms (python's sqlite3, least of 10), the server's from 280 and 244 ms to 265 and
    /// 230 (Benchmarks/RESULTS.md, session 10).
    static let noTimeIndex: [String] = [
        "DROP INDEX blacklist_by_time"
    ]

    /// Throws ``StoreError/notEngelDatabase(_:)`` unless the file is Engel's or holds nothing yet:
    /// checked before anything is written, journal mode included, so another program's file is
    /// left as it was.
    static func requireEngelsOrEmpty(_ connection: WriterConnection) throws {
        // One statement, one snapshot: a store opening the same new file at once may commit its
        // migration between two reads, and the tables would then be seen without their version.
        let rows = try connection.query(
            "SELECT (SELECT user_version FROM pragma_user_version) AS version, name "
                + "FROM (SELECT 1) LEFT JOIN (SELECT name FROM sqlite_master WHERE type = 'table' LIMIT 3) ON 1")
        guard rows.first?.column("version")?.integer ?? 0 == 0 else { return }
        // Engel's first migration makes every table it has; tables before it are another program's.
        let names = rows.compactMap { $0.column("name")?.string }
        guard names.isEmpty else {
            throw StoreError.notEngelDatabase("it holds other tables (\(names.joined(separator: ", ")))")
        }
    }

    /// Brings the database to the newest schema. Runs inside one immediate transaction, so two
    /// processes opening the same file at once apply each migration exactly once.
    static func migrate(_ connection: WriterConnection) throws -> SchemaMigration {
        try connection.query("BEGIN IMMEDIATE")
        do {
            let version = Int(
                try connection.query("PRAGMA user_version").first?.column("user_version")?.integer ?? 0)
            guard version <= migrations.count else {
                throw StoreError.newerSchema(found: version, known: migrations.count)
            }
            for step in migrations.dropFirst(version) {
                for statement in step {
                    try connection.query(statement)
                }
            }
            try connection.query("PRAGMA user_version = \(migrations.count)")
            try connection.query("COMMIT")
            if version < migrations.count { connection.forgetStatements() }
            return SchemaMigration(fromVersion: version, toVersion: migrations.count)
        } catch {
            _ = try? connection.query("ROLLBACK")
            throw error
        }
    }
}
