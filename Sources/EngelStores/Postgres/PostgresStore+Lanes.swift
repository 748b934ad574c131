import EngelCore
import Foundation
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

extension PostgresStore {
    /// The API's calls, carried on the server's event loops (``PostgresLanes``) instead of a task
    /// each, once ``prepareForServing()`` opened the lanes; calls the lanes do not carry (batches,
    /// entries, the feed) and calls before that go through the pool as every other method does.
    public func reply(to call: ListCall) -> Reply<Result<ListCallResult, any Error>> {
        guard let lanes = lanes.withLock({ $0 }), let operation = try? call.operation.get(),
            Self.lanesCarry(operation)
        else {
            return .suspending { await self.carryOut(call) }
        }
        let pending = PendingReply<Result<ListCallResult, any Error>>()
        let reach = Int64(chunkTarget)
        let known = knownAccounts.withLock { $0[call.apiKey] }
        let lane = lanes.current
        let finish: @Sendable (Result<ListCallResult, any Error>) -> Void = { result in
            self.noteListSize(after: operation, result, reach: reach)
            pending.fulfil(result)
        }
        lane.submit(
            { connection in
                self.carryOut(operation, of: call, knownAs: known, reach: reach, on: connection)
            },
            sharing: known.flatMap { sharedPage(operation, of: call, knownAs: $0, reach: reach, on: lane, finish) },
            completion: finish)
        return .later(pending)
    }

    /// How an unfiltered page of a known account at either end of its list shares its statement
    /// with others (``SharedCall``): a first page always, a page near the end when the list's last
    /// known size puts it there. Its row goes to `finish`, unless the credentials were refused or
    /// the page turned out too far from the end to walk back: then the call goes its own way again
    /// (``carryOut(_:of:knownAs:reach:on:)``), which finds out why, or finds the page through the
    /// chunks. `nil` for every other call.
    private func sharedPage(
        _ operation: ListOperation, of call: ListCall, knownAs account: Account, reach: Int64, on lane: PostgresLane,
        _ finish: @escaping @Sendable (Result<ListCallResult, any Error>) -> Void
    ) -> SharedCall? {
        guard case .page(let filter, let page) = operation, filter.isUnbounded else { return nil }
        let offset = Int64(page.offset)
        var parameters: [SharedCall.Value] = [.int64(account.id), .int64(Int64(page.rowCount)), .int64(offset)]
        let statement: String
        if offset < reach {
            statement = LaneStatement.frontPages
        } else {
            // Half the reach to spare: the list may have shrunk since, and a page found too far
            // from the end costs a second statement.
            guard let size = listSizes.withLock({ $0[account.id] }), size - offset <= reach / 2 else { return nil }
            statement = LaneStatement.backPages
            parameters.append(.int64(reach))
        }
        parameters += [.text(call.apiKey), .text(call.hashDigest.hexadecimal)]
        return SharedCall(statement: statement, parameters: parameters) { result in
            do {
                let cells = BinaryCells(try result.get(), skipping: 1)
                if try cells.bool(0), let nationals = try cells.optionalInt64Array(2) {
                    let found = BlacklistPage(
                        numbers: try Self.phoneNumbers(nationals, account: account.id), count: Int(try cells.int64(1)))
                    finish(.success(ListCallResult(account: account, outcome: .page(found))))
                    return
                }
            } catch {
                finish(.failure(error))
                return
            }
            lane.submit(
                { connection in self.carryOut(operation, of: call, knownAs: account, reach: reach, on: connection) },
                completion: finish)
        }
    }

    /// Remembers the size of the list a page beyond the first `reach` entries answered with: a
    /// later such page shares a statement (``sharedPage(_:of:knownAs:reach:on:_:)``) only when the
    /// size puts it near the end. First pages, most pages, remember nothing.
    private func noteListSize(after operation: ListOperation, _ result: Result<ListCallResult, any Error>, reach: Int64)
    {
        guard case .page(let filter, let page) = operation, filter.isUnbounded, Int64(page.offset) >= reach,
            case .success(let answer) = result, case .page(let found) = answer.outcome
        else { return }
        listSizes.withLock { sizes in
            // Bounded as the known accounts are.
            if sizes.count >= 10_000 { sizes.removeAll(keepingCapacity: true) }
            sizes[answer.account.id] = Int64(found.count)
        }
    }

