import NIOCore
import SQLiteNIO
// SQLiteNIO's own build of SQLite: one SQLite in the process, so its locks on the file are one
// program's, whichever connection takes them.
import VaporCSQLite

/// The writer's connection to the database file. A statement runs on the calling thread, the
/// writer's own (``WriterThread``), and each distinct statement is prepared once and kept.
///
/// Through SQLiteNIO, each statement was compiled again, and the lone add's insert compiled its
/// trigger with it: 27% of the writer thread's own CPU on adds over one connection. Its answer
/// also travelled through an event loop and back to the writer's thread, two wake-ups a
/// statement. Kept and run in place, statements cost a lone add 0.75x the user CPU and 0.90x
/// the whole CPU it took before; against the build before issue 15, adds at 64 connections
/// take 0.85x its CPU and deletes 0.62x (Benchmarks/RESULTS.md, "session 20").
///
/// Used by one task at a time: the store's opening, then the writer's task, then the store's
/// closing. Readers keep their SQLiteNIO connections.
final class WriterConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    private var statements: [String: KeptStatement] = [:]
    /// Counts statement runs, to find the least recently used statement to let go.
    private var clock: UInt64 = 0

    /// How many prepared statements stay kept. The writer's come in a few shapes, each in as many
    /// sizes as a group has rows; a statement that ran once (a migration's) is let go in time.
    static let keptStatements = 128

    /// Opens (or creates) the database at `path`, waiting up to `busyTimeout` milliseconds for
    /// another process's lock.
    init(path: String, busyTimeout: Int32 = 10_000) throws {
        _ = Self.initializeOnce
        var opened: OpaquePointer?
        // URI names as SQLiteNIO reads them, so the readers open the same file; no mutex, since one
        // task at a time uses the connection.
        let flags =
            SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI | SQLITE_OPEN_EXRESCODE
        let code = sqlite_nio_sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK else {
            let failure = SQLiteFailure(
                code: code, message: opened.map { Self.message(of: $0) } ?? "cannot open \(path)")
            sqlite_nio_sqlite3_close_v2(opened)
            throw failure
        }
        handle = opened
        sqlite_nio_sqlite3_busy_timeout(opened, busyTimeout)
    }

    /// `sqlite3_initialize` before the first open, as SQLite asks of a program that opens
    /// connections from several threads.
    private static let initializeOnce: Void = { _ = sqlite_nio_sqlite3_initialize() }()

    deinit { close() }

    /// Finalizes every kept statement and closes the file. Later calls do nothing.
    func close() {
        guard let handle else { return }
        forgetStatements()
        sqlite_nio_sqlite3_close_v2(handle)
        self.handle = nil
    }

    /// Runs `sql` with `binds` to the end; returns its rows.
    @discardableResult
    func query(_ sql: String, _ binds: [SQLiteData] = []) throws -> [WriterRow] {
        var rows: [WriterRow] = []
        try query(sql, binds) { rows.append($0) }
        return rows
    }

    /// Runs `sql` with `binds` to the end, handing `body` each row as it comes.
    ///
    /// `body` must not run the same `sql` again: it is one kept statement, and the inner run would
    /// reset the outer one mid-way. Other statements are fine.
    func query(_ sql: String, _ binds: [SQLiteData], _ body: (WriterRow) throws -> Void) throws {
        guard let handle else { throw SQLiteFailure(code: SQLITE_MISUSE, message: "the writer's connection is closed") }
        let kept = try statement(sql, on: handle)
        guard let statement = kept.statement else { return }
        // Reset even after a failure: a statement left mid-run keeps its read of the file open.
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (index, value) in binds.enumerated() {
            try check(bind(value, at: Int32(index + 1), of: statement), handle, sql)
        }
        while true {
            let code = sqlite_nio_sqlite3_step(statement)
            if code == SQLITE_DONE { return }
            try check(code == SQLITE_ROW ? SQLITE_OK : code, handle, sql)
            let values = (0..<kept.columns.count).map { value(at: $0, of: statement) }
            try body(WriterRow(columns: kept.columns, values: values))
        }
    }

    /// Lets every kept statement go. A kept statement keeps the column names it was prepared with,
    /// and SQLite prepares it again by itself after a schema change without telling: after a
    /// migration, a `SELECT *` could read its row by the old names.
    func forgetStatements() {
        for kept in statements.values { sqlite_nio_sqlite3_finalize(kept.statement) }
        statements.removeAll()
    }

    private func statement(_ sql: String, on handle: OpaquePointer) throws -> KeptStatement {
        clock &+= 1
        if let kept = statements[sql] {
            kept.lastUsed = clock
            return kept
        }
        var prepared: OpaquePointer?
        let persistent = UInt32(SQLITE_PREPARE_PERSISTENT)
        try check(sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, persistent, &prepared, nil), handle, sql)
        // Only white space or a comment: nothing to run.
        guard let prepared else { return KeptStatement(statement: nil, columns: ColumnNames([]), lastUsed: clock) }
        let names = (0..<sqlite_nio_sqlite3_column_count(prepared)).map {
            sqlite_nio_sqlite3_column_name(prepared, $0).map { String(cString: $0) } ?? ""
        }
        if statements.count >= Self.keptStatements,
            let oldest = statements.min(by: { $0.value.lastUsed < $1.value.lastUsed })
        {
            sqlite_nio_sqlite3_finalize(oldest.value.statement)
            statements.removeValue(forKey: oldest.key)
        }
        let kept = KeptStatement(statement: prepared, columns: ColumnNames(names), lastUsed: clock)
        statements[sql] = kept
        return kept
    }

    private func bind(_ value: SQLiteData, at position: Int32, of statement: OpaquePointer?) -> Int32 {
        switch value {
        case .integer(let integer): return sqlite_nio_sqlite3_bind_int64(statement, position, Int64(integer))
        case .float(let float): return sqlite_nio_sqlite3_bind_double(statement, position, float)
        case .null: return sqlite_nio_sqlite3_bind_null(statement, position)
        case .text(let text):
            var text = text
            return text.withUTF8 {
                sqlite_nio_sqlite3_bind_text64(
                    statement, position, $0.baseAddress, UInt64($0.count), Self.transient, UInt8(SQLITE_UTF8))
            }
        case .blob(let blob):
            return blob.withUnsafeReadableBytes {
                sqlite_nio_sqlite3_bind_blob64(statement, position, $0.baseAddress, UInt64($0.count), Self.transient)
            }
        }
    }

    /// SQLITE_TRANSIENT: SQLite copies the bound bytes, which live only for the call.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private func value(at column: Int, of statement: OpaquePointer?) -> SQLiteData {
        let column = Int32(column)
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, column)))
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            guard let bytes = sqlite_nio_sqlite3_column_text(statement, column) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, column) {
                buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
            }
            return .blob(buffer)
        default: return .null
        }
    }

    private func check(_ code: Int32, _ handle: OpaquePointer, _ sql: String) throws {
        guard code != SQLITE_OK else { return }
        throw SQLiteFailure(code: code, message: Self.message(of: handle), statement: sql)
    }

    private static func message(of handle: OpaquePointer) -> String {
        sqlite_nio_sqlite3_errmsg(handle).map { String(cString: $0) } ?? "unknown error"
    }
}

