import EngelCore
import EngelTestSupport
import Foundation
import SQLiteNIO
import Testing

@testable import EngelStores

/// What the SQLite store adds to the change-log contract: memory keeps each block's end and no
/// more, and every change and its record reach the file together, whatever moment a crash picks.
@Suite("SQLite change log")
struct SQLiteChangeLogTests: NumberedEntries {
    /// The list the change log describes: its records replayed from the start.
    func replayed(_ store: SQLiteStore, _ account: Account.ID) async throws -> Set<PhoneNumber> {
        var listed = Set<PhoneNumber>()
        var after: Int64 = 0
        while true {
            let page = try await store.changes(for: account, after: after, limit: 1000)
            for record in page.changes {
                switch record.action {
                case .add: listed.insert(record.number)
                case .remove: listed.remove(record.number)
                }
            }
            guard page.next > after else { return listed }
            after = page.next
        }
    }

    @Test("a batch's new numbers are read back from the JSON array SQLite writes, and nothing else")
    func integersInJSONArray() {
        #expect(SQLiteWriter.integers(inJSONArray: "[]") == [])
        #expect(SQLiteWriter.integers(inJSONArray: "[905320000000,5,-7]") == [905_320_000_000, 5, -7])
        #expect(SQLiteWriter.integers(inJSONArray: "[9223372036854775807]") == [Int64.max])
        for broken in [
            "", "[", "[1,]", "[,1]", "[1", "[1]x", "[1.5]", "[\"1\"]", "[1 ,2]", "[-]", "[99999999999999999999]",
        ] {
            #expect(SQLiteWriter.integers(inJSONArray: broken) == nil, "\(broken)")
        }
    }

    func everyEntry(_ store: SQLiteStore, _ account: Account.ID) async throws -> [PhoneNumber] {
        var numbers: [PhoneNumber] = []
        var page = 1
        while true {
            let found = try await store.page(for: account, filter: .none, page: PageRequest(page: page, rowCount: 1000))
            numbers += found.numbers
            guard numbers.count < found.count, !found.numbers.isEmpty else { return numbers }
            page += 1
        }
    }

    @Test("the mirror keeps an end only for blocks that have one, and checks are exact at any time")
    func mirrorEnds() {
        var mirror = ListMirror()
        let key = { (index: Int64) in ListMirror.Key(addedAt: index, sequence: index) }
        mirror.insert(ListMirror.Entry(key: key(1), national: 5_320_000_001))
        mirror.insert(ListMirror.Entry(key: key(2), national: 5_320_000_002), until: 100)
        #expect(mirror.untils == [5_320_000_002: 100])
        #expect(mirror.contains(5_320_000_001, at: .max))
        #expect(mirror.contains(5_320_000_002, at: 99))
        #expect(!mirror.contains(5_320_000_002, at: 100))
        // Until the expiry removes it, the entry still counts in pages.
        #expect(mirror.contains(5_320_000_002))
        mirror.setUntil(200, of: 5_320_000_002)
        #expect(mirror.contains(5_320_000_002, at: 150))
        mirror.setUntil(nil, of: 5_320_000_002)
        #expect(mirror.untils.isEmpty)
        mirror.setUntil(300, of: 5_320_000_003)
        #expect(mirror.untils.isEmpty, "an end for a number not listed is not kept")
        mirror.setUntil(300, of: 5_320_000_001)
        mirror.remove(ListMirror.Entry(key: key(1), national: 5_320_000_001))
        #expect(mirror.untils.isEmpty, "a removal takes the end with it")

        var loader = ListMirror.Loader()
        loader.append(ListMirror.Entry(key: key(1), national: 5_320_000_001))
        #expect(loader.finish(untils: [5_320_000_009: 5]) == nil, "an end without its entry is refused")
    }