    /// Carries `operation` out in one statement that also checks the credentials, when the key's
    /// account is known from an earlier call; otherwise, or when that check fails, reads the
    /// account first, so the refusal says why, and remembers it.
    private func carryOut(
        _ operation: ListOperation, of call: ListCall, knownAs known: Account?, reach: Int64,
        on connection: PostgresLaneConnection
    ) -> EventLoopFuture<ListCallResult> {
        let credentials = GivenCredentials(call)
        guard let known else {
            return authenticate(call, on: connection).flatMap { account in
                self.carryOutKnown(operation, for: account, credentials, reach: reach, on: connection)
                    .flatMapThrowing { outcome in
                        guard let outcome else { throw APIError(.unauthorized, "credentials changed meanwhile") }
                        return ListCallResult(account: account, outcome: outcome)
                    }
            }
        }
        return carryOutKnown(operation, for: known, credentials, reach: reach, on: connection).flatMap { outcome in
            if let outcome {
                return connection.connection.eventLoop.makeSucceededFuture(
                    ListCallResult(account: known, outcome: outcome))
            }
            // Refused: what changed (a rotated hash, API access off, a deleted account) decides the answer.
            self.knownAccounts.withLock { _ = $0.removeValue(forKey: call.apiKey) }
            return self.carryOut(operation, of: call, knownAs: nil, reach: reach, on: connection)
        }
    }

    /// The key's account as the database holds it, when the hash digest authenticates it (and
    /// remembered then), or 401 as ``AccountStore/authenticate(apiKey:hashDigest:)`` decides.
    private func authenticate(_ call: ListCall, on connection: PostgresLaneConnection) -> EventLoopFuture<Account> {
        connection.execute(LaneStatement.account, [PostgresData(string: call.apiKey)]).flatMapThrowing { rows in
            let found = try rows.first.map { row in
                let cells = BinaryCells(row)
                return try Self.account(
                    from: (
                        cells.int64(0), cells.decode(1, as: String.self),
                        cells.decode(2, as: String.self), cells.decode(3, as: String.self),
                        cells.bool(4), cells.int64(5)
                    ))
            }
            let account = try Account.authenticated(found, by: call.hashDigest)
            self.knownAccounts.withLock { known in
                // Only authenticated keys come in, so this grows with the accounts in use; a
                // bound keeps a server with very many of them from holding every one.
                if known.count >= 10_000 { known.removeAll(keepingCapacity: true) }
                known[call.apiKey] = account
            }
            return account
        }
    }

    /// Whether the lanes carry `operation`: the calls a sender makes at volume.
    private static func lanesCarry(_ operation: ListOperation) -> Bool {
        switch operation {
        case .add, .remove, .page: true
        case .check(_, _, let detail): !detail
        case .entries, .addBatch, .removeBatch, .changes: false
        }
    }

    /// How many pages went in a statement they shared with others, since the lanes opened.
    package var callsThatSharedAStatement: Int {
        lanes.withLock { $0 }?.callsThatShared ?? 0
    }

    /// Opens the lanes: `connections` of the store's budget, on the loops the server answers on.
    func openLanes(connections: Int) throws {
        let lanes = PostgresLanes(
            group: MultiThreadedEventLoopGroup.singleton, connections: connections,
            configuration: try connectionConfiguration(), statements: LaneStatement.catalog,
            deadline: operationTimeout, logger: logger)
        let previous = self.lanes.withLock { current in
            defer { current = lanes }
            return current
        }
        if let previous {
            Task { await previous.close() }
        }
    }

