import EngelCore
import EngelStores
import EngelTestSupport
import Foundation
import HummingbirdTesting
import Testing

@Suite("Tenancy and concurrency")
struct TenancyAndConcurrencyTests {
    @Test("one account's key never sees or changes another's list")
    func tenancy() async throws {
        let harness = try await Harness.make(accounts: ["acme", "globex"])
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

    @Test("concurrent adds and deletes of overlapping numbers on SQLite leave the exact list and count")
    func concurrentRequests() async throws {
        let store = try await SQLiteStore.open(path: temporaryDatabasePath())
        let harness = try await Harness.make(store: store, accounts: ["acme", "globex"])
        let numbers = (0..<150).map { "90532\(String(format: "%07d", $0))" }
        try await harness.withClient { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for account in ["acme", "globex"] {
                    for (index, number) in numbers.enumerated() {
                        group.addTask {
                            // Three adds race on each number; multiples of three are deleted after.
                            for _ in 0..<3 {
                                let added = try await client.add(harness, number, as: account)
                                #expect(added.status == 200)
                            }
                            if index.isMultiple(of: 3) {
                                let deleted = try await client.delete(harness, number, as: account)
                                #expect(deleted.status == 200)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let expected = numbers.enumerated().filter { !$0.offset.isMultiple(of: 3) }.map { "+" + $0.element }
            for account in ["acme", "globex"] {
                let listed = try await client.list(harness, as: account)
                #expect(listed.count == expected.count)
                #expect(Set(listed.numbers ?? []) == Set(expected))
                #expect(listed.numbers?.count == expected.count)
            }
        }
        await store.close()
    }
}

func temporaryDatabasePath() -> String {
    TestDatabases.temporarySQLitePath()
}
