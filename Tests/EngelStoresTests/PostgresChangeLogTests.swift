import EngelCore
import EngelStores
import EngelTestSupport
import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing

/// The change log on PostgreSQL with several servers on one database: each server is a store with
/// its own connection pool, as separate processes would be.
@Suite(
    "PostgreSQL change log across servers",
    .enabled(if: TestDatabases.postgresServer != nil, TestDatabases.postgresSkipReason))
struct PostgresChangeLogTests: NumberedEntries {
    /// `count` stores on one new database, and an account made through the first.
    func withServers(
        _ count: Int, _ body: ([PostgresStore], Account, PostgresLocation) async throws -> Void
    ) async throws {
        let server = try #require(TestDatabases.postgresServer)
        let database = try await TestDatabases.makePostgresDatabase(on: server)
        var stores: [PostgresStore] = []
        do {
            for _ in 0..<count {
                // Small chunks balanced often, so the writes also cross the chunk bookkeeping.
                stores.append(
                    try await PostgresStore.open(
                        database, maximumConnections: 4, operationTimeout: .seconds(60), chunkTarget: 4,
                        balanceInterval: .milliseconds(20)))
            }
            let issued = IssuedCredentials.generate()
            let account = try await stores[0].createAccount(
                name: AccountName("acme"), apiKey: issued.key, hashDigest: issued.hashDigest, createdAt: base)
            try await body(stores, account, database)
        } catch {
            for store in stores { await store.close() }
            throw error
        }
        for store in stores { await store.close() }
    }

    /// `records` applied in order to an empty list: number to its block's end (`nil`: forever).
    func replayed(_ records: [ChangeRecord], onto start: [PhoneNumber: Date?] = [:]) -> [PhoneNumber: Date?] {
        var list = start
        for record in records {
            switch record.action {
            case .add: list[record.number] = .some(record.until)
            case .remove: list[record.number] = nil
            }
        }
        return list
    }

    /// The whole list as number to block end, through `entries` pages of 50.
    func snapshot(_ store: PostgresStore, _ account: Account) async throws -> (list: [PhoneNumber: Date?], seq: Int64) {
        var list: [PhoneNumber: Date?] = [:]
        var seq: Int64?
        var pageNumber = 1
        while true {
            let page = try await store.entries(
                for: account.id, filter: .none, page: PageRequest(page: pageNumber, rowCount: 50))
            // Every page of one walk must be read at one position, or the walk is not a snapshot.
            if let seq, seq != page.seq { throw SnapshotMoved() }
            seq = page.seq
            for entry in page.entries { list[entry.number] = .some(entry.until) }
            if page.entries.count < 50 { return (list, page.seq) }
            pageNumber += 1
        }
    }

    struct SnapshotMoved: Error {}

    @Test("a follower never sees a change at or below an answered next, with writers on three servers")
    func feedPromiseAcrossServers() async throws {
        try await withServers(3) { stores, account, _ in
            let pool = try (0..<40).map { try number($0) }
            let writersDone = ManagedFlag()
            try await withThrowingTaskGroup(of: [ChangeRecord].self) { group in
                for (index, store) in stores.enumerated() {
                    for writer in 0..<2 {
                        group.addTask {
                            var generator = SeededGenerator(seed: UInt64(index * 10 + writer + 1))
                            for step in 0..<120 {
                                let at = base.addingTimeInterval(Double(step))
                                let picked = pool[Int.random(in: 0..<pool.count, using: &generator)]
                                let until =
                                    Bool.random(using: &generator)
                                    ? nil : at.addingTimeInterval(Double(Int.random(in: 1...500, using: &generator)))
                                let provenance = Provenance(source: .api, actor: .api, reason: "r\(step)", until: until)
                                switch Int.random(in: 0..<4, using: &generator) {
                                case 0: _ = try await store.add(picked, for: account.id, at: at, provenance: provenance)
                                case 1:
                                    _ = try await store.remove(picked, for: account.id, at: at, provenance: provenance)
                                case 2:
                                    let batch = Array(Set((0..<5).map { _ in pool.randomElement(using: &generator)! }))
                                    _ = try await store.addBatch(batch, for: account.id, at: at, provenance: provenance)
                                default:
                                    let batch = Array(Set((0..<5).map { _ in pool.randomElement(using: &generator)! }))
                                    _ = try await store.removeBatch(
                                        batch, for: account.id, at: at, provenance: provenance)
                                }
                            }
                            return []
                        }
                    }
                }
                // A server that sweeps expiries while the others write, as each server does.
                group.addTask {
                    for step in 0..<60 {
                        _ = try await stores[2].expire(through: base.addingTimeInterval(Double(step * 2)))
                    }
                    return []
                }
                // The follower, on a server of its own pool.
                group.addTask {
                    var followed: [ChangeRecord] = []
                    var next: Int64 = 0
                    var quietRounds = 0
                    while quietRounds < 3 {
                        let writing = !writersDone.isSet
                        let page = try await stores[1].changes(for: account.id, after: next, limit: 17)
                        for record in page.changes {
                            #expect(record.seq > next, "seq \(record.seq) came after next \(next) was answered")
                        }
                        #expect(page.next >= next)
                        followed += page.changes
                        next = page.next
                        quietRounds = !writing && page.changes.isEmpty ? quietRounds + 1 : 0
                    }
                    return followed
                }
                var followed: [ChangeRecord] = []
                var finished = 0
                while let result = try await group.next() {
                    followed += result
                    finished += 1
                    if finished == stores.count * 2 + 1 { writersDone.set() }
                }
                let seqs = followed.map(\.seq)
                #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count)
                // Replaying what the follower saw gives the list as it is.
                let (list, _) = try await snapshot(stores[0], account)
                let replay = replayed(followed)
                #expect(replay == list)
                // And the whole log, read again from the start, is what the follower saw.
                let all = try await stores[2].changes(for: account.id, after: 0, limit: 1_000_000)
                #expect(all.changes == followed)
            }
        }
    }