    /// Carries `operation` out for `account` in statements whose first also checks `credentials`
    /// against what the database holds now; `nil` when that check refused them.
    private func carryOutKnown(
        _ operation: ListOperation, for account: Account, _ credentials: GivenCredentials, reach: Int64,
        on connection: PostgresLaneConnection
    ) -> EventLoopFuture<ListCallResult.Outcome?> {
        let id = account.id
        switch operation {
        case .add(let number, let date, let provenance):
            let binds =
                [
                    PostgresData(int64: id), PostgresData(int64: number.national),
                    PostgresData(int64: date.microsecondsSince1970),
                ]
                + Self.provenanceBinds(provenance, until: true) + credentials.binds
            // An account deleted after the statement began leaves its row nothing to lock: refused,
            // as the check refuses it once the deletion has committed.
            return Self.retryingDeadlocks(on: connection) { connection.execute(LaneStatement.add, binds) }
                .flatMapThrowing { rows in
                    guard try !Self.refused(rows) else { return nil }
                    return .added(rows.isEmpty ? .alreadyListed : .added)
                }
        case .remove(let number, let date, let provenance):
            let binds =
                [
                    PostgresData(int64: id), PostgresData(int64: number.national),
                    PostgresData(int64: date.microsecondsSince1970),
                ]
                + Self.provenanceBinds(provenance, until: false) + credentials.binds
            return Self.retryingDeadlocks(on: connection) { connection.execute(LaneStatement.remove, binds) }
                .flatMapThrowing { rows in try Self.refused(rows) ? nil : .removed(!rows.isEmpty) }
        case .page(let filter, let page):
            return Self.pageNationals(
                for: id, filter: filter, page: page, reach: reach, credentials: credentials, on: connection
            ).flatMapThrowing { found in
                guard let (count, nationals) = found else { return nil }
                return .page(BlacklistPage(numbers: try Self.phoneNumbers(nationals, account: id), count: Int(count)))
            }
        case .check(let batch, let date, _):
            let nationals = batch.numbers.map(\.national)
            let binds =
                [PostgresData(int64: id), Self.int64Array(nationals), PostgresData(int64: date.microsecondsSince1970)]
                + credentials.binds
            return connection.execute(LaneStatement.listed, binds).flatMapThrowing { rows in
                let cells = BinaryCells(try Self.onlyRow(rows, account: id))
                guard try cells.bool(0) else { return nil }
                let found = Set(try cells.int64Array(1))
                return .checked(batch, listed: nationals.map(found.contains))
            }
        case .entries, .addBatch, .removeBatch, .changes:
            return connection.connection.eventLoop.makeFailedFuture(
                StoreError.corrupt("the lanes do not carry this call"))
        }
    }

    /// Whether a write's rows say its credentials were refused: a single row whose number is NULL.
    private static func refused(_ rows: [PostgresRow]) throws -> Bool {
        guard rows.count == 1, let row = rows.first else { return false }
        return try BinaryCells(row).optionalInt64(0) == nil
    }

    /// The count and the numbers of one page, as ``pageNationals(for:filter:page:using:)`` finds
    /// them through the pool; `nil` when `credentials` were refused.
    private static func pageNationals(
        for account: Account.ID, filter: DateFilter, page: PageRequest, reach: Int64, credentials: GivenCredentials,
        on connection: PostgresLaneConnection
    ) -> EventLoopFuture<(Int64, [Int64])?> {
        let limit = Int64(page.rowCount)
        let offset = Int64(page.offset)
        let chunked: @Sendable () -> EventLoopFuture<(Int64, [Int64])?> = {
            connection.execute(
                LaneStatement.chunkedPage,
                [
                    PostgresData(int64: account), PostgresData(int64: filter.lowerMicroseconds ?? .min),
                    filter.upperMicrosecondsExclusive.map { PostgresData(int64: $0) } ?? PostgresData(type: .int8),
                    PostgresData(int64: offset), PostgresData(int64: limit),
                ] + credentials.binds
            ).flatMapThrowing { rows in try guardedPage(onlyRow(rows, account: account)) }
        }
        guard filter.isUnbounded else { return chunked() }
        if offset < reach {
            return connection.execute(
                LaneStatement.frontPage,
                [PostgresData(int64: account), PostgresData(int64: limit), PostgresData(int64: offset)]
                    + credentials.binds
            ).flatMapThrowing { rows in try guardedPage(onlyRow(rows, account: account)) }
        }
        return connection.execute(
            LaneStatement.backPage,
            [
                PostgresData(int64: account), PostgresData(int64: limit), PostgresData(int64: offset),
                PostgresData(int64: reach),
            ] + credentials.binds
        ).flatMap { rows in
            do {
                let cells = BinaryCells(try onlyRow(rows, account: account))
                guard try cells.bool(0) else {
                    return connection.connection.eventLoop.makeSucceededFuture(nil)
                }
                if let nationals = try cells.optionalInt64Array(2) {
                    return connection.connection.eventLoop.makeSucceededFuture(
                        (try cells.int64(1), nationals))
                }
            } catch {
                return connection.connection.eventLoop.makeFailedFuture(error)
            }
            // Too far from the end to walk back: the chunks find it (the credentials were accepted).
            return chunked()
        }
    }

