import PostgresNIO

extension PostgresSchema {
    /// Migration 5 (issue 17): every entry's provenance, the change log, the audit log and the
    /// webhooks, and the functions for the writes plain SQL cannot do in one statement (a batch
    /// add that meets entries already there, the expiry sweep, deleting an account) and for the
    /// feed's readers. A single add of a new number and removals are plain SQL
    /// (`PostgresStatements.Add`, `Remove`, `RemoveNumbers`).
    ///
    /// The feed's promise (DESIGN.md, "Change feed": once `next: N` was answered, no change at or
    /// below N appears later) rests on the account's feed lock (``feedLock(_:)``). Every
    /// transaction that writes change records holds it shared from before it draws its first
    /// `seq` until it ends, so writers never wait for each other; a reader of the feed takes it
    /// exclusively and then reads in a new statement. The exclusive lock is granted only once
    /// every writer that holds it shared has ended, and holds new writers back until the reader's
    /// transaction ends, so every `seq` drawn after the reader's snapshot is drawn after every
    /// `seq` it saw, and `changes_seq` (a sequence with no cache, so values come out in the order
    /// they are drawn, across sessions) makes it larger.
    ///
    /// Lock order, which keeps the balance (`engel_balance_chunks`, the list lock exclusive) and
    /// the readers (the feed lock exclusive) from closing a cycle with the writers: a writer takes
    /// the list lock shared, then the feed lock shared, before it touches a row; a reader takes
    /// only the feed lock. A reader waits for the writes in flight to commit, and holds new ones
    /// back while it reads: a commit's time at most, once per read.
    static let changeLog: [PostgresQuery] = [
        // Constant defaults: PostgreSQL adds these columns without rewriting the table.
        """
        ALTER TABLE blacklist ADD COLUMN source TEXT NOT NULL DEFAULT 'unknown', ADD COLUMN reason TEXT,
            ADD COLUMN until BIGINT, ADD COLUMN actor TEXT
        """,
        // Finds what has ended without visiting forever-blocks, which are most entries.
        "CREATE INDEX blacklist_until ON blacklist (until) WHERE until IS NOT NULL",
        // CACHE 1 (the default) matters: with a per-session cache a later nextval could be smaller.
        "CREATE SEQUENCE changes_seq",
        // No foreign key to accounts: it would cost a check per change record on every write.
        // Deleting an account deletes its records under the feed lock (engel_delete_account), so no
        // writer can add one after.
        """
        CREATE TABLE changes (
            seq BIGINT PRIMARY KEY DEFAULT nextval('changes_seq'),
            account_id BIGINT NOT NULL,
            at BIGINT NOT NULL,
            action TEXT NOT NULL,
            number BIGINT NOT NULL,
            source TEXT NOT NULL,
            reason TEXT,
            until BIGINT,
            actor TEXT NOT NULL
        )
        """,
        "ALTER SEQUENCE changes_seq OWNED BY changes.seq",
        "CREATE INDEX changes_by_account ON changes (account_id, seq)",
        // Keyed by name, without a foreign key, so an account's records outlive it.
        """
        CREATE TABLE audit (
            seq BIGSERIAL PRIMARY KEY,
            at BIGINT NOT NULL,
            account_name TEXT NOT NULL,
            action TEXT NOT NULL,
            actor TEXT NOT NULL,
            detail TEXT
        )
        """,
        "CREATE INDEX audit_by_account ON audit (account_name, seq)",
        """
        CREATE TABLE webhooks (
            id BIGSERIAL PRIMARY KEY,
            account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            url TEXT NOT NULL,
            secret TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            delivered_through BIGINT NOT NULL,
            lease_holder TEXT,
            lease_until BIGINT
        )
        """,
        // The feed position every reader reports: the last seq drawn, read while holding the
        // account's feed lock exclusively, so no writer of the account has one in flight.
        """
        CREATE FUNCTION engel_feed_position(list BIGINT) RETURNS BIGINT LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock(\(unescaped: feedLock("list")));
            RETURN (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM changes_seq);
        END
        $$
        """,
        // Adds `given` (in order) and logs each change in the order given; returns the numbers
        // that were not listed. The usual case, all new, is one INSERT with its records. When some
        // were there, those with an end are looked at one by one (an ended block is expired, then
        // listed anew; a later end is moved), and every record is written at the end, in the
        // order of `given`. An expired number listed anew comes after the batch's new ones in the
        // list's order.
        """
        CREATE FUNCTION engel_add_numbers(
            list BIGINT, given BIGINT[], at_time BIGINT, given_source TEXT, given_reason TEXT, given_until BIGINT,
            given_actor TEXT
        ) RETURNS SETOF BIGINT LANGUAGE plpgsql AS $$
        DECLARE
            inserted BIGINT[];
            raced BIGINT[];
            rest BIGINT[];
            entry RECORD;
            -- The records of the slow path: number, whether it is an expiry, the ended block's end.
            logged_numbers BIGINT[] := '{}';
            logged_expiries BOOLEAN[] := '{}';
            logged_ends BIGINT[] := '{}';
        BEGIN
            PERFORM pg_advisory_xact_lock_shared(\(unescaped: listLock("list"))),
                    pg_advisory_xact_lock_shared(\(unescaped: feedLock("list")));
            WITH added AS (
                INSERT INTO blacklist (account_id, number, added_at, source, reason, until, actor)
                SELECT list, g.number, at_time, given_source, given_reason, given_until, given_actor
                FROM unnest(given) WITH ORDINALITY AS g (number, position)
                ORDER BY g.position
                ON CONFLICT (account_id, number) DO NOTHING
                RETURNING blacklist.number, blacklist.seq),
            logged AS (
                INSERT INTO changes (account_id, at, action, number, source, reason, until, actor)
                SELECT list, at_time, 'add', added.number, given_source, given_reason, given_until, given_actor
                FROM added WHERE (SELECT count(*) FROM added) = cardinality(given)
                ORDER BY added.seq)
            SELECT coalesce(array_agg(added.number), '{}') INTO inserted FROM added;
            RETURN QUERY SELECT unnest(inserted);
            IF cardinality(inserted) = cardinality(given) THEN
                RETURN;
            END IF;
            rest := ARRAY(
                SELECT g.number FROM unnest(given) WITH ORDINALITY AS g (number, position)
                WHERE NOT EXISTS (SELECT 1 FROM unnest(inserted) AS i (number) WHERE i.number = g.number)
                ORDER BY g.position);
            FOR entry IN
                SELECT b.number, b.until FROM unnest(rest) WITH ORDINALITY AS r (number, position)
                JOIN blacklist AS b ON b.account_id = list AND b.number = r.number
                WHERE b.until IS NOT NULL
                ORDER BY r.position
                FOR UPDATE OF b
            LOOP
                IF entry.until <= at_time THEN
                    DELETE FROM blacklist WHERE account_id = list AND number = entry.number;
                    INSERT INTO blacklist (account_id, number, added_at, source, reason, until, actor)
                    VALUES (list, entry.number, at_time, given_source, given_reason, given_until, given_actor);
                    logged_numbers := logged_numbers || entry.number || entry.number;
                    logged_expiries := logged_expiries || TRUE || FALSE;
                    logged_ends := logged_ends || entry.until || NULL::BIGINT;
                    RETURN NEXT entry.number;
                ELSIF given_until IS NULL OR given_until > entry.until THEN
                    UPDATE blacklist SET until = given_until, reason = coalesce(given_reason, reason)
                    WHERE account_id = list AND number = entry.number;
                    logged_numbers := logged_numbers || entry.number;
                    logged_expiries := logged_expiries || FALSE;
                    logged_ends := logged_ends || NULL::BIGINT;
                END IF;
            END LOOP;
            -- A number whose entry a concurrent remove took away after the first INSERT met it is
            -- added now, as it would be had the remove come first.
            WITH added AS (
                INSERT INTO blacklist (account_id, number, added_at, source, reason, until, actor)
                SELECT list, r.number, at_time, given_source, given_reason, given_until, given_actor
                FROM unnest(rest) WITH ORDINALITY AS r (number, position)
                WHERE NOT EXISTS (SELECT 1 FROM blacklist AS b WHERE b.account_id = list AND b.number = r.number)
                ORDER BY r.position
                ON CONFLICT (account_id, number) DO NOTHING
                RETURNING blacklist.number)
            SELECT coalesce(array_agg(added.number), '{}') INTO raced FROM added;
            RETURN QUERY SELECT unnest(raced);
            INSERT INTO changes (account_id, at, action, number, source, reason, until, actor)
            SELECT list, CASE WHEN w.expiry THEN w.ended ELSE at_time END,
                   CASE WHEN w.expiry THEN 'remove' ELSE 'add' END, w.number,
                   CASE WHEN w.expiry THEN 'expiry' ELSE given_source END,
                   CASE WHEN w.expiry THEN NULL ELSE given_reason END,
                   CASE WHEN w.expiry THEN NULL ELSE given_until END,
                   CASE WHEN w.expiry THEN 'system' ELSE given_actor END
            FROM (SELECT i.number, FALSE, NULL::BIGINT, 0::BIGINT FROM unnest(inserted || raced) AS i (number)
                  UNION ALL
                  SELECT * FROM unnest(logged_numbers, logged_expiries, logged_ends)
                      WITH ORDINALITY AS l (number, expiry, ended, step)) AS w (number, expiry, ended, step)
            JOIN (SELECT g.number, min(g.position) AS position
                  FROM unnest(given) WITH ORDINALITY AS g (number, position) GROUP BY g.number) AS p
              ON p.number = w.number
            ORDER BY p.position, w.step;
        END
        $$
        """,
        // Every server sweeps every second: SKIP LOCKED leaves rows another sweep (or a write) holds
        // to it, so each ended block is deleted, and logged, by one transaction only. The DELETE
        // checks `until` again because a re-add may have moved it since the snapshot.
        """
        CREATE FUNCTION engel_expire(through_time BIGINT) RETURNS BIGINT LANGUAGE plpgsql AS $$
        DECLARE
            lists BIGINT[];
            expired BIGINT;
        BEGIN
            lists := ARRAY(SELECT DISTINCT account_id FROM blacklist WHERE until <= through_time ORDER BY 1);
            IF cardinality(lists) = 0 THEN
                RETURN 0;
            END IF;
            PERFORM pg_advisory_xact_lock_shared(\(unescaped: listLock("l"))),
                    pg_advisory_xact_lock_shared(\(unescaped: feedLock("l")))
            FROM (SELECT unnest(lists) AS l ORDER BY 1) AS ordered;
            WITH doomed AS (
                SELECT account_id, number FROM blacklist WHERE until <= through_time AND account_id = ANY(lists)
                FOR UPDATE SKIP LOCKED),
            removed AS (
                DELETE FROM blacklist AS b USING doomed AS d
                WHERE b.account_id = d.account_id AND b.number = d.number AND b.until <= through_time
                RETURNING b.account_id, b.number, b.until),
            logged AS (
                INSERT INTO changes (account_id, at, action, number, source, reason, until, actor)
                SELECT removed.account_id, removed.until, 'remove', removed.number, 'expiry', NULL, NULL, 'system'
                FROM removed ORDER BY removed.account_id, removed.until, removed.number)
            SELECT count(*) INTO expired FROM removed;
            RETURN expired;
        END
        $$
        """,
        // Up to `wanted` records after `after`, read in a statement that starts once the feed lock
        // is held exclusively (a VOLATILE function's statements each take a new snapshot), then a
        // last row whose action is NULL and whose seq is the oldest record kept (NULL when none).
        """
        CREATE FUNCTION engel_changes(list BIGINT, after_seq BIGINT, wanted INTEGER)
        RETURNS TABLE (
            o_seq BIGINT, o_at BIGINT, o_action TEXT, o_number BIGINT, o_source TEXT, o_reason TEXT, o_until BIGINT,
            o_actor TEXT
        ) LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock(\(unescaped: feedLock("list")));
            RETURN QUERY
            SELECT c.seq, c.at, c.action, c.number, c.source, c.reason, c.until, c.actor FROM changes AS c
            WHERE c.account_id = list AND c.seq > after_seq ORDER BY c.seq LIMIT wanted;
            RETURN QUERY
            SELECT min(c.seq), NULL::BIGINT, NULL::TEXT, NULL::BIGINT, NULL::TEXT, NULL::TEXT, NULL::BIGINT, NULL::TEXT
            FROM changes AS c WHERE c.account_id = list;
        END
        $$
        """,
        deleteAccountFunction,
    ]

