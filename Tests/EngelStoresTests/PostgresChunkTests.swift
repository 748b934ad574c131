import EngelCore
import EngelStores
import EngelTestSupport
import Foundation
import Testing

/// PostgreSQL finds deep and date-filtered pages through per-list chunks of entries with their
/// sizes. These tests use chunks of a few entries, so every page crosses chunks that are split and
/// merged between the writes, and compare each answer with the memory store's.
@Suite(
    "PostgreSQL list chunks",
    .enabled(if: TestDatabases.postgresServer != nil, TestDatabases.postgresSkipReason))
struct PostgresChunkTests: NumberedEntries {
    func withStores(
        _ body: (PostgresStore, Account, MemoryStore, Account) async throws -> Void
    ) async throws {
        let server = try #require(TestDatabases.postgresServer)
        // Balancing runs only when a test asks for it (and after bulk adds), so each run of a test
        // balances at the same points.
        let store = try await PostgresStore.open(
            TestDatabases.makePostgresDatabase(on: server), operationTimeout: .seconds(60), chunkTarget: 3,
            balanceInterval: .seconds(3600))
        let model = MemoryStore()
        let issued = IssuedCredentials.generate()
        let name = try AccountName("acme")
        do {
            // Another list first, so the list under test does not have the first account id, and
            // stray counts in the wrong list would show.
            let other = try await store.createAccount(
                name: AccountName("other"), apiKey: IssuedCredentials.generate().key,
                hashDigest: issued.hashDigest, createdAt: base)
            _ = try await store.addAll((0..<10).map { try number(90_000 + $0) }, for: other.id, at: base)
            let account = try await store.createAccount(
                name: name, apiKey: issued.key, hashDigest: issued.hashDigest, createdAt: base)
            let modelAccount = try await model.createAccount(
                name: name, apiKey: issued.key, hashDigest: issued.hashDigest, createdAt: base)
            try await body(store, account, model, modelAccount)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    /// Every page of `rowCount` entries under `filter`, one past the end included, from both stores.
    func expectSamePages(
        _ store: PostgresStore, _ account: Account, _ model: MemoryStore, _ modelAccount: Account,
        filter: DateFilter, rowCount: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let expectedCount = await model.page(for: modelAccount.id, filter: filter, page: .first).count
        let pages = expectedCount / rowCount + 2
        for pageNumber in 1...pages {
            let request = try PageRequest(page: pageNumber, rowCount: rowCount)
            let expected = await model.page(for: modelAccount.id, filter: filter, page: request)
            let found = try await store.page(for: account.id, filter: filter, page: request)
            #expect(
                found == expected, "page \(pageNumber) of \(rowCount) under \(filter)", sourceLocation: sourceLocation)
        }
    }

    func filters(_ generator: inout SeededGenerator, upTo seconds: Int) -> [DateFilter] {
        let at = { (second: Int) in base.addingTimeInterval(Double(second)) }
        var filters: [DateFilter] = [.none]
        for _ in 0..<3 {
            let start = Int.random(in: 0...seconds, using: &generator)
            let end = Int.random(in: start...seconds, using: &generator)
            filters += [
                DateFilter(start: at(start), end: at(end)), DateFilter(start: at(start), end: nil),
                DateFilter(start: nil, end: at(end)),
            ]
        }
        filters.append(DateFilter(start: at(seconds), end: at(0)))
        return filters
    }

    @Test("pages match the memory store's while writes land in every chunk and chunks split and merge")
    func randomHistory() async throws {
        var generator = SeededGenerator(seed: 0x656e_6765_6c05)
        try await withStores { store, account, model, modelAccount in
            var listed: [PhoneNumber] = []
            var nextNumber = 0
            let span = 40
            for round in 0..<30 {
                // Times go back as well as forward, so entries land inside earlier chunks too.
                let second = Int.random(in: 0...span, using: &generator)
                let at = base.addingTimeInterval(Double(second))
                switch Int.random(in: 0..<4, using: &generator) {
                case 0:
                    let fresh = try (0..<Int.random(in: 0...12, using: &generator)).map { _ in
                        nextNumber += 1
                        return try number(nextNumber)
                    }
                    let batch = fresh + listed.shuffled(using: &generator).prefix(2)
                    let added = try await store.addAll(batch, for: account.id, at: at)
                    #expect(try await model.addAll(batch, for: modelAccount.id, at: at) == added)
                    listed += fresh
                case 1:
                    nextNumber += 1
                    let fresh = try number(nextNumber)
                    #expect(try await store.add(fresh, for: account.id, at: at) == .added)
                    _ = try await model.add(fresh, for: modelAccount.id, at: at)
                    listed.append(fresh)
                default:
                    for _ in 0..<Int.random(in: 1...4, using: &generator) where !listed.isEmpty {
                        let gone = listed.remove(at: Int.random(in: 0..<listed.count, using: &generator))
                        #expect(try await store.remove(gone, for: account.id))
                        _ = try await model.remove(gone, for: modelAccount.id)
                    }
                }
                if Bool.random(using: &generator) { try await store.balanceLists() }
                if round % 5 == 4 {
                    for filter in filters(&generator, upTo: span) {
                        try await expectSamePages(
                            store, account, model, modelAccount, filter: filter,
                            rowCount: Int.random(in: 1...5, using: &generator))
                    }
                }
            }
        }
    }

    @Test("concurrent writers and balancing leave every entry counted in its chunk")
    func concurrentWritersAndBalancing() async throws {
        try await withStores { store, account, _, _ in
            let writers = 4
            let perWriter = 60
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for index in 0..<perWriter {
                            let listed = try number(writer * 1000 + index)
                            let at = base.addingTimeInterval(Double(index % 7))
                            _ = try await store.add(listed, for: account.id, at: at)
                            if index.isMultiple(of: 3) { _ = try await store.remove(listed, for: account.id) }
                        }
                    }
                }
                group.addTask {
                    for _ in 0..<40 { try await store.balanceLists() }
                }
                try await group.waitForAll()
            }
            try await store.balanceLists()
            // Concurrent insertion order is whatever PostgreSQL made it, so the entries are
            // compared as sets, whole and for each second.
            let everything = try await store.page(for: account.id, filter: .none, page: .first)
            #expect(everything.count == writers * (perWriter - perWriter / 3))
            var collected: [PhoneNumber] = []
            for pageNumber in 1...(everything.count / 7 + 1) {
                collected += try await store.page(
                    for: account.id, filter: .none, page: PageRequest(page: pageNumber, rowCount: 7)
                ).numbers
            }
            #expect(collected.count == everything.count)
            #expect(Set(collected).count == collected.count)
            for second in 0..<7 {
                let filter = DateFilter(
                    start: base.addingTimeInterval(Double(second)), end: base.addingTimeInterval(Double(second)))
                let expected = Set(
                    try (0..<writers).flatMap { writer in
                        try stride(from: second, to: perWriter, by: 7).filter { !$0.isMultiple(of: 3) }
                            .map { try number(writer * 1000 + $0) }
                    })
                var inFilter: [PhoneNumber] = []
                var pageNumber = 1
                while true {
                    let page = try await store.page(
                        for: account.id, filter: filter, page: PageRequest(page: pageNumber, rowCount: 4))
                    #expect(page.count == expected.count)
                    if page.numbers.isEmpty { break }
                    inFilter += page.numbers
                    pageNumber += 1
                }
                #expect(Set(inFilter) == expected)
                #expect(inFilter.count == expected.count)
            }
        }
    }
}
