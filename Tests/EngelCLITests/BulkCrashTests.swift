import EngelCore
import EngelServer
import EngelTestSupport
import Foundation
import IletiMerkezi
import Logging
import Synchronization
import Testing

/// `engel serve` killed with SIGKILL while bulk adds are in flight: each request's numbers, and
/// their change records, are all on the list or none is, and every answered request is whole.
@Suite("Bulk writes across kill -9")
struct BulkCrashTests {
    /// The databases `engel serve` is killed on: SQLite, and PostgreSQL when `scripts/test` started it.
    static var databases: [String] { ["sqlite"] + (TestDatabases.postgresServer == nil ? [] : ["postgres"]) }

    /// A fresh, empty database of `kind`.
    static func freshDatabase(_ kind: String) async throws -> DatabaseLocation {
        if kind == "postgres", let server = TestDatabases.postgresServer {
            return .postgres(try await TestDatabases.makePostgresDatabase(on: server))
        }
        return try temporaryConfiguration().database
    }

    @Test("a bulk add is one commit: all of it or none of it survives", arguments: databases)
    func killedDuringBulkAdds(database kind: String) async throws {
        let database = try await Self.freshDatabase(kind)
        let acme = try await ServedAccount.create(on: database)

        // 24 requests of 2,000 distinct numbers each, 8 at a time, so the kill meets several in flight.
        let batches = (0..<24).map { batch in (0..<2000).map { "90532\(1_000_000 + batch * 2000 + $0)" } }
        let progress = BulkProgress()
        let server = try await ServeProcess.start(database: database)
        do {
            let client = acme.client(of: server)
            let pid = server.process.processIdentifier
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        while true {
                            let batch = progress.next.withLock { value -> Int in
                                defer { value += 1 }
                                return value
                            }
                            guard batch < batches.count else { return }
                            // A request cut off by the kill fails; its batch may or may not have committed.
                            guard (try? await client.add(contentsOf: batches[batch])) != nil else { return }
                            progress.answered.withLock { _ = $0.insert(batch) }
                        }
                    }
                }
                group.addTask {
                    try await eventually("two bulk adds answered") { progress.answered.withLock { $0.count >= 2 } }
                    _ = kill(pid, SIGKILL)
                }
                try await group.waitForAll()
            }
            server.kill()
        } catch {
            server.kill()
            throw error
        }

        let reopened = try await database.open(logger: Logger(label: "test"))
        do {
            let account = try #require(await reopened.account(named: AccountName("acme")))
            let parser = PhoneNumberParser()
            let now = Date()
            var recorded: [Int64: Int] = [:]
            var after: Int64 = 0
            while true {
                let page = try await reopened.changes(for: account.id, after: after, limit: 1000)
                for change in page.changes { recorded[change.number.national, default: 0] += 1 }
                guard let last = page.changes.last else { break }
                after = last.seq
            }
            var whole = 0
            for (index, batch) in batches.enumerated() {
                let numbers = try batch.map { try parser.parse($0) }
                let listed = try await reopened.listed(numbers, for: account.id, at: now).count(where: { $0 })
                let logged = numbers.count(where: { recorded[$0.national] == 1 })
                #expect(listed == 0 || listed == batch.count, "batch \(index): \(listed) of \(batch.count) listed")
                #expect(logged == listed, "batch \(index): \(logged) change records for \(listed) entries")
                if progress.answered.withLock({ $0.contains(index) }) {
                    #expect(listed == batch.count, "batch \(index) was answered but is not all listed")
                }
                if listed == batch.count { whole += 1 }
            }
            #expect(whole >= 2)
        } catch {
            await reopened.close()
            throw error
        }
        await reopened.close()
    }
}

/// What the racing bulk adds share: the next batch to send, and the batches answered.
private final class BulkProgress: Sendable {
    let next = Mutex(0)
    let answered = Mutex(Set<Int>())
}
