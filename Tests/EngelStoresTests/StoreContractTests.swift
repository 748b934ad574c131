import EngelCore
import EngelStores
import EngelTestSupport
import Foundation
import Testing

/// The behaviour every store must have. Each test runs against every factory in `StoreFactory.all`.
@Suite("Store contract")
struct StoreContractTests: NumberedEntries {
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

    @Test(
        "an add to an account deleted meanwhile is refused as accountMissing, and lands on no list",
        arguments: StoreFactory.all)
    func writeToDeletedAccount(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            _ = try await store.add(try number(1), for: account.id, at: base)
            #expect(try await store.deleteAccount(named: AccountName("acme")))
            // The caller still holds the account it found before the deletion.
            await #expect(throws: StoreError.accountMissing) {
                try await store.add(try number(2), for: account.id, at: base)
            }
            await #expect(throws: StoreError.accountMissing) {
                try await store.addBatch(try [3, 4].map(number), for: account.id, at: base)
            }
            await #expect(throws: StoreError.accountMissing) {
                try await store.addAll(try [5, 6].map(number), for: account.id, at: base)
            }
            #expect(try await !store.remove(try number(1), for: account.id))
            // A store that hands the deleted account's id out again gives the new account an empty list.
            let next = try await store.createAccount(
                name: AccountName("globex"), apiKey: "k2", hashDigest: HashDigest(of: "h2"), createdAt: base)
            #expect(try await store.page(for: next.id, filter: .none, page: .first).count == 0)
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

    @Test(
        "a batch is checked, added and removed whole, answering for each number in order", arguments: StoreFactory.all)
    func batches(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let listedBefore = try number(7)
            _ = try await store.add(listedBefore, for: account.id, at: base)
            let batch = try [3, 7, 1, 9].map(number)
            #expect(try await store.listed(batch, for: account.id) == [false, true, false, false])
            let later = base.addingTimeInterval(60)
            #expect(try await store.addBatch(batch, for: account.id, at: later) == [true, false, true, true])
            #expect(try await store.listed(batch, for: account.id) == [true, true, true, true])
            // The batch keeps its order among entries of one instant; the earlier entry stays first.
            let page = try await store.page(for: account.id, filter: .none, page: .first)
            #expect(page.numbers == (try [7, 3, 1, 9].map(number)))
            #expect(try await store.removeBatch(try [1, 2, 9].map(number), for: account.id) == [true, false, true])
            #expect(
                try await store.page(for: account.id, filter: .none, page: .first).numbers == (try [7, 3].map(number)))
            #expect(try await store.listed(try [1, 3].map(number), for: account.id) == [false, true])
        }
    }

    @Test("concurrent batch and single writes agree with some serial order", arguments: StoreFactory.all)
    func concurrentBatches(factory: StoreFactory) async throws {
        try await withStore(factory) { store, account in
            let pool = try (0..<300).map(number)
            let at = base
            /// How many times each number was answered as added, and as removed.
            typealias Tally = [PhoneNumber: (added: Int, removed: Int)]
            var tallies: Tally = [:]
            try await withThrowingTaskGroup(of: Tally.self) { group in
                for client in 0..<4 {
                    group.addTask {
                        var tally: Tally = [:]
                        func count(_ numbers: [PhoneNumber], _ outcomes: [Bool], adding: Bool) {
                            #expect(numbers.count == outcomes.count)
                            for (number, changed) in zip(numbers, outcomes) where changed {
                                if adding {
                                    tally[number, default: (0, 0)].added += 1
                                } else {
                                    tally[number, default: (0, 0)].removed += 1
                                }
                            }
                        }
                        var random = SeededGenerator(seed: UInt64(client + 1))
                        for round in 0..<12 {
                            let batch = Array(pool.shuffled(using: &random).prefix(80))
                            switch (client + round) % 3 {
                            case 0: count(batch, try await store.addBatch(batch, for: account.id, at: at), adding: true)
                            case 1: count(batch, try await store.removeBatch(batch, for: account.id), adding: false)
                            default:
                                for number in batch.prefix(10) {
                                    if round.isMultiple(of: 2) {
                                        let added = try await store.add(number, for: account.id, at: at) == .added
                                        count([number], [added], adding: true)
                                    } else {
                                        count(
                                            [number], [try await store.remove(number, for: account.id)], adding: false)
                                    }
                                }
                            }
                        }
                        return tally
                    }
                }
                for try await tally in group {
                    tallies.merge(tally) { ($0.added + $1.added, $0.removed + $1.removed) }
                }
            }
            // In any serial order a number's adds and removes alternate, starting with an add.
            let listed = Set(try await store.page(for: account.id, filter: .none, page: .first).numbers)
            for number in pool {
                let counts = tallies[number] ?? (0, 0)
                #expect(counts.added - counts.removed == (listed.contains(number) ? 1 : 0), "\(number)")
            }
            #expect(try await store.listed(pool, for: account.id) == pool.map(listed.contains))
        }
    }

    @Test("health check passes on an open store", arguments: StoreFactory.all)
    func health(factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ in
            try await store.checkHealth()
        }
    }
}