    @Test("ends survive a reload, and the store's checks, adds and expiry follow them")
    func endsInStore() async throws {
        let path = TestDatabases.temporarySQLitePath()
        let store = try await SQLiteStore.open(path: path)
        let account = try await store.createAccount(
            name: AccountName("acme"), apiKey: "k", hashDigest: HashDigest(of: "h"), createdAt: base)
        let ends = Provenance(source: .api, actor: .api, reason: "30 days", until: base.addingTimeInterval(100))
        #expect(try await store.add(number(1), for: account.id, at: base, provenance: ends) == .added)
        #expect(try await store.add(number(2), for: account.id, at: base) == .added)
        await store.close()

        let reopened = try await SQLiteStore.open(path: path)
        _ = try await reopened.prepareForServing()
        #expect(
            try await reopened.listed([number(1), number(2)], for: account.id, at: base.addingTimeInterval(99))
                == [true, true])
        #expect(
            try await reopened.listed([number(1), number(2)], for: account.id, at: base.addingTimeInterval(100))
                == [false, true])
        // A re-add moves the end once the mirror is loaded from the file.
        let later = Provenance(source: .api, actor: .api, until: base.addingTimeInterval(500))
        #expect(
            try await reopened.add(number(1), for: account.id, at: base.addingTimeInterval(50), provenance: later)
                == .alreadyListed)
        #expect(try await reopened.contains(number(1), for: account.id, at: base.addingTimeInterval(400)))
        let entry = try #require(
            try await reopened.listedEntries([number(1)], for: account.id, at: base.addingTimeInterval(400)).first
                ?? nil)
        #expect(entry.reason == "30 days")
        #expect(entry.until == base.addingTimeInterval(500))
        #expect(try await reopened.expire(through: base.addingTimeInterval(500)) == 1)
        #expect(try await everyEntry(reopened, account.id) == [try number(2)])
        let log = try await reopened.changes(for: account.id, after: 0, limit: 10).changes
        #expect(log.map(\.action) == [.add, .add, .add, .remove])
        #expect(log.last?.source == .expiry)
        #expect(log.last?.at == base.addingTimeInterval(500))
        await reopened.close()
    }

    /// A record without its seq, which two stores hand out differently.
    struct Unnumbered: Hashable {
        let number: PhoneNumber
        let at: Date
        let action: ChangeAction
        let source: ChangeSource
        let reason: String?
        let until: Date?
        let actor: ChangeActor

        init(_ record: ChangeRecord) {
            (number, at, action, source, reason, until, actor) = (
                record.number, record.at, record.action, record.source, record.reason, record.until, record.actor
            )
        }
    }

    /// The account's records in order, without their seqs.
    func history(_ store: some BlacklistStore, _ account: Account.ID) async throws -> [Unnumbered] {
        let records = try await store.changes(for: account, after: 0, limit: 100_000).changes
        #expect(zip(records, records.dropFirst()).allSatisfy { $0.seq < $1.seq })
        return records.map(Unnumbered.init)
    }

    @Test("random adds, removes, batches, ends and expiries answer and record as the memory store does")
    func sameAsMemory() async throws {
        let memory = MemoryStore()
        let sqlite = try await SQLiteStore.open(path: TestDatabases.temporarySQLitePath())
        let name = try AccountName("acme")
        let one = try await memory.createAccount(
            name: name, apiKey: "k", hashDigest: HashDigest(of: "h"), createdAt: base)
        let other = try await sqlite.createAccount(
            name: name, apiKey: "k", hashDigest: HashDigest(of: "h"), createdAt: base)
        #expect(one.id == other.id)
        let account = one.id
        var generator = SeededGenerator(seed: 17)
        let reasons: [String?] = [nil, "asked", "complaint"]
        for step in 0..<600 {
            let at = base.addingTimeInterval(Double(step))
            let index = Int.random(in: 0..<40, using: &generator)
            let until: Date? =
                Bool.random(using: &generator)
                ? nil : at.addingTimeInterval(Double(Int.random(in: 1...60, using: &generator)))
            let provenance = Provenance(
                source: .api, actor: .panel(user: "ayse"), reason: reasons.randomElement(using: &generator) ?? nil,
                until: until)
            switch Int.random(in: 0..<8, using: &generator) {
            case 0, 1:
                let number = try number(index)
                let expected = try await memory.add(number, for: account, at: at, provenance: provenance)
                #expect(
                    try await sqlite.add(number, for: account, at: at, provenance: provenance) == expected,
                    "step \(step)")
            case 2:
                let number = try number(index)
                let expected = await memory.remove(number, for: account, at: at, provenance: provenance)
                #expect(
                    try await sqlite.remove(number, for: account, at: at, provenance: provenance) == expected,
                    "step \(step)")
            case 3:
                let numbers = try (index..<index + 8).map { try number($0) }
                let expected = try await memory.addBatch(numbers, for: account, at: at, provenance: provenance)
                #expect(
                    try await sqlite.addBatch(numbers, for: account, at: at, provenance: provenance) == expected,
                    "step \(step)")
            case 4:
                let numbers = try (index..<index + 8).map { try number($0) }
                let expected = await memory.removeBatch(numbers, for: account, at: at, provenance: provenance)
                #expect(
                    try await sqlite.removeBatch(numbers, for: account, at: at, provenance: provenance) == expected,
                    "step \(step)")
            case 5:
                let expected = await memory.expire(through: at)
                #expect(try await sqlite.expire(through: at) == expected, "step \(step)")
            case 6:
                let numbers = try (0..<48).map { try number($0) }
                let expected = await memory.listedEntries(numbers, for: account, at: at)
                #expect(try await sqlite.listedEntries(numbers, for: account, at: at) == expected, "step \(step)")
                #expect(try await sqlite.listed(numbers, for: account, at: at) == expected.map { $0 != nil })
            default:
                let page = try PageRequest(page: Int.random(in: 1...3, using: &generator), rowCount: 10)
                let expected = await memory.entries(for: account, filter: .none, page: page)
                let found = try await sqlite.entries(for: account, filter: .none, page: page)
                #expect(found.entries == expected.entries, "step \(step)")
                #expect(found.count == expected.count, "step \(step)")
            }
        }
        #expect(try await history(sqlite, account) == (try await history(memory, account)))
        #expect(
            try await sqlite.entries(for: account, filter: .none, page: .first).entries
                == (await memory.entries(for: account, filter: .none, page: .first).entries))
        await sqlite.close()
    }

    @Test("adds queued with an account's deletion leave no rows behind for a later account with its id")
    func deletionAmongQueuedAdds() async throws {
        let path = TestDatabases.temporarySQLitePath()
        defer { TestDatabases.removeTemporarySQLite(at: path) }
        let store = try await SQLiteStore.open(path: path)
        for round in 0..<5 {
            let name = try AccountName("acme\(round)")
            let account = try await store.createAccount(
                name: name, apiKey: "k\(round)", hashDigest: HashDigest(of: "h"), createdAt: base)
            // Adds queued before and after the deletion: the writer takes them in its groups with it.
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        _ = try? await store.add(try number(round * 1000 + index), for: account.id, at: base)
                    }
                    if index == 100 {
                        group.addTask { _ = try? await store.deleteAccount(named: name, audit: .cliNow) }
                    }
                }
            }
            #expect(try await store.account(named: name) == nil)
            // SQLite hands the deleted account's id out again to the next account.
            let next = try await store.createAccount(
                name: AccountName("next\(round)"), apiKey: "n\(round)", hashDigest: HashDigest(of: "h"),
                createdAt: base)
            #expect(next.id == account.id)
            #expect(try await store.page(for: next.id, filter: .none, page: .first).count == 0)
            #expect(try await store.changes(for: next.id, after: 0, limit: 10).changes.isEmpty)
            #expect(try await store.deleteAccount(named: next.name, audit: .cliNow))
        }
        await store.close()
        // The file agrees once memory is gone.
        let reopened = try await SQLiteStore.open(path: path)
        let last = try await reopened.createAccount(
            name: AccountName("last"), apiKey: "l", hashDigest: HashDigest(of: "h"), createdAt: base)
        #expect(try await reopened.page(for: last.id, filter: .none, page: .first).count == 0)
        await reopened.close()
    }

    @Test("copies of the file taken at any moment of concurrent writes replay to their list exactly")
    func crashCopies() async throws {
        let path = TestDatabases.temporarySQLitePath()
        // No checkpoint while the copies are taken: the database file stays as opened, and each
        // copy of the log is what a crash at that moment would leave.
        let store = try await SQLiteStore.open(path: path, checkpointInterval: .seconds(3600))
        let account = try await store.createAccount(
            name: AccountName("acme"), apiKey: "k", hashDigest: HashDigest(of: "h"), createdAt: base)
        let writing = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var generator = SeededGenerator(seed: UInt64(worker + 1))
                        for step in 0..<150 {
                            let index = Int.random(in: 0..<300, using: &generator)
                            let at = base.addingTimeInterval(Double(step))
                            switch Int.random(in: 0..<5, using: &generator) {
                            case 0:
                                _ = try await store.remove(try number(index), for: account.id, at: at, provenance: .api)
                            case 1:
                                let until = base.addingTimeInterval(Double(Int.random(in: 1...400, using: &generator)))
                                _ = try await store.add(
                                    try number(index), for: account.id, at: at,
                                    provenance: Provenance(source: .api, actor: .api, until: until))
                            case 2:
                                _ = try await store.addBatch(
                                    (index..<index + 20).map { try number($0) }, for: account.id, at: at)
                            case 3:
                                _ = try await store.removeBatch(
                                    (index..<index + 10).map { try number($0) }, for: account.id, at: at,
                                    provenance: .api)
                            default:
                                _ = try await store.add(try number(index), for: account.id, at: at)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        var copies: [String] = []
        for copy in 0..<6 {
            try await Task.sleep(for: .milliseconds(40))
            let target = TestDatabases.temporarySQLitePath()
            try FileManager.default.createDirectory(
                atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: path, toPath: target)
            if FileManager.default.fileExists(atPath: path + "-wal") {
                try FileManager.default.copyItem(atPath: path + "-wal", toPath: target + "-wal")
            }
            copies.append(target)
            _ = copy
        }
        try await writing.value
        await store.close()
        for copy in copies + [path] {
            let opened = try await SQLiteStore.open(path: copy)
            let replay = try await replayed(opened, account.id)
            let entries = try await everyEntry(opened, account.id)
            #expect(Set(entries) == replay, "\(copy)")
            #expect(entries.count == Set(entries).count)
            await opened.close()
        }
    }
}
