import EngelCore
import EngelTestSupport
import Foundation
import SQLiteNIO
import Testing

@testable import EngelStores

/// The SQLite store pages from lists mirrored in memory in chunks, kept up to date by the writer;
/// these tests hold them to the plain sorted list the memory store keeps, on lists long enough to
/// span many chunks, with entries arriving out of time order and removals everywhere, and to what
/// other processes write to the same file.
@Suite("SQLite list mirror")
struct ListMirrorTests: NumberedEntries {
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

        // Many chunks in one bulk add at second 100.
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
        // Read once, so the list is mirrored and the writes below change the mirror in place.
        _ = try await sqlite.page(for: sqliteAccount, filter: .none, page: .first)
        for operation in operations {
            switch operation {
            case .add(let number, let time): _ = try await memory.add(number, for: memoryAccount, at: time)
            case .remove(let number): _ = try await memory.remove(number, for: memoryAccount)
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

        // A reopened store loads the same list from the file.
        let path = sqlite.path
        await sqlite.close()
        let reopened = try await SQLiteStore.open(path: path)
        try await expectSamePages(
            reopened, sqliteAccount, memory, memoryAccount, seconds: seconds, samples: 50, generator: &generator)
        await reopened.close()
    }

    @Test("a mirror follows random adds and removes through chunk splits and merges")
    func mirrorMatchesSortedArray() {
        var generator = SeededGenerator(seed: 7)
        var mirror = ListMirror()
        var model: [ListMirror.Entry] = []
        for step in 0..<30_000 {
            let national = Int64(5_300_000_000 + Int.random(in: 0..<3000, using: &generator))
            // Mostly growing times, some far in the past, as clocks and bulk loads give.
            let addedAt = Int64(step / 4 - (Int.random(in: 0..<10, using: &generator) == 0 ? 5000 : 0))
            if Int.random(in: 0..<5, using: &generator) < 3 {
                let entry = ListMirror.Entry(
                    key: ListMirror.Key(addedAt: addedAt, sequence: Int64(step)), national: national)
                if !model.contains(where: { $0.national == national }) {
                    model.insert(entry, at: model.firstIndex { $0.key > entry.key } ?? model.count)
                }
                mirror.insert(entry)
            } else {
                let position = model.firstIndex { $0.national == national }
                // The writer hands over the deleted row's key; for a number not listed, any key.
                let entry =
                    position.map { model[$0] }
                    ?? ListMirror.Entry(key: ListMirror.Key(addedAt: addedAt, sequence: -1), national: national)
                #expect(mirror.remove(entry) == (position != nil))
                if let position { model.remove(at: position) }
            }
            if step % 1000 == 999 {
                #expect(mirror.entries == model)
                #expect(mirror.count == model.count)
                let lower = Int64(Int.random(in: -6000...8000, using: &generator))
                let page = mirror.page(lower: lower, upper: lower + 2000, offset: 10, limit: 50)
                let matching = model.filter { $0.key.addedAt >= lower && $0.key.addedAt < lower + 2000 }
                #expect(page.count == matching.count)
                #expect(page.numbers == Array(matching.dropFirst(10).prefix(50).map(\.national)))
            }
        }
    }

    @Test("adds at the newest time fill chunks to capacity, as a load does; an add inside a full chunk splits it")
    func fullChunks() throws {
        var inserted = ListMirror()
        var loader = ListMirror.Loader()
        for index in 0..<10_000 {
            let entry = ListMirror.Entry(
                key: ListMirror.Key(addedAt: Int64(index / 3), sequence: Int64(index)),
                national: 5_300_000_000 + Int64(index))
            inserted.insert(entry)
            loader.append(entry)
        }
        var loaded = try #require(loader.finish())
        let full = (10_000 + ListMirror.chunkCapacity - 1) / ListMirror.chunkCapacity
        #expect(inserted.chunkCount == full)
        #expect(loaded.chunkCount == full)
        #expect(inserted.entries == loaded.entries)
        #expect(loaded.count == 10_000 && loaded.contains(5_300_009_999) && !loaded.contains(5_300_010_000))

        let early = ListMirror.Entry(key: ListMirror.Key(addedAt: 10, sequence: -1), national: 5_400_000_000)
        loaded.insert(early)
        #expect(loaded.chunkCount == full + 1)
        #expect(
            loaded.page(lower: nil, upper: nil, offset: 29, limit: 3).numbers == [
                5_300_000_029, 5_400_000_000, 5_300_000_030,
            ])
        #expect(loaded.count == 10_001)
    }

