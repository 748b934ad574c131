import EngelCore
import EngelStores
import EngelTestSupport
import Foundation
import Testing

/// The behaviour every store must have. Each test runs against every factory in `StoreFactory.all`.
@Suite("Store contract")
struct StoreContractTests: NumberedEntries {
    func withStore(_ factory: StoreFactory, _ body: (any EngelStore, Account) async throws -> Void) async throws {
        let store = try await factory.make()
        let issued = IssuedCredentials.generate()
        let account = try await store.createAccount(
            name: AccountName("acme"), apiKey: issued.key, hashDigest: issued.hashDigest, createdAt: base)
        do {
            try await body(store, account)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    @Test("add is idempotent and keeps the first added-at time", arguments: StoreFactory.all)
    func idempotentAdd(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let first = try number(1)
            #expect(try await store.add(first, for: account.id, at: base) == .added)
            #expect(try await store.add(first, for: account.id, at: base.addingTimeInterval(3600)) == .alreadyListed)
            #expect(try await store.add(try number(2), for: account.id, at: base.addingTimeInterval(60)) == .added)
            let early = try DateFilter(
                startText: nil, endText: TurkeyTime.format(base.addingTimeInterval(30)))
            let page = try await store.page(for: account.id, filter: early, page: .first)
            #expect(page.numbers == [first])
            #expect(page.count == 1)
        }
    }

    @Test("remove reports whether the number was listed", arguments: StoreFactory.all)
    func remove(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let listed = try number(1)
            _ = try await store.add(listed, for: account.id, at: base)
            #expect(try await store.contains(listed, for: account.id))
            #expect(try await store.remove(listed, for: account.id))
            #expect(try await !store.remove(listed, for: account.id))
            #expect(try await !store.contains(listed, for: account.id))
            #expect(try await store.page(for: account.id, filter: .none, page: .first).count == 0)
        }
    }

