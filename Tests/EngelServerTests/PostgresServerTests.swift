import EngelCore
import EngelServer
import EngelStores
import EngelTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Testing

@Suite(
    "PostgreSQL: many servers, one database",
    .enabled(if: TestDatabases.postgresServer != nil, TestDatabases.postgresSkipReason))
struct PostgresServerTests {
    @Test("two servers over one database serve one consistent list")
    func twoServers() async throws {
        let server = try #require(TestDatabases.postgresServer)
        let database = try await TestDatabases.makePostgresDatabase(on: server)
        let first = try await PostgresStore.open(database, operationTimeout: .seconds(60))
        let second = try await PostgresStore.open(database, operationTimeout: .seconds(60))
        // Accounts made through the first server's store are seen by the second at once.
        let one = try await Harness.make(.live, store: first)
        let two = one.over(second)
        try await one.withClient { viaFirst in
            try await two.withClient { viaSecond in
                #expect(try await viaFirst.add(one, "905321234567").status == 200)
                let listed = try await viaSecond.list(two)
                #expect(listed.numbers == ["+905321234567"])
                #expect(listed.count == 1)

                // The same number added through both at once is one entry.
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<10 {
                        group.addTask { try await viaFirst.add(one, "905331234567").status }
                        group.addTask { try await viaSecond.add(two, "+90 533 123 45 67").status }
                    }
                    for try await status in group { #expect(status == 200) }
                }
                #expect(try await viaFirst.list(one).count == 2)

                // A delete through one is seen by the other at once: no cache anywhere.
                #expect(try await viaSecond.delete(two, "905321234567").status == 200)
                #expect(try await viaFirst.delete(one, "905321234567").status == 474)
                let after = try await viaFirst.list(one)
                #expect(after.numbers == ["+905331234567"])
                #expect(after.count == 1)
                // And the account's administration: each change counts on both servers from the next
                // request, though both have served the key before (and keep its account in memory).
                let administration = AccountAdministration(store: first)
                try await administration.setAPIAccess(false, named: "acme")
                #expect(try await viaSecond.list(two).status == 401)
                #expect(try await viaFirst.add(one, "905341234567").status == 401)
                #expect(try await viaSecond.delete(two, "905331234567").status == 401)
                try await administration.setAPIAccess(true, named: "acme")
                #expect(try await viaSecond.list(two).status == 200)
                #expect(try await viaFirst.add(one, "905341234567").status == 200)
                // A rotated hash refuses the old one everywhere, for reads and writes alike.
                _ = try await administration.rotate(named: "acme")
                #expect(try await viaSecond.list(two).status == 401)
                #expect(try await viaFirst.list(one).status == 401)
                #expect(try await viaSecond.add(two, "905351234567").status == 401)
                #expect(try await viaFirst.delete(one, "905341234567").status == 401)
                try await administration.delete(named: "acme")
                #expect(try await viaSecond.list(two).status == 401)
            }
        }
        await first.close()
        await second.close()
    }

    @Test("a serving store opens at most its 16 connections, counting everything, under load")
    func connectionBudget() async throws {
        let server = try #require(TestDatabases.postgresServer)
        let database = try await TestDatabases.makePostgresDatabase(on: server)
        let store = try await PostgresStore.open(
            database, operationTimeout: .seconds(60), balanceInterval: .milliseconds(20))
        let harness = try await Harness.make(.live, store: store)
        try await harness.withClient { client in
            // Writes, pages, batches and balancing at once, from many clients.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<48 {
                    group.addTask { () async throws in
                        for round in 0..<5 {
                            let number = "90532\(String(format: "%07d", worker * 10 + round))"
                            #expect(try await client.add(harness, number).status == 200)
                            #expect(try await client.list(harness).status == 200)
                        }
                    }
                }
                try await group.waitForAll()
            }
            _ = try await store.balanceLists()
        }
        let open = try await Self.connectionCount(on: database)
        #expect(open <= 16, "\(open) connections")
        await store.close()
    }

    /// The client connections to `database` other than the one asking.
    static func connectionCount(on database: PostgresLocation) async throws -> Int {
        let logger = Logger(label: "engel-tests")
        let connection = try await TestDatabases.connect(to: database)
        do {
            var count = 0
            let rows = try await connection.query(
                """
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
                """, logger: logger)
            for try await value in rows.decode(Int64.self) { count = Int(value) }
            try await connection.close()
            return count
        } catch {
            try? await connection.close()
            throw error
        }
    }

    @Test("paging and count stay exact while other servers write")
    func pagingUnderWrites() async throws {
        let store = try await TestDatabases.makePostgresStore()
        let harness = try await Harness.make(store: store)
        let account = try #require(try await store.account(named: AccountName("acme")))
        let parser = PhoneNumberParser()
        for index in 0..<300 {
            _ = try await store.add(
                parser.parse("53\(String(format: "%08d", index))"), for: account.id,
                at: Date(timeIntervalSince1970: 1_775_000_000 + Double(index)))
        }
        try await harness.withClient { client in
            // Writers append newer entries while a reader walks the older, filtered pages.
            let writer = Task {
                for index in 300..<400 {
                    _ = try await store.add(
                        parser.parse("53\(String(format: "%08d", index))"), for: account.id,
                        at: Date(timeIntervalSince1970: 1_776_000_000 + Double(index)))
                }
            }
            var walked: [String] = []
            for page in 1...4 {
                let answer = try await client.list(
                    harness, #"{"page":\#(page),"rowCount":100,"filter":{"end":"2026-04-10 00:00:00"}}"#)
                #expect(answer.count == 300)
                walked += answer.numbers ?? []
            }
            try await writer.value
            #expect(walked == (0..<300).map { "+9053\(String(format: "%08d", $0))" })
            #expect(try await client.list(harness).count == 400)
        }
        await store.close()
    }
}
