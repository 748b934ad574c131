import EngelCore
import PostgresNIO

/// The statements every request runs, prepared once per connection: PostgreSQL then plans each
/// once instead of on every call, which was most of a first page's cost in the database.
///
/// The SQL is written out in full here; PostgresStore's other statements (account administration,
/// bulk loads, maintenance) are rare enough to be sent as they are.
enum PostgresStatements {
    /// A statement whose parameters are all integers (`nil` sent as NULL), bound in the order given.
    protocol IntegerStatement: PostgresPreparedStatement {
        var parameters: [Int64?] { get }
    }

    static let accountColumns = "id, name, api_key, hash_digest, api_enabled, created_at"

    /// The account an API key names.
    struct AccountWithKey: PostgresPreparedStatement {
        static let name = "engel_account_with_key"
        static let sql = "SELECT \(accountColumns) FROM accounts WHERE api_key = $1"
        typealias Row = (Int64, String, String, String, Bool, Int64)

        let apiKey: String

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(apiKey)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// The account's list lock and feed lock, shared, as a CTE (`locked`) that a write reads its
    /// rows from: PostgreSQL cannot produce a row to write, nor draw its `seq`, before it has
    /// taken them (see `PostgresSchema.changeLog` for why every writer takes them first). Its one
    /// row comes from the account's, and there is none when the account is not there, or when
    /// `accepting` (more conditions on the account row: the lanes' credentials check) refuses it.
    /// A write that inserts also locks the account row, after the advisory locks, as the list's
    /// foreign key did (see `PostgresSchema.bulkWrites`).
    static func locked(accepting condition: String?, inserting: Bool) -> String {
        """
        locked AS MATERIALIZED (
            SELECT pg_advisory_xact_lock_shared(\(PostgresSchema.listLock("$1"))),
                   pg_advisory_xact_lock_shared(\(PostgresSchema.feedLock("$1")))
            FROM accounts WHERE id = $1\(condition.map { " AND " + $0 } ?? "")\(inserting ? " FOR KEY SHARE" : ""))
        """
    }

    /// What a write answers besides its rows when `locked` has no row: `answer`, one BIGINT.
    static func unlocked(_ answer: String?) -> String {
        answer.map { "\nUNION ALL\nSELECT \($0) WHERE NOT EXISTS (SELECT 1 FROM locked)" } ?? ""
    }

    /// Adds one number with its provenance and change record; a row back means it was not listed.
    ///
    /// A new number is one INSERT and its record, in plain SQL: measured with pgbench, a PL/pgSQL
    /// call for it cost about a quarter of the statement's throughput. When the number is there
    /// with an end (it may have ended, or the add may move it), `engel_add_numbers` decides, in
    /// the same statement; an entry that is there forever, the usual re-add, costs one more
    /// look-up. Concurrent adds of one number from any server meet on the primary key and make one
    /// entry, which keeps the first added-at time.
    struct Add: PostgresPreparedStatement {
        static let name = "engel_add"
        static let sql = text(accepting: nil, refusal: "engel_account_missing($1)")

        /// The statement, taking the account row only when `accepting` holds, and answering
        /// `refusal` when it does not or the account is not there.
        static func text(accepting condition: String?, refusal: String) -> String {
            """
            WITH \(locked(accepting: condition, inserting: true)),
            added AS (
                INSERT INTO blacklist (account_id, number, added_at, source, reason, until, actor)
                SELECT $1, $2, $3, $4, $5, $6, $7 FROM locked
                ON CONFLICT (account_id, number) DO NOTHING RETURNING number),
            logged AS (
                INSERT INTO changes (account_id, at, action, number, source, reason, until, actor)
                SELECT $1, $3, 'add', number, $4, $5, $6, $7 FROM added)
            SELECT number FROM added
            UNION ALL
            SELECT engel_add_numbers($1, ARRAY[$2], $3, $4, $5, $6, $7)
            WHERE EXISTS (SELECT 1 FROM locked) AND NOT EXISTS (SELECT 1 FROM added)
              AND NOT EXISTS (SELECT 1 FROM blacklist WHERE account_id = $1 AND number = $2 AND until IS NULL)\(unlocked(refusal))
            """
        }