    /// Deletes an account, its list and its change log, and records it in the audit log; false
    /// when there is no such account. The list lock shared, then the feed lock exclusively (the
    /// writers' order): no writer is in flight, and none starts, until the account and its records
    /// are gone. The list goes by a DELETE of its own since migration 8 took its foreign key away
    /// (before, the same DELETE found nothing left by the cascade); after the account row, so the
    /// counting trigger, which counts only lists whose account is there, skips it.
    static let deleteAccountFunction: PostgresQuery = """
        CREATE OR REPLACE FUNCTION engel_delete_account(doomed TEXT, at_time BIGINT, given_actor TEXT)
        RETURNS BOOLEAN LANGUAGE plpgsql AS $$
        DECLARE
            list BIGINT;
        BEGIN
            SELECT id INTO list FROM accounts WHERE name = doomed;
            IF list IS NULL THEN
                RETURN FALSE;
            END IF;
            PERFORM pg_advisory_xact_lock_shared(\(unescaped: listLock("list"))),
                    pg_advisory_xact_lock(\(unescaped: feedLock("list")));
            DELETE FROM accounts WHERE id = list;
            IF NOT FOUND THEN
                RETURN FALSE;
            END IF;
            DELETE FROM blacklist WHERE account_id = list;
            DELETE FROM changes WHERE account_id = list;
            INSERT INTO audit (at, account_name, action, actor, detail)
            VALUES (at_time, doomed, 'deleted', given_actor, NULL);
            RETURN TRUE;
        END
        $$
        """

    /// The first key of the two-key advisory locks that order each account's change feed (the
    /// second is the account id); distinct from ``listLockSpace``.
    static let feedLockSpace: Int32 = 0x656e_6766

    /// The two keys of the feed lock of the account `account` names (an SQL expression).
    static func feedLock(_ account: String) -> String {
        "\(feedLockSpace), (\(account) % 2147483647)::INTEGER"
    }
}
