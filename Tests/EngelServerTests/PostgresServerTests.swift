import EngelCore
import EngelServer
import EngelStores
import EngelTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
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
                // And the account switch too.
                try await AccountAdministration(store: first).setAPIAccess(false, named: "acme")
                #expect(try await viaSecond.list(two).status == 401)
            }
        }
        await first.close()
        await second.close()
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