        // Declared, because an absent reason or end is sent as a typeless NULL.
        static let bindingDataTypes: [PostgresDataType] = [.int8, .int8, .int8, .text, .text, .int8, .text]
        typealias Row = Int64

        let account: Int64
        let national: Int64
        let at: Int64
        let provenance: Provenance

        func makeBindings() -> PostgresBindings {
            additionBindings(account: account, numbers: national, at: at, provenance: provenance)
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Adds numbers with their provenance and change records (`engel_add_batch`); one row, the
    /// array of the numbers that were not listed. One call for the whole batch, so the function's
    /// own cost is spread over its numbers.
    struct AddNumbers: PostgresPreparedStatement {
        static let name = "engel_add_batch"
        static let sql = "SELECT engel_add_batch($1, $2, $3, $4, $5, $6, $7)"
        static let bindingDataTypes: [PostgresDataType] = [.int8, .int8Array, .int8, .text, .text, .int8, .text]
        typealias Row = [Int64]

        let account: Int64
        let nationals: [Int64]
        let at: Int64
        let provenance: Provenance

        func makeBindings() -> PostgresBindings {
            additionBindings(account: account, numbers: nationals, at: at, provenance: provenance)
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// The removal records of `removed` (number, until, position, ended), in the order given: an
    /// entry whose block had ended by the removal's time is logged as its expiry instead.
    static let loggedRemovals = """
        logged AS (
            INSERT INTO changes (account_id, at, action, number, source, reason, until, actor)
            SELECT $1, CASE WHEN removed.ended THEN removed.until ELSE $3 END, 'remove', removed.number,
                   CASE WHEN removed.ended THEN 'expiry' ELSE $4 END,
                   CASE WHEN removed.ended THEN NULL ELSE $5 END, NULL,
                   CASE WHEN removed.ended THEN 'system' ELSE $6 END
            FROM removed ORDER BY removed.position)
        SELECT removed.number FROM removed WHERE NOT removed.ended
        """

    /// Removes one number and logs it; a row back means it was listed.
    struct Remove: PostgresPreparedStatement {
        static let name = "engel_remove"
        static let sql = text(accepting: nil, refusal: nil)

        /// The statement, removing only when `accepting` holds, and answering `refusal` when it
        /// does not.
        static func text(accepting condition: String?, refusal: String?) -> String {
            """
            WITH \(locked(accepting: condition, inserting: false)),
            removed AS (
                DELETE FROM blacklist AS b USING locked WHERE b.account_id = $1 AND b.number = $2
                RETURNING b.number, b.until, 1 AS position, b.until IS NOT NULL AND b.until <= $3 AS ended),
            \(loggedRemovals)\(unlocked(refusal))
            """
        }

        static let bindingDataTypes: [PostgresDataType] = [.int8, .int8, .int8, .text, .text, .text]
        typealias Row = Int64

        let account: Int64
        let national: Int64
        let at: Int64
        let provenance: Provenance

        func makeBindings() -> PostgresBindings {
            removalBindings(account: account, numbers: national, at: at, provenance: provenance)
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Removes numbers and logs each removal in the order given; a row back for each number that
    /// was listed.
    struct RemoveNumbers: PostgresPreparedStatement {
        static let name = "engel_remove_numbers"
        static let sql = """
            WITH \(locked(accepting: nil, inserting: false)),
            removed AS (
                DELETE FROM blacklist AS b USING locked, unnest($2::BIGINT[]) WITH ORDINALITY AS g (number, position)
                WHERE b.account_id = $1 AND b.number = g.number
                RETURNING b.number, b.until, g.position, b.until IS NOT NULL AND b.until <= $3 AS ended),
            \(loggedRemovals)
            """
        static let bindingDataTypes: [PostgresDataType] = [.int8, .int8Array, .int8, .text, .text, .text]
        typealias Row = Int64

        let account: Int64
        let nationals: [Int64]
        let at: Int64
        let provenance: Provenance

        func makeBindings() -> PostgresBindings {
            removalBindings(account: account, numbers: nationals, at: at, provenance: provenance)
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// A row back means the number is listed at the time given: its block has no end, or ends later.
    struct Contains: IntegerStatement {
        static let name = "engel_contains"
        static let sql = """
            SELECT seq FROM blacklist WHERE account_id = $1 AND number = $2 AND (until IS NULL OR until > $3)
            """
        typealias Row = Int64

        let account: Int64
        let national: Int64
        let at: Int64

        var parameters: [Int64?] { [account, national, at] }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// A stretch of an account's change feed, read under its feed lock (`engel_changes`), and a
    /// last row with a NULL action whose seq is the oldest record kept.
    struct Changes: IntegerStatement {
        static let name = "engel_changes"
        static let sql = "SELECT * FROM engel_changes($1, $2, $3::INTEGER)"
        typealias Row = (Int64?, Int64?, String?, Int64?, String?, String?, Int64?, String?)

        let account: Int64
        let after: Int64
        let limit: Int64

        var parameters: [Int64?] { [account, after, limit] }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// An unfiltered page near the front of a list: the entries are walked from the start, and the
    /// count is the sum of the account's size shards. The page comes back as one array, which costs
    /// both sides far less than a row per number.
    struct FrontPage: IntegerStatement {
        static let name = "engel_front_page"
        static let sql = """
            SELECT (SELECT coalesce(sum(entries), 0)::BIGINT FROM blacklist_sizes WHERE account_id = $1),
                   ARRAY(SELECT number FROM blacklist WHERE account_id = $1
                         ORDER BY added_at, seq LIMIT $2 OFFSET $3)
            """
        typealias Row = (Int64, [Int64])

        let account: Int64
        let limit: Int64
        let offset: Int64

        var parameters: [Int64?] { [account, limit, offset] }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// An unfiltered page near the end of a list (the newest entries), walked back from the end, or
    /// no page (a NULL array) when it starts more than `reach` entries from the end. The count is
    /// the sum of the account's size shards, in the same snapshot as the walk.
    struct BackPage: IntegerStatement {
        static let name = "engel_back_page"
        static let sql = """
            WITH total AS MATERIALIZED (
                SELECT coalesce(sum(entries), 0)::BIGINT AS n FROM blacklist_sizes WHERE account_id = $1)
            SELECT n,
                   CASE WHEN n - $3 <= $4 THEN
                     ARRAY(SELECT number FROM
                             (SELECT number, added_at, seq FROM blacklist WHERE account_id = $1
                              ORDER BY added_at DESC, seq DESC
                              LIMIT greatest(least($2, (SELECT n FROM total) - $3), 0)
                              OFFSET greatest((SELECT n FROM total) - $3 - $2, 0)) AS tail
                           ORDER BY added_at, seq)
                   END
            FROM total
            """
        typealias Row = (Int64, [Int64]?)

        let account: Int64
        let limit: Int64
        let offset: Int64
        let reach: Int64

        var parameters: [Int64?] { [account, limit, offset, reach] }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Any page, found through the list's chunks, in one statement, so the count and the page share
    /// one snapshot even while others write.
    ///
    /// `placed` numbers the chunks: how many entries come before each. A key's rank (how many
    /// entries come before it) is its chunk's `before` plus a count within that one chunk. The
    /// filter's count is the rank of its upper bound less the rank of its lower one (an absent
    /// upper bound ranks after every entry); the page starts in the chunk holding entry
    /// `low + offset` and skips within it. Every scan of `blacklist` stays within one chunk, or
    /// within the page. The page comes back as one array, as in ``FrontPage``.
    struct ChunkedPage: IntegerStatement {
        static let name = "engel_chunked_page"
        static let sql = """
            WITH placed AS MATERIALIZED (
                SELECT a, s, n, sum(n) OVER (ORDER BY a, s) - n AS before
                FROM (SELECT start_added_at AS a, start_seq AS s, sum(entries)::INTEGER AS n FROM blacklist_chunks
                      WHERE account_id = $1 GROUP BY 1, 2) AS chunks),
            bounds AS MATERIALIZED (
                SELECT coalesce(
                         (SELECT p.before + (SELECT count(*) FROM blacklist
                                             WHERE account_id = $1 AND (added_at, seq) >= (p.a, p.s)
                                               AND added_at < $2)
                          FROM placed AS p WHERE (p.a, p.s) <= ($2, \(PostgresSchema.lowestKey))
                          ORDER BY p.a DESC, p.s DESC LIMIT 1), 0) AS low,
                       CASE WHEN $3::BIGINT IS NULL THEN (SELECT coalesce(sum(n), 0) FROM placed)
                       ELSE coalesce(
                         (SELECT p.before + (SELECT count(*) FROM blacklist
                                             WHERE account_id = $1 AND (added_at, seq) >= (p.a, p.s)
                                               AND added_at < $3)
                          FROM placed AS p WHERE (p.a, p.s) <= ($3, \(PostgresSchema.lowestKey))
                          ORDER BY p.a DESC, p.s DESC LIMIT 1), 0) END AS high),
            start AS MATERIALIZED (
                SELECT a, s, before FROM placed WHERE before <= (SELECT low FROM bounds) + $4
                ORDER BY a DESC, s DESC LIMIT 1)
            SELECT greatest((SELECT high - low FROM bounds), 0)::BIGINT,
                   ARRAY(SELECT number FROM blacklist
                         WHERE account_id = $1
                           AND (added_at, seq) >= ((SELECT a FROM start), (SELECT s FROM start))
                           AND added_at < coalesce($3, \(Int64.max))
                         ORDER BY added_at, seq
                         OFFSET (SELECT low FROM bounds) + $4 - (SELECT before FROM start) LIMIT $5)
            """
        // Declared, because an absent upper bound is sent as a typeless NULL.
        static let bindingDataTypes: [PostgresDataType] = [.int8, .int8, .int8, .int8, .int8]
        typealias Row = (Int64, [Int64])

        let account: Int64
        /// Microseconds, inclusive; `Int64.min` when the filter has no start.
        let lower: Int64
        /// Microseconds, exclusive; `nil` when the filter has no end.
        let upper: Int64?
        let offset: Int64
        let limit: Int64

        var parameters: [Int64?] { [account, lower, upper, offset, limit] }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }
}

/// The parameters of an addition: account, number or numbers, time, source, reason, until, actor.
private func additionBindings(
    account: Int64, numbers: some PostgresNonThrowingEncodable, at: Int64, provenance: Provenance
) -> PostgresBindings {
    var bindings = PostgresBindings(capacity: 7)
    bindings.append(account)
    bindings.append(numbers)
    bindings.append(at)
    bindings.append(provenance.source.rawValue)
    bindings.append(provenance.reason)
    bindings.append(provenance.until?.microsecondsSince1970)
    bindings.append(provenance.actor.description)
    return bindings
}

/// The parameters of a removal: account, number or numbers, time, source, reason, actor.
private func removalBindings(
    account: Int64, numbers: some PostgresNonThrowingEncodable, at: Int64, provenance: Provenance
) -> PostgresBindings {
    var bindings = PostgresBindings(capacity: 6)
    bindings.append(account)
    bindings.append(numbers)
    bindings.append(at)
    bindings.append(provenance.source.rawValue)
    bindings.append(provenance.reason)
    bindings.append(provenance.actor.description)
    return bindings
}

extension PostgresStatements.IntegerStatement {
    func makeBindings() -> PostgresBindings {
        let values = parameters
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { bindings.append(value) }
        return bindings
    }
}