/// A prepared statement the writer's connection keeps, with its columns' names.
private final class KeptStatement {
    let statement: OpaquePointer?
    let columns: ColumnNames
    var lastUsed: UInt64

    init(statement: OpaquePointer?, columns: ColumnNames, lastUsed: UInt64) {
        self.statement = statement
        self.columns = columns
        self.lastUsed = lastUsed
    }
}

/// A statement's column names, shared by the rows it returns.
final class ColumnNames: Sendable {
    let names: [String]
    let positions: [String: Int]

    var count: Int { names.count }

    init(_ names: [String]) {
        self.names = names
        positions = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// One row a writer statement returned.
struct WriterRow: SQLiteColumns, Sendable {
    let columns: ColumnNames
    let values: [SQLiteData]

    func column(_ name: String) -> SQLiteData? {
        columns.positions[name].map { values[$0] }
    }
}

/// A row read by name, from the writer's connection or a reader's.
protocol SQLiteColumns {
    func column(_ name: String) -> SQLiteData?
}

extension SQLiteRow: SQLiteColumns {}

/// A failure SQLite reported to the writer's connection, with its result code.
struct SQLiteFailure: Error, CustomStringConvertible {
    /// SQLite's extended result code.
    let code: Int32
    let message: String
    /// The statement that failed, when one did.
    var statement: String?

    /// The primary result code (`SQLITE_CORRUPT` for `SQLITE_CORRUPT_INDEX`, and so on).
    var primaryCode: Int32 { code & 0xFF }

    /// What the failure says about the file, when it says something.
    enum Kind {
        case notADatabase, damaged, cannotOpen
    }

    var kind: Kind? {
        switch primaryCode {
        case SQLITE_NOTADB: .notADatabase
        case SQLITE_CORRUPT, SQLITE_FORMAT: .damaged
        case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_READONLY, SQLITE_AUTH: .cannotOpen
        default: nil
        }
    }

    var description: String {
        "SQLite error \(code): \(message)" + (statement.map { " (in \($0.prefix(120)))" } ?? "")
    }
}