    @Test("a load whose rows come out of key order is put in order")
    func loadSortsStragglers() throws {
        // In key order but for a run listed later at earlier times, one far ahead, and a few late
        // by a little, as writes racing each other are.
        let keys: [Int64] = Array(0..<2000) + Array(-500..<0) + [1_000_000] + Array(2000..<3000) + [2990, 2995]
        var loader = ListMirror.Loader()
        var model = ListMirror()
        for (index, addedAt) in keys.enumerated() {
            let entry = ListMirror.Entry(
                key: ListMirror.Key(addedAt: addedAt, sequence: Int64(index)), national: 5_320_000_000 + Int64(index))
            loader.append(entry)
            model.insert(entry)
        }
        let loaded = try #require(loader.finish())
        #expect(loaded.entries == model.entries)
        #expect(loaded.entries.map(\.key) == loaded.entries.map(\.key).sorted())
        #expect(loaded.count == keys.count)
        let full = (keys.count + ListMirror.chunkCapacity - 1) / ListMirror.chunkCapacity
        #expect(loaded.chunkCount == full)
    }

    @Test("a load with a number twice is refused")
    func loadRefusesRepeats() {
        let entries = (0..<1000).map {
            ListMirror.Entry(
                key: ListMirror.Key(addedAt: Int64($0), sequence: Int64($0)), national: 5_320_000_000 + Int64($0))
        }
        for broken in [entries + [entries[0]], entries.enumerated().map { $0.offset == 600 ? entries[1] : $0.element }]
        {
            var loader = ListMirror.Loader()
            for entry in broken { loader.append(entry) }
            #expect(loader.finish() == nil)
        }
        var renumbered = ListMirror.Loader()
        for (index, entry) in entries.enumerated() {
            renumbered.append(ListMirror.Entry(key: entry.key, national: index == 900 ? 5_320_000_001 : entry.national))
        }
        #expect(renumbered.finish() == nil)
    }

    @Test("a removal finds its entry by the key the file gives, or by its number when the file moved it")
    func removalByKey() {
        var mirror = ListMirror()
        let entries = (0..<2000).map {
            ListMirror.Entry(
                key: ListMirror.Key(addedAt: Int64($0), sequence: Int64($0)), national: 5_320_000_000 + Int64($0))
        }
        for entry in entries { mirror.insert(entry) }
        let removals = [mirror.remove(entries[700]), mirror.remove(entries[700])]
        #expect(removals == [true, false])
        #expect(!mirror.contains(entries[700].national))
        // Another process removed and listed the number again (a new key) before memory noticed.
        let relisted = ListMirror.Entry(
            key: ListMirror.Key(addedAt: 5000, sequence: 5000), national: entries[1500].national)
        #expect(mirror.remove(relisted) == true)
        #expect(mirror.entries == entries.enumerated().filter { ![700, 1500].contains($0.offset) }.map(\.element))
        #expect(mirror.count == 1998)
    }

