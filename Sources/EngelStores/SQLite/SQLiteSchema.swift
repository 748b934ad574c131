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
        chunkMigration,
    ]

    /// The most entries a chunk takes before the next newest entry starts a new one.
    static let chunkSize = 256
    /// Chunks are counted in groups of `1 << groupShift`.
    static let groupShift = 6

    /// The chunk that owns the entry `row` (`NEW` or `OLD` in a trigger): the last chunk whose
    /// first key is not after the entry's key.
    ///
    /// Key comparisons are split by column throughout: SQLite seeks a row-value bound such as
    /// `(added_at, seq) > (?, ?)` by its first column only, so it would scan every entry sharing
    /// that microsecond, and a bulk load stamps all its entries with one.
    private static func owningChunk(of row: String) -> String {
        """
        coalesce(
          (SELECT ordinal FROM blacklist_chunks
           WHERE account_id = \(row).account_id AND first_added_at = \(row).added_at AND first_seq <= \(row).seq
           ORDER BY first_seq DESC LIMIT 1),
          (SELECT ordinal FROM blacklist_chunks
           WHERE account_id = \(row).account_id AND first_added_at < \(row).added_at
           ORDER BY first_added_at DESC, first_seq DESC LIMIT 1))
        """
    }

    /// Migration 2: a two-level position directory that keeps paging and counting flat.
    ///
    /// Each account's list, in (added_at, seq) order, is cut into chunks of about ``chunkSize``
    /// entries. A chunk is named by its first key and owns every entry from there to the next
    /// chunk's first key; `size` counts them and `ordinal` numbers the chunks in key order. Chunks
    /// form groups of 64 consecutive ordinals. Each chunk keeps `local_before`, the entries in
    /// earlier chunks of its group, and each group keeps `before`, the entries in earlier groups;
    /// `blacklist_sizes` keeps each account's total. So the position of any entry or time is
    /// `group.before + chunk.local_before` plus a count inside one chunk, and the chunk holding
    /// position N is found by reading at most a few dozen directory rows (see `SQLiteStore.page`).
    ///
    /// Triggers keep all of it exact in the same transaction as each insert and delete, so every
    /// snapshot sees it agree with the list. An insert at the newest end (the usual case) updates
    /// three rows; a change in the middle also shifts the later chunks of its group and the later
    /// groups. New chunks start only at the newest entry, which keeps ordinals in key order; a chunk
    /// grows past ``chunkSize`` only when entries arrive out of time order (a clock step back).
    static let chunkMigration: [String] = [
        // Covering: paging skips and reads entries from the index alone.
        "DROP INDEX blacklist_by_time",
        "CREATE INDEX blacklist_by_time ON blacklist (account_id, added_at, seq, number)",
        """
        CREATE TABLE blacklist_chunks (
            account_id INTEGER NOT NULL,
            ordinal INTEGER NOT NULL,
            first_added_at INTEGER NOT NULL,
            first_seq INTEGER NOT NULL,
            size INTEGER NOT NULL,
            local_before INTEGER NOT NULL,
            PRIMARY KEY (account_id, ordinal)
        ) WITHOUT ROWID
        """,
        "CREATE UNIQUE INDEX blacklist_chunks_by_key ON blacklist_chunks (account_id, first_added_at, first_seq)",
        """
        CREATE TABLE blacklist_chunk_groups (
            account_id INTEGER NOT NULL,
            grp INTEGER NOT NULL,
            size INTEGER NOT NULL,
            before INTEGER NOT NULL,
            PRIMARY KEY (account_id, grp)
        ) WITHOUT ROWID
        """,
        "CREATE TABLE blacklist_sizes (account_id INTEGER PRIMARY KEY, size INTEGER NOT NULL)",
        """
        INSERT INTO blacklist_chunks (account_id, ordinal, first_added_at, first_seq, size, local_before)
        SELECT account_id, ordinal, added_at, seq, size,
               sum(size) OVER (PARTITION BY account_id, ordinal >> \(groupShift) ORDER BY ordinal) - size
        FROM (SELECT account_id, (position - 1) / \(chunkSize) AS ordinal, added_at, seq,
                     min(\(chunkSize), total - position + 1) AS size
              FROM (SELECT account_id, added_at, seq, count(*) OVER (PARTITION BY account_id) AS total,
                           row_number() OVER (PARTITION BY account_id ORDER BY added_at, seq) AS position
                    FROM blacklist)
              WHERE (position - 1) % \(chunkSize) = 0)
        """,
        """
        INSERT INTO blacklist_chunk_groups (account_id, grp, size, before)
        SELECT account_id, grp, size, sum(size) OVER (PARTITION BY account_id ORDER BY grp) - size
        FROM (SELECT account_id, ordinal >> \(groupShift) AS grp, sum(size) AS size FROM blacklist_chunks
              GROUP BY account_id, ordinal >> \(groupShift))
        """,
        "INSERT INTO blacklist_sizes (account_id, size) SELECT account_id, count(*) FROM blacklist GROUP BY account_id",
        """
        CREATE TRIGGER blacklist_count_on_insert AFTER INSERT ON blacklist BEGIN
            -- A full owning chunk and a newest entry: the entry starts the next chunk.
            INSERT INTO blacklist_chunks (account_id, ordinal, first_added_at, first_seq, size, local_before)
            SELECT NEW.account_id, last.ordinal + 1, NEW.added_at, NEW.seq, 1,
                   CASE WHEN (last.ordinal + 1) % \(1 << groupShift) = 0 THEN 0
                        ELSE last.local_before + last.size END
            FROM (SELECT ordinal, size, local_before FROM blacklist_chunks WHERE account_id = NEW.account_id
                  ORDER BY ordinal DESC LIMIT 1) AS last
            WHERE (SELECT size FROM blacklist_chunks
                   WHERE account_id = NEW.account_id AND ordinal = \(owningChunk(of: "NEW"))) >= \(chunkSize)
              AND NOT EXISTS (SELECT 1 FROM blacklist WHERE account_id = NEW.account_id AND added_at > NEW.added_at)
              AND NOT EXISTS (SELECT 1 FROM blacklist
                              WHERE account_id = NEW.account_id AND added_at = NEW.added_at AND seq > NEW.seq);
            -- Otherwise the owning chunk grows, unless the entry just started its own.
            UPDATE blacklist_chunks SET size = size + 1
            WHERE account_id = NEW.account_id AND ordinal = \(owningChunk(of: "NEW"))
              AND (first_added_at, first_seq) != (NEW.added_at, NEW.seq);
            -- An entry before every chunk: the first chunk now starts at it.
            UPDATE blacklist_chunks SET first_added_at = NEW.added_at, first_seq = NEW.seq, size = size + 1
            WHERE account_id = NEW.account_id
              AND ordinal = (SELECT min(ordinal) FROM blacklist_chunks WHERE account_id = NEW.account_id)
              AND (first_added_at, first_seq) > (NEW.added_at, NEW.seq);
            -- The account's first entry.
            INSERT INTO blacklist_chunks (account_id, ordinal, first_added_at, first_seq, size, local_before)
            SELECT NEW.account_id, 0, NEW.added_at, NEW.seq, 1, 0
            WHERE NOT EXISTS (SELECT 1 FROM blacklist_chunks WHERE account_id = NEW.account_id);
            -- Later chunks of the group and later groups now have one more entry before them.
            UPDATE blacklist_chunks SET local_before = local_before + 1
            WHERE account_id = NEW.account_id AND ordinal > \(owningChunk(of: "NEW"))
              AND ordinal < ((\(owningChunk(of: "NEW")) >> \(groupShift)) + 1) << \(groupShift);
            INSERT INTO blacklist_chunk_groups (account_id, grp, size, before)
            VALUES (NEW.account_id, \(owningChunk(of: "NEW")) >> \(groupShift), 1,
                    (SELECT coalesce(sum(size), 0) FROM blacklist_chunk_groups
                     WHERE account_id = NEW.account_id AND grp < \(owningChunk(of: "NEW")) >> \(groupShift)))
            ON CONFLICT (account_id, grp) DO UPDATE SET size = size + 1;
            UPDATE blacklist_chunk_groups SET before = before + 1
            WHERE account_id = NEW.account_id AND grp > \(owningChunk(of: "NEW")) >> \(groupShift);
            INSERT INTO blacklist_sizes (account_id, size) VALUES (NEW.account_id, 1)
            ON CONFLICT (account_id) DO UPDATE SET size = size + 1;
        END
        """,
        """
        CREATE TRIGGER blacklist_count_on_delete AFTER DELETE ON blacklist BEGIN
            UPDATE blacklist_chunk_groups SET size = size - 1
            WHERE account_id = OLD.account_id AND grp = \(owningChunk(of: "OLD")) >> \(groupShift);
            UPDATE blacklist_chunk_groups SET before = before - 1
            WHERE account_id = OLD.account_id AND grp > \(owningChunk(of: "OLD")) >> \(groupShift);
            UPDATE blacklist_chunks SET local_before = local_before - 1
            WHERE account_id = OLD.account_id AND ordinal > \(owningChunk(of: "OLD"))
              AND ordinal < ((\(owningChunk(of: "OLD")) >> \(groupShift)) + 1) << \(groupShift);
            UPDATE blacklist_chunks SET size = size - 1
            WHERE account_id = OLD.account_id AND ordinal = \(owningChunk(of: "OLD"));
            DELETE FROM blacklist_chunks
            WHERE account_id = OLD.account_id AND ordinal = \(owningChunk(of: "OLD")) AND size <= 0;
            UPDATE blacklist_sizes SET size = size - 1 WHERE account_id = OLD.account_id;
        END
        """,
    ]

    /// Brings the database to the newest schema. Runs inside one immediate transaction, so two
    /// processes opening the same file at once apply each migration exactly once.
    static func migrate(_ connection: SQLiteConnection) async throws -> SchemaMigration {
        _ = try await connection.query("BEGIN IMMEDIATE")
        do {
            let version = Int(
                try await connection.query("PRAGMA user_version").first?.column("user_version")?.integer ?? 0)
            guard version <= migrations.count else {
                throw StoreError.corrupt("schema version \(version) is newer than this Engel (\(migrations.count))")
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
