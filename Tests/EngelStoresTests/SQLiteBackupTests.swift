import EngelCore
import EngelStores
import EngelTestSupport
import Foundation
import Logging
import NIOPosix
import SQLiteNIO
import Synchronization
import Testing

@Suite("SQLite backups")
struct SQLiteBackupTests: NumberedEntries {
    /// `PRAGMA integrity_check`'s answer for the database at `path`.
    func integrity(of path: String) async throws -> String {
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        defer { threadPool.shutdownGracefully { _ in } }
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threadPool, logger: Logger(label: "test"),
            on: MultiThreadedEventLoopGroup.singleton.any())
        let answer = try await connection.query("PRAGMA integrity_check").first?.column("integrity_check")?.string
        try await connection.close()
        return answer ?? "no answer"
    }

    @Test("a backup under write load is whole, holds every write acknowledged before it began, and restores")
    func backupUnderLoad() async throws {
        let path = TestDatabases.temporarySQLitePath()
        let store = try await SQLiteStore.open(path: path)
        let account = try await store.createAccount(
            name: AccountName("acme"), apiKey: "k", hashDigest: HashDigest(of: "h"), createdAt: base)
        _ = try await store.addAll(try (0..<20_000).map(number), for: account.id, at: base)
        let acknowledged = Mutex<[PhoneNumber]>([])
        let writing = Task {
            var index = 100_000
            while !Task.isCancelled {
                let added = try number(index)
                _ = try await store.add(added, for: account.id, at: base)
                acknowledged.withLock { $0.append(added) }
                index += 1
            }
        }
        // Some writes are in before the backup begins; more come while it runs.
        while acknowledged.withLock({ $0.count }) < 50 { try await Task.sleep(for: .milliseconds(5)) }
        let before = acknowledged.withLock { $0 }
        let destination = URL(fileURLWithPath: path).deletingLastPathComponent()
            .appendingPathComponent("backups/engel-copy.sqlite").path
        let reports = Mutex(0)
        let size = try await SQLiteBackup.copy(
            path, to: destination, every: .milliseconds(1), progress: { _ in reports.withLock { $0 += 1 } })
        writing.cancel()
        _ = await writing.result
        #expect(size > 0)
        #expect(reports.withLock { $0 } >= 1)
        #expect(try await integrity(of: destination) == "ok")
        let mode = try FileManager.default.attributesOfItem(atPath: destination)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        await store.close()

        // The README's restore: the server stopped, its files moved aside, the backup in their place.
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            try FileManager.default.moveItem(atPath: path + suffix, toPath: path + suffix + ".old")
        }
        try FileManager.default.copyItem(atPath: destination, toPath: path)
        let restored = try await SQLiteStore.open(path: path)
        #expect(try await restored.account(withKey: "k")?.id == account.id)
        #expect(try await restored.listed(before, for: account.id).allSatisfy { $0 })
        #expect(try await restored.listed(try [0, 19_999].map(number), for: account.id) == [true, true])
        let count = try await restored.page(for: account.id, filter: .none, page: .first).count
        #expect(count >= 20_000 + before.count)
        await restored.close()
    }

    @Test("a backup refuses a destination that holds data, and a missing database")
    func refusals() async throws {
        let path = TestDatabases.temporarySQLitePath()
        await (try await SQLiteStore.open(path: path)).close()
        let taken = path + ".taken"
        try Data("data".utf8).write(to: URL(fileURLWithPath: taken))
        await #expect(throws: StoreError.self) { try await SQLiteBackup.copy(path, to: taken) }
        #expect(try String(contentsOfFile: taken, encoding: .utf8) == "data")
        await #expect(throws: StoreError.self) { try await SQLiteBackup.copy(path + ".missing", to: path + ".copy") }
        #expect(!FileManager.default.fileExists(atPath: path + ".copy"))
    }
}