    @Test("a feed read waits for a write in flight, so a seq drawn later but committed first is not answered alone")
    func feedReadWaitsForWriteInFlight() async throws {
        try await withServers(1) { stores, account, _ in
            let store = stores[0]
            let logger = Logger(label: "engel-tests")
            // Another server's write, held open after drawing its seq.
            let writer = try await TestDatabases.connect(to: store.location)
            do {
                try await writer.query("BEGIN", logger: logger)
                try await writer.query(
                    """
                    SELECT engel_add_numbers(\(account.id), ARRAY[\(try number(1).national)]::BIGINT[], 0, 'api',
                                             NULL, NULL, 'api')
                    """, logger: logger)
                // A later seq from this server. It may wait for the open write itself: the two can
                // meet on a list-size shard row (one per backend pid modulo 16), so it runs beside
                // the test rather than before the commit it might wait for.
                let adding = Task { try await store.add(number(2), for: account.id, at: base) }
                try await Task.sleep(for: .milliseconds(300))
                let answered = ManagedFlag()
                let reader = Task {
                    defer { answered.set() }
                    return try await store.changes(for: account.id, after: 0, limit: 10)
                }
                try await Task.sleep(for: .milliseconds(500))
                // Answering now could say next = seq 2's while seq 1 is still to come.
                #expect(!answered.isSet)
                try await writer.query("COMMIT", logger: logger)
                #expect(try await adding.value == .added)
                let page = try await reader.value
                // Never seq 2 without seq 1 before it; seq 2 may come in the next read.
                #expect(try page.changes.first?.number == number(1))
                let rest = try await store.changes(for: account.id, after: page.next, limit: 10)
                #expect(try (page.changes + rest.changes).map(\.number) == [number(1), number(2)])
            } catch {
                try? await writer.close()
                throw error
            }
            try await writer.close()
        }
    }

    @Test("an entries snapshot taken while servers write, followed by the feed from its seq, gives the final list")
    func snapshotThenFollow() async throws {
        try await withServers(2) { stores, account, _ in
            let pool = try (0..<30).map { try number(100 + $0) }
            async let writing: Void = writeRandomly(stores, account, pool)
            var snapshots: [(list: [PhoneNumber: Date?], seq: Int64)] = []
            for _ in 0..<5 {
                if let taken = try? await snapshot(stores[1], account) { snapshots.append(taken) }
                try await Task.sleep(for: .milliseconds(30))
            }
            try await writing
            let (final, _) = try await snapshot(stores[0], account)
            #expect(!snapshots.isEmpty)
            for taken in snapshots {
                let after = try await stores[0].changes(for: account.id, after: taken.seq, limit: 1_000_000)
                #expect(replayed(after.changes, onto: taken.list) == final)
            }
        }
    }