    /// A guarded page's row: whether the credentials were accepted, then the count and the numbers.
    private static func guardedPage(_ row: PostgresRow) throws -> (Int64, [Int64])? {
        let cells = BinaryCells(row)
        guard try cells.bool(0) else { return nil }
        return (try cells.int64(1), try cells.int64Array(2))
    }

    private static func onlyRow(_ rows: [PostgresRow], account: Account.ID) throws -> PostgresRow {
        guard let row = rows.first else { throw StoreError.corrupt("no answer to a page of account \(account)") }
        return row
    }

    /// Runs `statement` again, up to five times, when PostgreSQL ended it to break a deadlock (see
    /// ``retryingDeadlocks(_:)``).
    private static func retryingDeadlocks(
        on connection: PostgresLaneConnection, attempt: Int = 0,
        _ statement: @escaping @Sendable () -> EventLoopFuture<[PostgresRow]>
    ) -> EventLoopFuture<[PostgresRow]> {
        statement().flatMapError { error in
            if let failure = error as? PSQLError, failure.serverInfo?[.sqlState] == "40P01", attempt < 5 {
                return retryingDeadlocks(on: connection, attempt: attempt + 1, statement)
            }
            return connection.connection.eventLoop.makeFailedFuture(error)
        }
    }

    /// Source and reason, then `until` when `until`, then the actor.
    private static func provenanceBinds(_ provenance: Provenance, until: Bool) -> [PostgresData] {
        var binds = [
            PostgresData(string: provenance.source.rawValue),
            provenance.reason.map { PostgresData(string: $0) } ?? PostgresData(type: .text),
        ]
        if until {
            binds.append(
                provenance.until.map { PostgresData(int64: $0.microsecondsSince1970) } ?? PostgresData(type: .int8))
        }
        binds.append(PostgresData(string: provenance.actor.description))
        return binds
    }

    /// `nationals` as a `BIGINT[]` parameter, in PostgreSQL's binary form.
    private static func int64Array(_ nationals: [Int64]) -> PostgresData {
        var buffer = ByteBuffer()
        nationals.encode(into: &buffer, context: .default)
        return PostgresData(type: .int8Array, formatCode: .binary, value: buffer)
    }
}

/// The cells of a row a lane's statement returned. Their values come in binary, as every
/// statement's do, but a statement prepared through `PreparedQuery` describes its columns as text,
/// so each cell is read as binary here instead of as its description says.
///
/// Booleans, `BIGINT`s and `BIGINT[]`s, what pages, checks and writes answer, are read straight
/// from their bytes: PostgresNIO's generic decoding of a page's 100-number array, with its type
/// look-ups and reference counting, was 6.6% of the server's CPU per PostgreSQL first page
/// (RESULTS.md, session 12).
struct BinaryCells {
    let row: PostgresRandomAccessRow
    /// Columns before the first one read: a shared statement's place.
    let skipped: Int

    init(_ row: PostgresRow, skipping skipped: Int = 0) {
        self.row = row.makeRandomAccess()
        self.skipped = skipped
    }

    func decode<Value: PostgresDecodable>(_ column: Int, as type: Value.Type) throws -> Value {
        var cell = try self.cell(column)
        cell.format = .binary
        return try cell.decode(Value.self)
    }