    @Test("pages are ordered by added-at, ties by insertion, with the total count", arguments: StoreFactory.all)
    func ordering(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            // Same instant for 0...4 (ties), then earlier times for 5...9 (out of insertion order).
            for index in 0..<5 { _ = try await store.add(try number(index), for: account.id, at: base) }
            for index in 5..<10 {
                _ = try await store.add(
                    try number(index), for: account.id, at: base.addingTimeInterval(Double(-index)))
            }
            let expected = try [9, 8, 7, 6, 5, 0, 1, 2, 3, 4].map(number)
            var seen: [PhoneNumber] = []
            for pageNumber in 1...4 {
                let page = try await store.page(
                    for: account.id, filter: .none, page: PageRequest(page: pageNumber, rowCount: 3))
                #expect(page.count == 10)
                seen += page.numbers
            }
            #expect(seen == expected)
            let past = try await store.page(for: account.id, filter: .none, page: PageRequest(page: 5, rowCount: 3))
            #expect(past.numbers.isEmpty)
            #expect(past.count == 10)
        }
    }

    @Test("the date filter is inclusive and count follows it", arguments: StoreFactory.all)
    func dateFilter(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            for day in 0..<10 {
                _ = try await store.add(
                    try number(day), for: account.id, at: base.addingTimeInterval(Double(day) * 86_400))
            }
            let start = TurkeyTime.format(base.addingTimeInterval(2 * 86_400))
            let end = TurkeyTime.format(base.addingTimeInterval(5 * 86_400))
            let both = try DateFilter(startText: start, endText: end)
            let page = try await store.page(for: account.id, filter: both, page: PageRequest(page: 1, rowCount: 2))
            #expect(page.count == 4)
            #expect(page.numbers == [try number(2), try number(3)])
            let onlyStart = try DateFilter(startText: start, endText: nil)
            #expect(try await store.page(for: account.id, filter: onlyStart, page: .first).count == 8)
            let onlyEnd = try DateFilter(startText: nil, endText: end)
            #expect(try await store.page(for: account.id, filter: onlyEnd, page: .first).count == 6)
            let reversed = try DateFilter(startText: end, endText: start)
            #expect(
                try await store.page(for: account.id, filter: reversed, page: .first)
                    == BlacklistPage(numbers: [], count: 0))
        }
    }

    @Test("accounts are created, found, switched, rotated and deleted", arguments: StoreFactory.all)
    func accounts(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            #expect(try await store.account(withKey: account.apiKey)?.id == account.id)
            #expect(try await store.account(named: AccountName("acme"))?.apiKey == account.apiKey)
            await #expect(throws: StoreError.accountExists(try AccountName("acme"))) {
                try await store.createAccount(
                    name: AccountName("acme"), apiKey: "other", hashDigest: HashDigest(of: "x"), createdAt: base)
            }
            #expect(try await store.setAPIAccess(false, forAccountNamed: AccountName("acme")))
            #expect(try await store.account(withKey: account.apiKey)?.apiEnabled == false)
            #expect(try await !store.setAPIAccess(false, forAccountNamed: AccountName("nobody")))
            let newDigest = HashDigest(of: "new")
            #expect(try await store.replaceHashDigest(newDigest, forAccountNamed: AccountName("acme")))
            #expect(try await store.account(withKey: account.apiKey)?.hashDigest == newDigest)
            _ = try await store.add(try number(1), for: account.id, at: base)
            #expect(try await store.deleteAccount(named: AccountName("acme")))
            #expect(try await !store.deleteAccount(named: AccountName("acme")))
            #expect(try await store.account(withKey: account.apiKey) == nil)
            #expect(try await store.accounts().isEmpty)
            #expect(try await store.page(for: account.id, filter: .none, page: .first).count == 0)
        }
    }

    @Test("accounts never see each other's lists", arguments: StoreFactory.all)
    func tenancy(factory: StoreFactory) async throws {
        try await withStore(factory) { store, acme in
            let other = try await store.createAccount(
                name: AccountName("other"), apiKey: "k2", hashDigest: HashDigest(of: "h2"), createdAt: base)
            let shared = try number(1)
            _ = try await store.add(shared, for: acme.id, at: base)
            #expect(try await store.add(shared, for: other.id, at: base) == .added)
            _ = try await store.add(try number(2), for: other.id, at: base)
            #expect(try await store.remove(shared, for: other.id))
            #expect(try await store.contains(shared, for: acme.id))
            #expect(try await store.page(for: acme.id, filter: .none, page: .first).numbers == [shared])
            #expect(try await store.page(for: other.id, filter: .none, page: .first).numbers == [try number(2)])
            #expect(try await store.accounts().map(\.name.value) == ["acme", "other"])
        }
    }

    @Test("concurrent adds and removes of overlapping numbers leave an exact list", arguments: StoreFactory.all)
    func concurrentWrites(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let numbers = try (0..<200).map(number)
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Every number is added by two tasks; even-indexed ones are then removed.
                for copy in 0..<2 {
                    for (index, listed) in numbers.enumerated() {
                        group.addTask {
                            _ = try await store.add(listed, for: account.id, at: base.addingTimeInterval(Double(copy)))
                            if index.isMultiple(of: 2) { _ = try await store.remove(listed, for: account.id) }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let page = try await store.page(for: account.id, filter: .none, page: .first)
            #expect(page.count == 100)
            #expect(
                Set(page.numbers) == Set(numbers.enumerated().filter { !$0.offset.isMultiple(of: 2) }.map(\.element)))
        }
    }

    @Test("a bulk add keeps the given order, skips what is listed and counts what is new", arguments: StoreFactory.all)
    func bulkAdd(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            #expect(try await store.add(try number(5), for: account.id, at: base) == .added)
            let numbers = try (0..<3000).map { try number(3000 - $0) }
            let later = base.addingTimeInterval(60)
            #expect(try await store.addAll(numbers + numbers.prefix(10), for: account.id, at: later) == 2999)
            let first = try await store.page(for: account.id, filter: .none, page: PageRequest(page: 1, rowCount: 3))
            #expect(first.count == 3000)
            #expect(first.numbers == [try number(5), try number(3000), try number(2999)])
            let last = try await store.page(for: account.id, filter: .none, page: PageRequest(page: 1000, rowCount: 3))
            #expect(last.numbers == [try number(3), try number(2), try number(1)])
        }
    }

    @Test("health check passes on an open store", arguments: StoreFactory.all)
    func health(factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ in
            try await store.checkHealth()
        }
    }
}