    /// Adds and removes numbers of `pool` from every store at once.
    func writeRandomly(_ stores: [PostgresStore], _ account: Account, _ pool: [PhoneNumber]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in stores.enumerated() {
                group.addTask {
                    var generator = SeededGenerator(seed: UInt64(index + 7))
                    for step in 0..<150 {
                        let picked = pool[Int.random(in: 0..<pool.count, using: &generator)]
                        let at = base.addingTimeInterval(Double(step))
                        if Bool.random(using: &generator) {
                            _ = try await store.add(picked, for: account.id, at: at, provenance: .api)
                        } else {
                            _ = try await store.remove(picked, for: account.id, at: at, provenance: .api)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    @Test("two servers sweeping at once expire each ended block once, and counts and pages follow")
    func expiryOnceAcrossServers() async throws {
        try await withServers(2) { stores, account, _ in
            let numbers = try (0..<200).map { try number(1000 + $0) }
            let ends = base.addingTimeInterval(60)
            let provenance = Provenance(source: .bulk, actor: .api, until: ends)
            _ = try await stores[0].addBatch(Array(numbers[..<150]), for: account.id, at: base, provenance: provenance)
            _ = try await stores[0].addBatch(Array(numbers[150...]), for: account.id, at: base)
            #expect(try await stores[1].listed(numbers, for: account.id, at: ends).filter { $0 }.count == 50)
            let expired = try await withThrowingTaskGroup(of: Int.self) { group in
                for store in stores {
                    group.addTask {
                        var total = 0
                        for second in 55..<70 {
                            total += try await store.expire(through: base.addingTimeInterval(Double(second)))
                        }
                        return total
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(expired == 150)
            let log = try await stores[0].changes(for: account.id, after: 0, limit: 10_000).changes
            let expiries = log.filter { $0.source == .expiry }
            #expect(expiries.count == 150)
            #expect(Set(expiries.map(\.number)) == Set(numbers[..<150]))
            #expect(expiries.allSatisfy { $0.at == ends && $0.action == .remove && $0.actor == .system })
            // The size and chunk triggers counted the sweep's deletes.
            let page = try await stores[1].page(for: account.id, filter: .none, page: .first)
            #expect(page.count == 50)
            #expect(Set(page.numbers) == Set(numbers[150...]))
            let lastPage = try await stores[1].page(
                for: account.id, filter: .none, page: PageRequest(page: 7, rowCount: 8))
            #expect(lastPage.numbers == Array(numbers[198...]))
        }
    }

    @Test("deleting an account while other servers write to it leaves none of its entries and change records")
    func deletionUnderWrites() async throws {
        try await withServers(3) { stores, account, database in
            let deleted = ManagedFlag()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, store) in stores.dropFirst().enumerated() {
                    group.addTask {
                        var step = 0
                        // Writes fail once the account is gone (no account row to lock); a few
                        // more are tried after that, which must leave nothing behind either.
                        var afterDeletion = 0
                        while afterDeletion < 20 {
                            if deleted.isSet { afterDeletion += 1 }
                            let listed = try number(index * 10_000 + step % 50)
                            let batch = try (0..<20).map { try number(index * 10_000 + 5_000 + step * 20 + $0) }
                            let at = base.addingTimeInterval(Double(step))
                            _ = try? await store.add(listed, for: account.id, at: at, provenance: .api)
                            _ = try? await store.addBatch(batch, for: account.id, at: at, provenance: .api)
                            _ = try? await store.removeBatch([listed], for: account.id, at: at, provenance: .api)
                            step += 1
                        }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(200))
                    #expect(try await stores[0].deleteAccount(named: account.name, audit: .cliNow))
                    deleted.set()
                }
                try await group.waitForAll()
            }
            #expect(try await stores[0].changes(for: account.id, after: 0, limit: 10).changes.isEmpty)
            #expect(try await stores[1].page(for: account.id, filter: .none, page: .first).count == 0)
            // The list has no foreign key to its account (PostgresSchema.bulkWrites): the rows
            // themselves are counted, not only the sizes a page reads.
            #expect(try await entryCount(of: account.id, in: database) == 0)
        }
    }

    /// How many rows of `account`'s list the database holds, read directly.
    func entryCount(of account: Account.ID, in database: PostgresLocation) async throws -> Int64 {
        let logger = Logger(label: "engel-tests")
        let connection = try await TestDatabases.connect(to: database)
        defer { Task { try? await connection.close() } }
        var count: Int64 = -1
        for try await found in try await connection.query(
            "SELECT count(*) FROM blacklist WHERE account_id = \(account)", logger: logger
        ).decode(Int64.self) {
            count = found
        }
        return count
    }

    @Test("one server at a time holds a webhook's lease, and another takes it once it has run out")
    func leaseExclusive() async throws {
        try await withServers(3) { stores, account, _ in
            let webhook = try await stores[0].addWebhook(
                for: account.id, url: "http://127.0.0.1:9/hook", secret: "whsec_" + String(repeating: "a", count: 32),
                audit: .cliNow)
            for round in 0..<20 {
                let now = base.addingTimeInterval(Double(round) * 100)
                let winners = try await withThrowingTaskGroup(of: String?.self) { group in
                    for (index, store) in stores.enumerated() {
                        group.addTask {
                            let holder = "server-\(index)-\(round)"
                            let won = try await store.claimWebhook(
                                id: webhook.id, holder: holder, now: now, lease: .seconds(30))
                            return won ? holder : nil
                        }
                    }
                    return try await group.reduce(into: [String]()) { if let holder = $1 { $0.append(holder) } }
                }
                #expect(winners.count == 1, "round \(round): \(winners)")
                // Its holder renews it; the others cannot take it before it runs out.
                let holder = try #require(winners.first)
                #expect(
                    try await stores[1].claimWebhook(
                        id: webhook.id, holder: holder, now: now.addingTimeInterval(10), lease: .seconds(30)))
                #expect(
                    try await !stores[2].claimWebhook(
                        id: webhook.id, holder: "late", now: now.addingTimeInterval(39), lease: .seconds(30)))
            }
        }
    }
}

/// A flag one task sets and others read.
final class ManagedFlag: Sendable {
    private let state = Mutex(false)

    var isSet: Bool { state.withLock { $0 } }

    func set() { state.withLock { $0 = true } }
}