    func bool(_ column: Int) throws -> Bool {
        guard let bytes = try cell(column).bytes, bytes.readableBytes == 1,
            let byte = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self)
        else { throw corrupt(column, "a boolean") }
        return byte != 0
    }

    func int64(_ column: Int) throws -> Int64 {
        guard let value = try optionalInt64(column) else { throw corrupt(column, "a BIGINT, not NULL") }
        return value
    }

    /// A `BIGINT` that may be NULL.
    func optionalInt64(_ column: Int) throws -> Int64? {
        guard let bytes = try cell(column).bytes else { return nil }
        guard bytes.readableBytes == 8, let value = bytes.getInteger(at: bytes.readerIndex, as: Int64.self) else {
            throw corrupt(column, "a BIGINT")
        }
        return value
    }

    func int64Array(_ column: Int) throws -> [Int64] {
        guard let values = try optionalInt64Array(column) else { throw corrupt(column, "a BIGINT[], not NULL") }
        return values
    }

    /// A one-dimensional `BIGINT[]` without NULL elements, or NULL, in PostgreSQL's binary array
    /// form: dimensions, a flag for NULLs, the element type, each dimension's length and lower
    /// bound, then each element's length and bytes.
    func optionalInt64Array(_ column: Int) throws -> [Int64]? {
        guard var bytes = try cell(column).bytes else { return nil }
        guard let dimensions = bytes.readInteger(as: Int32.self), bytes.readInteger(as: Int32.self) != nil,
            let element = bytes.readInteger(as: UInt32.self), element == PostgresDataType.int8.rawValue
        else { throw corrupt(column, "a BIGINT[]") }
        if dimensions == 0 { return [] }
        guard dimensions == 1, let count = bytes.readInteger(as: Int32.self), count >= 0,
            bytes.readInteger(as: Int32.self) != nil, bytes.readableBytes == Int(count) * 12
        else { throw corrupt(column, "a one-dimensional BIGINT[] without NULLs") }
        return try [Int64](unsafeUninitializedCapacity: Int(count)) { values, initialized in
            for index in 0..<Int(count) {
                guard bytes.readInteger(as: Int32.self) == 8, let value = bytes.readInteger(as: Int64.self) else {
                    throw corrupt(column, "a BIGINT[] whose elements are 8 bytes")
                }
                values.initializeElement(at: index, to: value)
                initialized = index + 1
            }
        }
    }

    private func cell(_ column: Int) throws -> PostgresCell {
        guard column + skipped < row.count else { throw StoreError.corrupt("a row has no column \(column)") }
        return row[column + skipped]
    }

    private func corrupt(_ column: Int, _ expected: String) -> StoreError {
        StoreError.corrupt("column \(column) of a lane's answer is not \(expected)")
    }
}

/// The credentials of a call, as the lanes' statements check them: the key, and the hex digest of
/// the hash as the accounts table keeps it.
private struct GivenCredentials {
    let binds: [PostgresData]

    init(_ call: ListCall) {
        binds = [PostgresData(string: call.apiKey), PostgresData(string: call.hashDigest.hexadecimal)]
    }
}

/// The statements every lane connection prepares when it connects: the pool's own statements,
/// each checking the call's credentials in the same statement (the two parameters after its own:
/// the key and the hash digest), with every parameter's type written into the SQL, since a
/// statement prepared this way declares none.
///
/// A check read within the request's own statement keeps the promise the README makes: a change
/// made with `engel account disable-api`, `rotate` or `delete` is refused by every server from the
/// next request on. A page checks first and reads nothing when refused; a write takes its locks,
/// and so writes, only when accepted, and then answers one row with a NULL number.
enum LaneStatement {
    static let account = "lane_account"
    static let add = "lane_add"
    static let remove = "lane_remove"
    static let listed = "lane_listed"
    static let frontPage = "lane_front_page"
    static let backPage = "lane_back_page"
    static let chunkedPage = "lane_chunked_page"
    static let frontPages = "lane_front_pages"
    static let backPages = "lane_back_pages"

