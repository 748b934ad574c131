import EngelCore
import EngelTestSupport
import Foundation
import SQLiteNIO
import Testing

@testable import EngelStores

@Suite("Schema migrations")
struct MigrationTests {
    /// Opens `count` stores at once on one new database and returns what each did to the schema.
    func openConcurrently(
        _ count: Int, _ open: @escaping @Sendable () async throws -> any EngelStore & SchemaReporting
    ) async throws -> [SchemaMigration] {
        try await withThrowingTaskGroup(of: SchemaMigration.self) { group in
            for _ in 0..<count {
                group.addTask {
                    let store = try await open()
                    // Every store works, whichever of them migrated.
                    _ = try await store.accounts()
                    await store.close()
                    return store.schemaMigration
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    func expectOneMigrated(_ reports: [SchemaMigration]) {
        let migrated = reports.filter(\.appliedAny)
        #expect(migrated.count == 1)
        #expect(migrated.first?.fromVersion == 0)
        let newest = reports.map(\.toVersion).max() ?? 0
        #expect(newest > 0)
        #expect(reports.allSatisfy { $0.toVersion == newest })
        #expect(reports.filter { !$0.appliedAny }.allSatisfy { $0.fromVersion == newest })
    }

    @Test("SQLite: stores opening one new file at once apply each migration once")
    func sqliteConcurrentOpen() async throws {
        let path = TestDatabases.temporarySQLitePath()
        expectOneMigrated(try await openConcurrently(4) { try await SQLiteStore.open(path: path, readerCount: 1) })
        let reopened = try await SQLiteStore.open(path: path)
        #expect(!reopened.schemaMigration.appliedAny)
        await reopened.close()
    }

    @Test(
        "PostgreSQL: servers starting at once against one new database apply each migration once",
        .enabled(if: TestDatabases.postgresServer != nil, TestDatabases.postgresSkipReason))
    func postgresConcurrentOpen() async throws {
        let server = try #require(TestDatabases.postgresServer)
        let database = try await TestDatabases.makePostgresDatabase(on: server)
        expectOneMigrated(
            try await openConcurrently(4) { try await PostgresStore.open(database, maximumConnections: 2) })
    }
}

/// Stores that report what opening them did to the schema.
protocol SchemaReporting {
    var schemaMigration: SchemaMigration { get }
}

extension SQLiteStore: SchemaReporting {}
extension PostgresStore: SchemaReporting {}

@Suite("SQLite migration 4")
struct SQLiteProvenanceMigrationTests: NumberedEntries {
    @Test("a version-3 database keeps its entries, as source unknown without actor, and starts an empty log")
    func fromVersion3() async throws {
        let path = TestDatabases.temporarySQLitePath()
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threadPool, on: MultiThreadedEventLoopGroup.singleton.any())
        for statement in SQLiteSchema.migrations.prefix(3).joined() {
            _ = try await connection.query(statement)
        }
        _ = try await connection.query(
            "INSERT INTO accounts (name, api_key, hash_digest, api_enabled, created_at) VALUES ('acme', 'k', ?, 1, 0)",
            [.text(String(repeating: "0", count: 64))])
        for index in 0..<3 {
            _ = try await connection.query(
                "INSERT INTO blacklist (account_id, number, added_at) VALUES (1, ?, ?)",
                [.int64(try number(index).national), .int64(base.microsecondsSince1970 + Int64(index))])
        }
        _ = try await connection.query("PRAGMA user_version = 3")
        try await connection.close()
        try await threadPool.shutdownGracefully()

        let store = try await SQLiteStore.open(path: path)
        #expect(store.schemaMigration == SchemaMigration(fromVersion: 3, toVersion: SQLiteSchema.migrations.count))
        let page = try await store.entries(for: 1, filter: .none, page: .first)
        #expect(page.count == 3)
        #expect(page.seq == 0)
        #expect(page.entries.map(\.source) == [.unknown, .unknown, .unknown])
        #expect(page.entries.allSatisfy { $0.actor == nil && $0.reason == nil && $0.until == nil })
        #expect(page.entries.first?.addedAt == base)
        #expect(try await store.changes(for: 1, after: 0, limit: 10) == ChangesPage(changes: [], next: 0, oldest: 0))
        // The old entries behave as any: removing one is recorded, re-adding another is not.
        #expect(try await store.remove(number(0), for: 1, at: base.addingTimeInterval(10), provenance: .api))
        #expect(try await store.add(number(1), for: 1, at: base.addingTimeInterval(10)) == .alreadyListed)
        let log = try await store.changes(for: 1, after: 0, limit: 10)
        #expect(log.changes.map(\.action) == [.remove])
        #expect(log.oldest == log.next)
        await store.close()
    }
}

@Suite("SQLite migration 5")
struct SQLitePanelMigrationTests {
    @Test("a version-4 database keeps its accounts and gains panel users and sessions")
    func fromVersion4() async throws {
        let path = TestDatabases.temporarySQLitePath()
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threadPool, on: MultiThreadedEventLoopGroup.singleton.any())
        for statement in SQLiteSchema.migrations.prefix(4).joined() {
            _ = try await connection.query(statement)
        }
        _ = try await connection.query(
            "INSERT INTO accounts (name, api_key, hash_digest, api_enabled, created_at) VALUES ('acme', 'k', ?, 1, 0)",
            [.text(String(repeating: "0", count: 64))])
        _ = try await connection.query("PRAGMA user_version = 4")
        try await connection.close()
        try await threadPool.shutdownGracefully()

        let store = try await SQLiteStore.open(path: path)
        #expect(store.schemaMigration == SchemaMigration(fromVersion: 4, toVersion: SQLiteSchema.migrations.count))
        #expect(try await store.panelUsers().isEmpty)
        let acme = try AccountName("acme")
        let user = try await store.createPanelUser(
            name: PanelUserName("ayse"), role: .operator(acme), passwordHash: PanelPasswordHash(encoded: "$2b$04$x"),
            audit: .cliNow)
        let started = try #require(try await store.startPanelSession(user: user.name, at: Date()))
        #expect(try await store.livePanelSession(token: started.token, at: Date(), policy: .standard) != nil)
        await store.close()
    }
}

@Suite("SQLite migrations 6 and 7")
struct SQLiteRecordsByStatementMigrationTests: NumberedEntries {
    @Test("a version-4 database keeps its entries and its log; new changes, single and batched, are recorded once each")
    func fromVersion4() async throws {
        let path = TestDatabases.temporarySQLitePath()
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threadPool, on: MultiThreadedEventLoopGroup.singleton.any())
        for statement in SQLiteSchema.migrations.prefix(4).joined() {
            _ = try await connection.query(statement)
        }
        _ = try await connection.query(
            "INSERT INTO accounts (name, api_key, hash_digest, api_enabled, created_at) VALUES ('acme', 'k', ?, 1, 0)",
            [.text(String(repeating: "0", count: 64))])
        // Version 4's trigger records these adds; the later half at earlier times, so the list's
        // order is not the table's.
        for index in 0..<6 {
            let micros = base.microsecondsSince1970 + Int64(index < 3 ? 100 + index : index)
            _ = try await connection.query(
                "INSERT INTO blacklist (account_id, number, added_at, source, actor) VALUES (1, ?, ?, 'api', 'api')",
                [.int64(try number(index).national), .int64(micros)])
        }
        // The newest record pruned: its seq must not be handed out again.
        _ = try await connection.query("DELETE FROM changes WHERE seq = 6")
        _ = try await connection.query("PRAGMA user_version = 4")
        try await connection.close()

        let store = try await SQLiteStore.open(path: path)
        #expect(store.schemaMigration == SchemaMigration(fromVersion: 4, toVersion: SQLiteSchema.migrations.count))
        let page = try await store.page(for: 1, filter: .none, page: .first)
        #expect(
            page.numbers == [try number(3), try number(4), try number(5), try number(0), try number(1), try number(2)])
        let before = try await store.changes(for: 1, after: 0, limit: 10)
        #expect(before.changes.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(before.changes.map(\.number) == (try (0..<5).map { try number($0) }))

        #expect(try await store.add(number(6), for: 1, at: base.addingTimeInterval(10), provenance: .api) == .added)
        #expect(try await store.remove(number(0), for: 1, at: base.addingTimeInterval(11), provenance: .api))
        let added = try await store.addBatch(
            [number(7), number(1), number(8)], for: 1, at: base.addingTimeInterval(12),
            provenance: Provenance(source: .bulk, actor: .api))
        #expect(added == [true, false, true])
        let after = try await store.changes(for: 1, after: 5, limit: 10)
        #expect(after.changes.map(\.seq) == [7, 8, 9, 10])
        #expect(after.changes.map(\.action) == [.add, .remove, .add, .add])
        #expect(after.changes.map(\.number) == [try number(6), try number(0), try number(7), try number(8)])
        #expect(after.changes.map(\.source) == [.api, .api, .bulk, .bulk])
        #expect(try await store.page(for: 1, filter: .none, page: .first).count == 8)
        await store.close()

        let check = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threadPool, on: MultiThreadedEventLoopGroup.singleton.any())
        let gone = try await check.query("SELECT name FROM sqlite_master WHERE name = 'blacklist_by_time'")
        #expect(gone.isEmpty)
        // The batch switched the trigger off for its insert alone.
        let switched = try await check.query("SELECT by_trigger FROM add_records")
        #expect(switched.map { $0.column("by_trigger")?.integer } == [1])
        try await check.close()
        try await threadPool.shutdownGracefully()
    }
}
