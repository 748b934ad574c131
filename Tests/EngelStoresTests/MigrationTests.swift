import EngelCore
import EngelStores
import EngelTestSupport
import Testing

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
