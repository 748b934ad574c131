import Foundation
import NIOCore
import SQLiteNIO
import Testing

@testable import EngelStores

@Suite("The SQLite writer's connection")
struct WriterConnectionTests {
    /// A connection to a new file in a folder of its own, removed by `body`'s end.
    private func withConnection(_ body: (WriterConnection, String) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("writer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("engel.sqlite").path
        let connection = try WriterConnection(path: path)
        defer { connection.close() }
        // These tests run on the threads every test's tasks share: no fsync to hold them.
        try connection.query("PRAGMA synchronous = OFF")
        try body(connection, path)
    }

    @Test("binds every kind of value and reads each back by its column's name")
    func bindsAndReads() throws {
        try withConnection { connection, _ in
            try connection.query("CREATE TABLE t (i INTEGER, f REAL, s TEXT, b BLOB, n)")
            let blob = ByteBuffer(bytes: [0, 1, 2, 255])
            try connection.query(
                "INSERT INTO t VALUES (?, ?, ?, ?, ?)",
                [.integer(-7), .float(2.5), .text("İşlem\u{0}sonu"), .blob(blob), .null])
            let rows = try connection.query("SELECT i, f, s, b, n FROM t")
            #expect(rows.count == 1)
            let row = try #require(rows.first)
            #expect(row.column("i") == .integer(-7))
            #expect(row.column("f") == .float(2.5))
            // The text's length comes from SQLite, so a NUL inside it does not cut it short.
            #expect(row.column("s") == .text("İşlem\u{0}sonu"))
            #expect(row.column("b") == .blob(blob))
            #expect(row.column("n") == .null)
            #expect(row.column("missing") == nil)
        }
    }

    @Test("after a schema change, forgetting the kept statements reads rows by the new columns")
    func forgetsStatementsAfterSchemaChange() throws {
        try withConnection { connection, _ in
            try connection.query("CREATE TABLE t (a INTEGER)")
            try connection.query("INSERT INTO t VALUES (1)")
            #expect(try connection.query("SELECT * FROM t").first?.column("a") == .integer(1))
            try connection.query("ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'new'")
            connection.forgetStatements()
            let row = try #require(try connection.query("SELECT * FROM t").first)
            #expect(row.column("a") == .integer(1))
            #expect(row.column("b") == .text("new"))
        }
    }

    @Test("a statement run again with other values answers for those values")
    func reusesStatements() throws {
        try withConnection { connection, _ in
            try connection.query("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
            for key in 1...20 {
                try connection.query("INSERT INTO t (k, v) VALUES (?, ?)", [.integer(key), .text("v\(key)")])
            }
            for key in [3, 20, 1] {
                let rows = try connection.query("SELECT v FROM t WHERE k = ?", [.integer(key)])
                #expect(rows.map { $0.column("v") } == [.text("v\(key)")])
            }
            // A bind left out is NULL, not the value of the run before.
            try connection.query("INSERT INTO t (k, v) VALUES (?, ?)", [.integer(21)])
            #expect(try connection.query("SELECT v FROM t WHERE k = 21").first?.column("v") == .null)
        }
    }

    @Test("more distinct statements than it keeps still all run")
    func letsGoOfTheLeastRecentlyUsed() throws {
        try withConnection { connection, _ in
            let distinct = WriterConnection.keptStatements * 2 + 5
            for round in 0..<2 {
                for index in 0..<distinct {
                    let rows = try connection.query("SELECT \(index) + ? AS value", [.integer(round)])
                    #expect(rows.first?.column("value") == .integer(index + round))
                }
            }
        }
    }

    @Test("a failure carries SQLite's code and leaves no statement holding the file")
    func failuresAreReportedAndReset() throws {
        try withConnection { connection, path in
            try connection.query("PRAGMA journal_mode = WAL")
            try connection.query("CREATE TABLE t (k INTEGER PRIMARY KEY)")
            try connection.query("INSERT INTO t (k) VALUES (1)")
            let duplicate = #expect(throws: SQLiteFailure.self) {
                try connection.query("INSERT INTO t (k) VALUES (?)", [.integer(1)])
            }
            #expect(duplicate?.primaryCode == 19)  // SQLITE_CONSTRAINT
            #expect(duplicate?.description.contains("INSERT INTO t") == true)
            let syntax = #expect(throws: SQLiteFailure.self) { try connection.query("SELEC 1") }
            #expect(syntax?.primaryCode == 1)  // SQLITE_ERROR
            // A statement stopped after its first row is reset too: another connection can then
            // take the write lock at once.
            try connection.query("INSERT INTO t (k) VALUES (2), (3)")
            struct Stop: Error {}
            #expect(throws: Stop.self) { try connection.query("SELECT k FROM t", []) { _ in throw Stop() } }
            let other = try WriterConnection(path: path, busyTimeout: 0)
            defer { other.close() }
            try other.query("BEGIN IMMEDIATE")
            try other.query("INSERT INTO t (k) VALUES (4)")
            try other.query("COMMIT")
            #expect(try connection.query("SELECT count(*) AS n FROM t").first?.column("n") == .integer(4))
        }
    }

    @Test("a closed connection refuses statements")
    func closedRefuses() throws {
        try withConnection { connection, _ in
            connection.close()
            connection.close()
            #expect(throws: SQLiteFailure.self) { try connection.query("SELECT 1") }
        }
    }

    @Test("a file that is not a database fails to open with SQLite's code")
    func notADatabase() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-\(UUID().uuidString)").path
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let connection = try WriterConnection(path: path)
        defer { connection.close() }
        let failure = #expect(throws: SQLiteFailure.self) { try connection.query("SELECT count(*) FROM sqlite_master") }
        #expect(failure?.primaryCode == 26)  // SQLITE_NOTADB
    }
}
