import PostgresNIO

extension PostgresSchema {
    /// Migration 8 (issue 17, item 7): a bulk add of 50,000 numbers spent a quarter of its time in
    /// the database checking the list's foreign key, a look-up and a row lock on the account for
    /// every entry, and another fifth finding each entry's chunk. On a list of 1,000,000, one
    /// bulk add through the server took 556 and 573 ms as migration 7 left it, 464 and 474 ms with
    /// the counting below, and 353 and 355 ms with the foreign key gone as well (the medians of six,
    /// session 13, RESULTS.md).
    ///
    /// Without the foreign key, what it promised is kept by locking. Every write that inserts into
    /// a list locks its account row (`FOR KEY SHARE`) after the account's advisory locks and before
    /// its first insert: `PostgresStatements.locked` for single adds, `engel_add_batch` for
    /// batches. A deletion that committed first leaves that lock nothing to take, and the write
    /// inserts nothing; a deletion that comes later waits for the write to commit, and then deletes
    /// its entries too (`engel_delete_account`, which deletes the list itself now). The locks come
    /// in the order the deletion takes them (advisory, then the row), so neither waits on the other
    /// in a cycle.
    static let bulkWrites: [PostgresQuery] = [
        "ALTER TABLE blacklist DROP CONSTRAINT blacklist_account_id_fkey",
        deleteAccountFunction,
        // Entries are added at the end of their list far more often than anywhere else: each
        // list's last chunk start is looked up once, and only an entry that falls before it looks
        // its own chunk up (the one-time filter of the second branch, evaluated per entry).
        """
        CREATE OR REPLACE FUNCTION engel_count_blacklist() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            sign INTEGER := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
        BEGIN
            \(unescaped: countingLocks)
            INSERT INTO blacklist_sizes AS sizes (account_id, shard, entries)
            SELECT account_id, pg_backend_pid() % 16, sign * count(*) FROM changed
            GROUP BY account_id
            HAVING EXISTS (SELECT 1 FROM accounts WHERE accounts.id = changed.account_id)
            ON CONFLICT (account_id, shard) DO UPDATE SET entries = sizes.entries + excluded.entries;
            INSERT INTO blacklist_chunks AS chunks (account_id, start_added_at, start_seq, shard, entries)
            SELECT changed.account_id, coalesce(chunk.start_added_at, \(unescaped: lowestKey)),
                   coalesce(chunk.start_seq, \(unescaped: lowestKey)), pg_backend_pid() % 16, sign * count(*)
            FROM changed
            JOIN (
                SELECT touched.account_id, last.start_added_at, last.start_seq
                FROM (SELECT DISTINCT account_id FROM changed) AS touched
                LEFT JOIN LATERAL (
                    SELECT start_added_at, start_seq FROM blacklist_chunks
                    WHERE account_id = touched.account_id
                    ORDER BY start_added_at DESC, start_seq DESC LIMIT 1) AS last ON TRUE
                WHERE EXISTS (SELECT 1 FROM accounts WHERE accounts.id = touched.account_id)) AS tail
              ON tail.account_id = changed.account_id
            LEFT JOIN LATERAL (
                SELECT tail.start_added_at, tail.start_seq
                WHERE (changed.added_at, changed.seq) >= (tail.start_added_at, tail.start_seq)
                UNION ALL
                (SELECT start_added_at, start_seq FROM blacklist_chunks
                 WHERE NOT (changed.added_at, changed.seq) >= (tail.start_added_at, tail.start_seq)
                   AND account_id = changed.account_id
                   AND (start_added_at, start_seq) <= (changed.added_at, changed.seq)
                 ORDER BY start_added_at DESC, start_seq DESC LIMIT 1)) AS chunk ON TRUE
            GROUP BY 1, 2, 3
            ON CONFLICT (account_id, start_added_at, start_seq, shard)
            DO UPDATE SET entries = chunks.entries + excluded.entries;
            RETURN NULL;
        END
        $$
        """,
        missingAccountFunction,
        // A batch's entry point: the account's locks, then its row, then `engel_add_numbers`; the
        // numbers that were not listed come back as one array rather than a row each, which is
        // fewer messages for the database to send and for the server to read.
        """
        CREATE FUNCTION engel_add_batch(
            list BIGINT, given BIGINT[], at_time BIGINT, given_source TEXT, given_reason TEXT, given_until BIGINT,
            given_actor TEXT
        ) RETURNS BIGINT[] LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock_shared(\(unescaped: listLock("list"))),
                    pg_advisory_xact_lock_shared(\(unescaped: feedLock("list")));
            PERFORM 1 FROM accounts WHERE id = list FOR KEY SHARE;
            IF NOT FOUND THEN
                PERFORM engel_account_missing(list);
            END IF;
            RETURN ARRAY(
                SELECT engel_add_numbers(list, given, at_time, given_source, given_reason, given_until, given_actor));
        END
        $$
        """,
    ]

    /// Refuses a write to an account that is not there as the foreign key did, with SQLSTATE
    /// 23503, which the store answers as ``StoreError/accountMissing``.
    static let missingAccountFunction: PostgresQuery = """
        CREATE FUNCTION engel_account_missing(list BIGINT) RETURNS BIGINT LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'account % is not there', list USING ERRCODE = 'foreign_key_violation';
        END
        $$
        """
}