    @Test("removing a number another process listed again, before memory noticed, removes it")
    func removalAfterOtherWriter() async throws {
        let path = TestDatabases.temporarySQLitePath()
        // The periodic check never runs here, so the removal meets the mirror's old key for the number.
        let server = try await SQLiteStore.open(path: path, otherWritersCheckInterval: .seconds(3600))
        let other = try await SQLiteStore.open(path: path)
        let issued = IssuedCredentials.generate()
        let account = try await server.createAccount(
            name: AccountName("acme"), apiKey: issued.key, hashDigest: issued.hashDigest, createdAt: base)
        _ = try await server.addAll(try (0..<3).map { try number($0) }, for: account.id, at: base)
        #expect(try await server.page(for: account.id, filter: .none, page: .first).count == 3)

        #expect(try await other.remove(try number(1), for: account.id))
        _ = try await other.add(try number(1), for: account.id, at: base.addingTimeInterval(60))
        #expect(try await server.remove(try number(1), for: account.id))
        #expect(
            try await server.page(for: account.id, filter: .none, page: .first)
                == BlacklistPage(numbers: [try number(0), try number(2)], count: 2))
        await other.close()
        await server.close()
    }

    @Test("preparing for serving loads every account's list before the first request")
    func prepareForServing() async throws {
        let path = TestDatabases.temporarySQLitePath()
        let store = try await SQLiteStore.open(path: path)
        for (index, name) in ["acme", "beta"].enumerated() {
            let issued = IssuedCredentials.generate()
            let account = try await store.createAccount(
                name: AccountName(name), apiKey: issued.key, hashDigest: issued.hashDigest, createdAt: base)
            _ = try await store.addAll(
                try (0..<(index + 1) * 1000).map { try number(index * 10_000 + $0) }, for: account.id, at: base)
        }
        await store.close()
        let reopened = try await SQLiteStore.open(path: path)
        let report = try await reopened.prepareForServing()
        #expect(report == "loaded 2 lists (3000 numbers) into memory")
        #expect(try await reopened.page(for: 2, filter: .none, page: .first).count == 2000)
        await reopened.close()
    }

    @Test("what another process writes to the file reaches memory within the check interval")
    func otherWriters() async throws {
        let path = TestDatabases.temporarySQLitePath()
        let server = try await SQLiteStore.open(path: path, otherWritersCheckInterval: .milliseconds(50))
        let other = try await SQLiteStore.open(path: path)
        let issued = IssuedCredentials.generate()
        let account = try await other.createAccount(
            name: AccountName("acme"), apiKey: issued.key, hashDigest: issued.hashDigest, createdAt: base)
        // A refusal is checked against the file, so a brand-new account is never refused.
        #expect(try await server.currentAccount(withKey: issued.key)?.id == account.id)
        _ = try await server.add(try number(1), for: account.id, at: base)
        #expect(try await server.page(for: account.id, filter: .none, page: .first).count == 1)

        _ = try await other.add(try number(2), for: account.id, at: base.addingTimeInterval(1))
        #expect(try await other.remove(try number(1), for: account.id))
        #expect(try await other.setAPIAccess(false, forAccountNamed: AccountName("acme")))
        var page = try await server.page(for: account.id, filter: .none, page: .first)
        for _ in 0..<100 where page.numbers != [try number(2)] {
            try await Task.sleep(for: .milliseconds(20))
            page = try await server.page(for: account.id, filter: .none, page: .first)
        }
        #expect(page == BlacklistPage(numbers: [try number(2)], count: 1))
        #expect(try await server.account(withKey: issued.key)?.apiEnabled == false)
        #expect(try await server.contains(try number(2), for: account.id))
        await other.close()
        await server.close()
    }

    @Test("migrating a version-2 database drops the position directory and keeps the list")
    func directoryRemoval() async throws {
        let path = TestDatabases.temporarySQLitePath()
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threadPool, on: MultiThreadedEventLoopGroup.singleton.any())
        for statement in SQLiteSchema.migrations[0] + SQLiteSchema.migrations[1] {
            _ = try await connection.query(statement)
        }
        // What the directory of the first version 2 left behind, in miniature.
        for statement in [
            "CREATE TABLE blacklist_sizes (account_id INTEGER PRIMARY KEY, size INTEGER NOT NULL)",
            "CREATE TABLE blacklist_chunks (account_id INTEGER NOT NULL, ordinal INTEGER NOT NULL)",
            "CREATE TABLE blacklist_chunk_groups (account_id INTEGER NOT NULL, grp INTEGER NOT NULL)",
            """
            CREATE TRIGGER blacklist_count_on_insert AFTER INSERT ON blacklist BEGIN
                INSERT INTO blacklist_sizes (account_id, size) VALUES (NEW.account_id, 1)
                ON CONFLICT (account_id) DO UPDATE SET size = size + 1;
            END
            """,
            """
            CREATE TRIGGER blacklist_count_on_delete AFTER DELETE ON blacklist BEGIN
                UPDATE blacklist_sizes SET size = size - 1 WHERE account_id = OLD.account_id;
            END
            """,
        ] {
            _ = try await connection.query(statement)
        }
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
        _ = try await connection.query("PRAGMA user_version = 2")
        try await connection.close()

        let store = try await SQLiteStore.open(path: path)
        #expect(store.schemaMigration == SchemaMigration(fromVersion: 2, toVersion: SQLiteSchema.migrations.count))
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
        #expect(try await store.remove(try number(0), for: 1))
        #expect(try await store.page(for: 1, filter: .none, page: .first).count == 2999)
        await store.close()

        let check = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threadPool, on: MultiThreadedEventLoopGroup.singleton.any())
        let leftovers = try await check.query(
            "SELECT name FROM sqlite_master WHERE name LIKE 'blacklist_chunk%' OR name LIKE 'blacklist_size%' "
                + "OR name LIKE 'blacklist_count%'")
        #expect(leftovers.isEmpty)
        try await check.close()
        try await threadPool.shutdownGracefully()
    }
}
