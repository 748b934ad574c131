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
        // Covering: loading a list in order reads the index alone.
        [
            "DROP INDEX blacklist_by_time",
            "CREATE INDEX blacklist_by_time ON blacklist (account_id, added_at, seq, number)",
        ],
        directoryRemoval,
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

    /// Throws ``StoreError/notEngelDatabase(_:)`` unless the file is Engel's or holds nothing yet:
    /// checked before anything is written, journal mode included, so another program's file is
    /// left as it was.
    static func requireEngelsOrEmpty(_ connection: SQLiteConnection) async throws {
        let version = try await connection.query("PRAGMA user_version").first?.column("user_version")?.integer ?? 0
        guard version == 0 else { return }
        // Engel's first migration makes every table it has; tables before it are another program's.
        let tables = try await connection.query("SELECT name FROM sqlite_master WHERE type = 'table' LIMIT 3")
        let names = tables.compactMap { $0.column("name")?.string }
        guard names.isEmpty else {
            throw StoreError.notEngelDatabase("it holds other tables (\(names.joined(separator: ", ")))")
        }
    }

    /// Brings the database to the newest schema. Runs inside one immediate transaction, so two
    /// processes opening the same file at once apply each migration exactly once.
    static func migrate(_ connection: SQLiteConnection) async throws -> SchemaMigration {
        _ = try await connection.query("BEGIN IMMEDIATE")
        do {
            let version = Int(
                try await connection.query("PRAGMA user_version").first?.column("user_version")?.integer ?? 0)
            guard version <= migrations.count else {
                throw StoreError.newerSchema(found: version, known: migrations.count)
            }
            for step in migrations.dropFirst(version) {
                for statement in step {
                    _ = try await connection.query(statement)
                }
            }
            _ = try await connection.query("PRAGMA user_version = \(migrations.count)")
            _ = try await connection.query("COMMIT")
            return SchemaMigration(fromVersion: version, toVersion: migrations.count)
        } catch {
            _ = try? await connection.query("ROLLBACK")
            throw error
        }
    }
}
