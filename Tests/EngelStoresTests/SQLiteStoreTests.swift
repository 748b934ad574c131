import EngelCore
import EngelStores
import Foundation
import Testing

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("writes survive closing and reopening the file")
    func durability() async throws {
        let path = temporaryDatabasePath()
        let number = try PhoneNumberParser().parse("5321234567")
        let store = try await SQLiteStore.open(path: path)
        let account = try await store.createAccount(
            name: AccountName("acme"), apiKey: "k", hashDigest: HashDigest(of: "h"), createdAt: Date())
        _ = try await store.add(number, for: account.id, at: Date())
        await store.close()

        let reopened = try await SQLiteStore.open(path: path)
        #expect(try await reopened.contains(number, for: account.id))
        #expect(try await reopened.account(withKey: "k")?.name.value == "acme")
        await reopened.close()
    }

    @Test("the database is in WAL mode and two stores can share the file")
    func sharedFile() async throws {
        let path = temporaryDatabasePath()
        let first = try await SQLiteStore.open(path: path)
        let second = try await SQLiteStore.open(path: path)
        let account = try await first.createAccount(
            name: AccountName("acme"), apiKey: "k", hashDigest: HashDigest(of: "h"), createdAt: Date())
        let number = try PhoneNumberParser().parse("5321234567")
        _ = try await second.add(number, for: account.id, at: Date())
        #expect(try await first.contains(number, for: account.id))
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        await first.close()
        await second.close()
    }

    @Test("a closed store refuses writes instead of hanging")
    func closed() async throws {
        let store = try await SQLiteStore.open(path: temporaryDatabasePath())
        await store.close()
        await #expect(throws: StoreError.closed) {
            try await store.add(try PhoneNumberParser().parse("5321234567"), for: 1, at: Date())
        }
    }

    @Test("a location that cannot be a folder is a clear error")
    func badLocation() async throws {
        await #expect(throws: StoreError.self) {
            try await SQLiteStore.open(path: "/proc/engel-cannot-be-here/engel.sqlite")
        }
    }
}
