import EngelCore
import EngelStores
import EngelTestSupport
import EngelWire
import Foundation
import HummingbirdTesting
import Testing

@Suite("Tenancy and concurrency")
struct TenancyAndConcurrencyTests {
    @Test("one account's key never sees or changes another's list", arguments: Transport.allCases)
    func tenancy(transport: Transport) async throws {
        let harness = try await Harness.make(transport, accounts: ["acme", "globex"])
        try await harness.withClient { client in
            #expect(try await client.add(harness, "905321234567", as: "acme").status == 200)
            #expect(try await client.add(harness, "905331234567", as: "globex").status == 200)
            // globex cannot delete acme's number: for globex it is simply not listed.
            #expect(try await client.delete(harness, "905321234567", as: "globex").status == 474)
            let acme = try await client.list(harness, as: "acme")
            let globex = try await client.list(harness, as: "globex")
            #expect(acme.numbers == ["+905321234567"])
            #expect(acme.count == 1)
            #expect(globex.numbers == ["+905331234567"])
            #expect(globex.count == 1)
            // The same number on both lists is two entries; removing one leaves the other.
            #expect(try await client.add(harness, "905321234567", as: "globex").status == 200)
            #expect(try await client.delete(harness, "905321234567", as: "globex").status == 200)
            #expect(try await client.list(harness, as: "acme").numbers == ["+905321234567"])
        }
    }

    /// The stores the server runs on; PostgreSQL when `scripts/test` started a cluster.
    struct StoreKind: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let open: @Sendable () async throws -> any EngelStore

        static let all: [StoreKind] =
            [
                StoreKind(testDescription: "memory") { MemoryStore() },
                StoreKind(testDescription: "SQLite") { try await SQLiteStore.open(path: temporaryDatabasePath()) },
            ]
            + (TestDatabases.postgresServer == nil
                ? [] : [StoreKind(testDescription: "PostgreSQL") { try await TestDatabases.makePostgresStore() }])
    }

    @Test(
        "two accounts hammering the same numbers at once: each sees exactly its own list and count",
        arguments: Transport.allCases, StoreKind.all)
    func hammering(transport: Transport, kind: StoreKind) async throws {
        let store = try await kind.open()
        let harness = try await Harness.make(transport, store: store, accounts: ["acme", "globex"])
        let numbers = (0..<120).map { "90532\(String(format: "%07d", $0))" }
        // Each account keeps a different part of the same numbers, so a leak either way shows.
        let keeps: [String: @Sendable (Int) -> Bool] = [
            "acme": { !$0.isMultiple(of: 3) }, "globex": { $0.isMultiple(of: 2) },
        ]
        try await harness.withClient { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for account in ["acme", "globex"] {
                    for (index, number) in numbers.enumerated() {
                        group.addTask {
                            // Three adds race on each number, in both accounts at once, in either dialect.
                            try await withThrowingTaskGroup(of: Int.self) { racing in
                                for dialect in [WireDialect.json, .xml, .json] {
                                    racing.addTask {
                                        try await client.add(harness, number, as: account, in: dialect).status
                                    }
                                }
                                for try await status in racing { #expect(status == 200) }
                            }
                            if !(keeps[account]?(index) ?? true) {
                                // Two deletes race: exactly one removes it, the other finds it gone.
                                async let first = client.delete(harness, number, as: account)
                                async let second = client.delete(harness, "+90 " + number.dropFirst(2), as: account)
                                let statuses = [try await first.status, try await second.status].sorted()
                                #expect(statuses == [200, 474], "\(account) \(number)")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            for account in ["acme", "globex"] {
                let expected = Set(
                    numbers.enumerated().filter { keeps[account]?($0.offset) ?? false }.map { "+" + $0.element })
                let listed = try await client.list(harness, #"{"rowCount":1000}"#, as: account)
                #expect(listed.count == expected.count, "\(account)")
                #expect(listed.numbers?.count == expected.count, "\(account)")
                #expect(Set(listed.numbers ?? []) == expected, "\(account)")
                // Paged, the same entries once each.
                var paged: [String] = []
                for page in 1...5 {
                    let answer = try await client.list(harness, #"{"page":\#(page),"rowCount":25}"#, as: account)
                    #expect(answer.count == expected.count)
                    paged += answer.numbers ?? []
                }
                #expect(paged.count == expected.count && Set(paged) == expected, "\(account) paged")
            }
        }
        await store.close()
    }
}

func temporaryDatabasePath() -> String {
    TestDatabases.temporarySQLitePath()
}
