import EngelCore
import EngelTestSupport
import Foundation
import SQLiteNIO
import Testing

@testable import EngelStores

/// The SQLite store pages through a count directory (chunks, groups, totals kept by triggers);
/// these tests hold it to the plain list the memory store keeps, on lists long enough to span
/// several groups of chunks, with entries arriving out of time order and removals everywhere.
@Suite("SQLite paging directory")
struct PagingDirectoryTests {
    let parser = PhoneNumberParser()
    let base = Date(timeIntervalSince1970: 1_775_000_000)

    func number(_ index: Int) throws -> PhoneNumber {
        try parser.parse("53\(String(format: "%08d", index))")
    }

    func expectSamePages(
        _ sqlite: SQLiteStore, _ sqliteAccount: Account.ID, _ memory: MemoryStore, _ memoryAccount: Account.ID,
        seconds: Int, samples: Int, generator: inout SeededGenerator
    ) async throws {
        for _ in 0..<samples {
            let start = Int.random(in: -5...seconds + 5, using: &generator)
            let end = Int.random(in: start...seconds + 10, using: &generator)
            let filter: DateFilter
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: filter = .none
            case 1: filter = DateFilter(start: base.addingTimeInterval(Double(start)), end: nil)
            case 2: filter = DateFilter(start: nil, end: base.addingTimeInterval(Double(end)))
            default:
                filter = DateFilter(
                    start: base.addingTimeInterval(Double(start)), end: base.addingTimeInterval(Double(end)))
            }
            let rowCount = [1, 7, 100, 1000].randomElement(using: &generator) ?? 100
            let total = await memory.page(for: memoryAccount, filter: filter, page: .first).count
            let lastPage = max(1, (total + rowCount - 1) / rowCount)
            let page = try PageRequest(
                page: Bool.random(using: &generator) ? Int.random(in: 1...lastPage + 1, using: &generator) : lastPage,
                rowCount: rowCount)
            let expected = await memory.page(for: memoryAccount, filter: filter, page: page)
            let actual = try await sqlite.page(for: sqliteAccount, filter: filter, page: page)
            #expect(actual == expected, "filter \(filter), page \(page.page) of \(rowCount)")
            if actual != expected { return }
        }
    }

    @Test("pages and counts match a plain list across many chunks, out-of-order times and removals")
    func matchesModel() async throws {
        let sqlite = try await SQLiteStore.open(path: TestDatabases.temporarySQLitePath())
        let memory = MemoryStore()
        let issued = IssuedCredentials.generate()
        let name = try AccountName("acme")
        let sqliteAccount = try await sqlite.createAccount(
            name: name, apiKey: issued.key, hashDigest: issued.hashDigest, createdAt: base
        ).id
        let memoryAccount = try await memory.createAccount(
            name: name, apiKey: issued.key, hashDigest: issued.hashDigest, createdAt: base
        ).id
        var generator = SeededGenerator(seed: 42)
        let seconds = 400

        // Several groups of chunks (64 × 256 entries each) in one bulk add at second 100.
        let bulk = try (0..<40_000).map { try number($0 * 3) }
        let bulkTime = base.addingTimeInterval(100)
        #expect(try await sqlite.addAll(bulk, for: sqliteAccount, at: bulkTime) == bulk.count)
        #expect(try await memory.addAll(bulk, for: memoryAccount, at: bulkTime) == bulk.count)

        // Single adds at times before, inside and after the bulk, and removals anywhere. Every
        // operation touches its own number and every add has its own microsecond, so the outcome
        // does not depend on the order the concurrent writes commit in.
        enum Operation: Sendable {
            case add(PhoneNumber, Date)
            case remove(PhoneNumber)
        }
        var victims = Array(bulk.shuffled(using: &generator).prefix(1000))
        var operations: [Operation] = []
        for step in 0..<3000 {
            if step % 3 == 0, let victim = victims.popLast() {
                operations.append(.remove(victim))
            } else {
                let second = Double(Int.random(in: 0...seconds, using: &generator))
                let time = base.addingTimeInterval(second + Double(step) / 1_000_000)
                operations.append(.add(try number(300_000 + step), time))
            }
        }
        for operation in operations {
            switch operation {
            case .add(let number, let time): _ = await memory.add(number, for: memoryAccount, at: time)
            case .remove(let number): _ = await memory.remove(number, for: memoryAccount)
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, operation) in operations.enumerated() {
                if index >= 64 { try await group.next() }
                group.addTask {
                    switch operation {
                    case .add(let number, let time): _ = try await sqlite.add(number, for: sqliteAccount, at: time)
                    case .remove(let number): _ = try await sqlite.remove(number, for: sqliteAccount)
                    }
                }
            }
            try await group.waitForAll()
        }
        try await expectSamePages(
            sqlite, sqliteAccount, memory, memoryAccount, seconds: seconds, samples: 300, generator: &generator)

        // The directory is on disk with the list: a reopened store pages the same.
        let path = sqlite.path
        await sqlite.close()
        let reopened = try await SQLiteStore.open(path: path)
        try await expectSamePages(
            reopened, sqliteAccount, memory, memoryAccount, seconds: seconds, samples: 50, generator: &generator)
        await reopened.close()
    }

    @Test("migrating a version-1 database builds the directory from the list already there")
    func backfill() async throws {
        let path = TestDatabases.temporarySQLitePath()
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threadPool, on: MultiThreadedEventLoopGroup.singleton.any())
        for statement in SQLiteSchema.migrations[0] { _ = try await connection.query(statement) }
        _ = try await connection.query(
            "INSERT INTO accounts (name, api_key, hash_digest, api_enabled, created_at) VALUES ('acme', 'k', ?, 1, 0)",
            [.text(String(repeating: "0", count: 64))])
        // 3000 entries, the later half at earlier times, so key order differs from insertion order.
        _ = try await connection.query("BEGIN")
        for index in 0..<3000 {
            let second = index < 1500 ? 200 + index : index - 1500
            _ = try await connection.query(
                "INSERT INTO blacklist (account_id, number, added_at) VALUES (1, ?, ?)",
                [
                    .int64(try number(index).national),
                    .int64(base.addingTimeInterval(Double(second)).microsecondsSince1970),
                ])
        }
        _ = try await connection.query("COMMIT")
        _ = try await connection.query("PRAGMA user_version = 1")
        try await connection.close()
        try await threadPool.shutdownGracefully()

        let store = try await SQLiteStore.open(path: path)
        #expect(store.schemaMigration == SchemaMigration(fromVersion: 1, toVersion: SQLiteSchema.migrations.count))
        let all = try await store.page(for: 1, filter: .none, page: PageRequest(page: 1, rowCount: 1000))
        #expect(all.count == 3000)
        #expect(all.numbers.first == (try number(1500)))
        let deep = try await store.page(for: 1, filter: .none, page: PageRequest(page: 3, rowCount: 1000))
        #expect(deep.numbers.last == (try number(1499)))
        let filtered = try await store.page(
            for: 1, filter: DateFilter(start: base.addingTimeInterval(1400), end: base.addingTimeInterval(1799)),
            page: PageRequest(page: 2, rowCount: 100))
        #expect(filtered.count == 400)
        #expect(filtered.numbers.first == (try number(1250)))
        await store.close()
    }
}
