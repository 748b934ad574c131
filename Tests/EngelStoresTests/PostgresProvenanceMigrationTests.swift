import EngelCore
import EngelTestSupport
import Foundation
import Logging
import PostgresNIO
import Testing

@testable import EngelStores

@Suite(
    "PostgreSQL provenance migration",
    .enabled(if: TestDatabases.postgresServer != nil, TestDatabases.postgresSkipReason))
struct PostgresProvenanceMigrationTests: NumberedEntries {
    @Test("a list written before provenance comes through with source unknown, and its feed starts empty")
    func migratesOldEntries() async throws {
        let server = try #require(TestDatabases.postgresServer)
        let database = try await TestDatabases.makePostgresDatabase(on: server)
        let logger = Logger(label: "engel-tests")
        let connection = try await TestDatabases.connect(to: database)
        do {
            // The schema as the Engel before issue 17 left it, with a list of three.
            try await connection.query(
                "CREATE TABLE engel_schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                logger: logger)
            for (index, statements) in PostgresSchema.migrations.prefix(4).enumerated() {
                for statement in statements { try await connection.query(statement, logger: logger) }
                try await connection.query(
                    "INSERT INTO engel_schema_migrations (version) VALUES (\(index + 1))", logger: logger)
            }
            try await connection.query(
                """
                INSERT INTO accounts (name, api_key, hash_digest, created_at)
                VALUES ('acme', 'key', \(String(repeating: "0", count: 64)), 0)
                """, logger: logger)
            for index in 0..<3 {
                let micros = base.addingTimeInterval(Double(index)).microsecondsSince1970
                try await connection.query(
                    "INSERT INTO blacklist (account_id, number, added_at) VALUES (1, \(try number(index).national), \(micros))",
                    logger: logger)
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()

        let store = try await PostgresStore.open(database, operationTimeout: .seconds(60))
        do {
            #expect(
                store.schemaMigration == SchemaMigration(fromVersion: 4, toVersion: PostgresSchema.migrations.count))
            let page = try await store.entries(for: 1, filter: .none, page: .first)
            #expect(page.count == 3)
            #expect(page.seq == 0)
            #expect(
                page.entries
                    == (0..<3).map { index in
                        ListEntry(
                            number: try! number(index), addedAt: base.addingTimeInterval(Double(index)),
                            source: .unknown, reason: nil, until: nil, actor: nil)
                    })
            #expect(
                try await store.changes(for: 1, after: 0, limit: 10) == ChangesPage(changes: [], next: 0, oldest: 0))
            // The old list takes the new writes, and counts them.
            #expect(try await store.remove(number(0), for: 1, at: base.addingTimeInterval(10), provenance: .api))
            #expect(try await store.add(number(5), for: 1, at: base.addingTimeInterval(11)) == .added)
            #expect(try await store.page(for: 1, filter: .none, page: .first).count == 3)
            #expect(try await store.changes(for: 1, after: 0, limit: 10).changes.map(\.action) == [.remove, .add])
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}