    static let catalog: [String: String] = [
        account: typed(PostgresStatements.AccountWithKey.sql, ["TEXT"]),
        add: typed(
            PostgresStatements.Add.text(accepting: acceptedRow(key: 8), refusal: "NULL::BIGINT"),
            ["BIGINT", "BIGINT", "BIGINT", "TEXT", "TEXT", "BIGINT", "TEXT", "TEXT", "TEXT"]),
        remove: typed(
            PostgresStatements.Remove.text(accepting: acceptedRow(key: 7), refusal: "NULL::BIGINT"),
            ["BIGINT", "BIGINT", "BIGINT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT"]),
        listed: typed(
            guardedRead(
                """
                SELECT ARRAY(SELECT number FROM blacklist WHERE account_id = $1 AND number = ANY($2)
                               AND (until IS NULL OR until > $3))
                """, key: 4), ["BIGINT", "BIGINT[]", "BIGINT", "TEXT", "TEXT"]),
        frontPage: typed(
            guardedRead(PostgresStatements.FrontPage.sql, key: 4), ["BIGINT", "BIGINT", "BIGINT", "TEXT", "TEXT"]),
        backPage: typed(
            guardedRead(PostgresStatements.BackPage.sql, key: 5),
            ["BIGINT", "BIGINT", "BIGINT", "BIGINT", "TEXT", "TEXT"]),
        chunkedPage: typed(
            guardedRead(PostgresStatements.ChunkedPage.sql, key: 6),
            ["BIGINT", "BIGINT", "BIGINT", "BIGINT", "BIGINT", "TEXT", "TEXT"]),
        frontPages: shared(
            guardedRead(PostgresStatements.FrontPage.sql, key: 4), ["BIGINT", "BIGINT", "BIGINT", "TEXT", "TEXT"]),
        backPages: shared(
            guardedRead(PostgresStatements.BackPage.sql, key: 5),
            ["BIGINT", "BIGINT", "BIGINT", "BIGINT", "TEXT", "TEXT"]),
    ]

    /// `sql`, one call's statement, run for every element of its parameters' arrays (`$n` as the
    /// `n`th array, of `types[n - 1]`): a row per call, its place first.
    private static func shared(_ sql: String, _ types: [String]) -> String {
        let columns = types.indices.map { "p\($0 + 1)" }
        let arrays = types.indices.map { "$\($0 + 1)::\(types[$0])[]" }
        return """
            SELECT c.place, s.* FROM unnest(\(arrays.joined(separator: ", "))) WITH ORDINALITY
                AS c (\(columns.joined(separator: ", ")), place)
            CROSS JOIN LATERAL (\(substituted(sql) { "c.p\($0)" })) AS s
            """
    }

    /// `sql` with every `$n` replaced by `replacement(n)`.
    private static func substituted(_ sql: String, _ replacement: (Int) -> String) -> String {
        var result = ""
        var index = sql.startIndex
        while index < sql.endIndex {
            let character = sql[index]
            index = sql.index(after: index)
            guard character == "$" else {
                result.append(character)
                continue
            }
            var digits = ""
            while index < sql.endIndex, sql[index].isASCII, sql[index].isNumber {
                digits.append(sql[index])
                index = sql.index(after: index)
            }
            if let number = Int(digits) { result += replacement(number) } else { result += "$" + digits }
        }
        return result
    }

    /// Whether account `$1` has the key `$key`, the digest `$(key + 1)` and API access on.
    private static func accepted(key: Int) -> String {
        "EXISTS (SELECT 1 FROM accounts WHERE id = $1 AND \(acceptedRow(key: key)))"
    }

    /// `sql`, a read whose last SELECT may take a WHERE, run only when the credentials are
    /// accepted: a row of whether they were, then the read's columns (NULL when refused).
    private static func guardedRead(_ sql: String, key: Int) -> String {
        """
        SELECT g.ok, p.* FROM (SELECT \(accepted(key: key)) AS ok) AS g
        LEFT JOIN LATERAL (\(sql) WHERE g.ok) AS p ON TRUE
        """
    }

    /// The credentials check of a write, on the account row its locks come from: a write takes
    /// its locks, and so writes, only when they are accepted, and answers one NULL row otherwise.
    private static func acceptedRow(key: Int) -> String {
        "api_key = $\(key) AND hash_digest = $\(key + 1) AND api_enabled"
    }

    /// `sql` with every `$n` cast to `types[n - 1]`.
    static func typed(_ sql: String, _ types: [String]) -> String {
        var result = ""
        var index = sql.startIndex
        while index < sql.endIndex {
            let character = sql[index]
            result.append(character)
            index = sql.index(after: index)
            guard character == "$" else { continue }
            var digits = ""
            while index < sql.endIndex, sql[index].isASCII, sql[index].isNumber {
                digits.append(sql[index])
                index = sql.index(after: index)
            }
            result += digits
            if let number = Int(digits), number >= 1, number <= types.count {
                result += "::" + types[number - 1]
            }
        }
        return result
    }
}
