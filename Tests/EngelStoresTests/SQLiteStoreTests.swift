import EngelCore
import EngelStores
import EngelTestSupport
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

    /// The permission bits of the file or folder at `path`.
    func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test("the database, its log and shared memory, and the folders made for them are the owner's alone")
    func privateFiles() async throws {
        let root = URL(fileURLWithPath: temporaryDatabasePath()).deletingLastPathComponent()
        let folder = root.appendingPathComponent("made/for/engel")
        let path = folder.appendingPathComponent("engel.sqlite").path
        let store = try await SQLiteStore.open(path: path)
        let account = try await store.createAccount(
            name: AccountName("acme"), apiKey: "k", hashDigest: HashDigest(of: "h"), createdAt: Date())
        _ = try await store.add(try PhoneNumberParser().parse("5321234567"), for: account.id, at: Date())
        for file in [path, path + "-wal", path + "-shm"] {
            #expect(try mode(file) == 0o600, "\(file)")
        }
        for made in [folder, folder.deletingLastPathComponent(), root.appendingPathComponent("made")] {
            #expect(try mode(made.path) == 0o700, "\(made.path)")
        }
        await store.close()
    }

    @Test("opening a database others can read warns, naming it; a private one does not")
    func readableDatabaseWarns() async throws {
        let path = temporaryDatabasePath()
        _ = try await SQLiteStore.open(path: path).close()
        let quiet = CapturedLog()
        await (try await SQLiteStore.open(path: path, logger: quiet.logger)).close()
        #expect(!quiet.text.contains("other users"))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let warned = CapturedLog()
        await (try await SQLiteStore.open(path: path, logger: warned.logger)).close()
        #expect(warned.text.contains("warning the database can be read by other users"))
        #expect(warned.text.contains(path))
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

    @Test("the log is copied into the database file while the store runs, off the writer")
    func checkpoints() async throws {
        let path = temporaryDatabasePath()
        let store = try await SQLiteStore.open(path: path, checkpointInterval: .milliseconds(20))
        let account = try await store.createAccount(
            name: AccountName("acme"), apiKey: "k", hashDigest: HashDigest(of: "h"), createdAt: Date())
        func fileSize() throws -> Int {
            try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        }
        let before = try fileSize()
        let parser = PhoneNumberParser()
        let numbers = try (0..<5000).map { try parser.parse("53\(String(format: "%08d", $0))") }
        #expect(try await store.addAll(numbers, for: account.id, at: Date()) == numbers.count)
        // Far below the frames before the writer finishes a checkpoint: only the checkpointer can
        // grow the file.
        var after = try fileSize()
        for _ in 0..<200 where after <= before + 50_000 {
            try await Task.sleep(for: .milliseconds(10))
            after = try fileSize()
        }
        #expect(after > before + 50_000, "database file \(before) -> \(after) bytes")
        await store.close()
    }

    @Test("under steady writes the log is started again, not grown by every commit")
    func logReused() async throws {
        let path = temporaryDatabasePath()
        let store = try await SQLiteStore.open(
            path: path, checkpointInterval: .milliseconds(5), logFramesBeforeRestart: 16)
        let account = try await store.createAccount(
            name: AccountName("acme"), apiKey: "k", hashDigest: HashDigest(of: "h"), createdAt: Date())
        let parser = PhoneNumberParser()
        var largestLog = 0
        // One commit each, without a pause: the checkpointer alone never finds every frame copied.
        for index in 0..<600 {
            let number = try parser.parse("53\(String(format: "%08d", index))")
            #expect(try await store.add(number, for: account.id, at: Date()) == .added)
            let log = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
            largestLog = max(largestLog, log)
        }
        // Grown by every commit, the log reached 3.3 MB here; started again, about 250 KB.
        #expect(largestLog < 1_500_000, "the log reached \(largestLog) bytes")
        await store.close()
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

    @Test("opening cancelled part-way closes what it opened (a connection released unclosed stops a debug build)")
    func cancelledOpen() async throws {
        let path = TestDatabases.temporarySQLitePath()
        defer { TestDatabases.removeTemporarySQLite(at: path) }
        let store = try await SQLiteStore.open(path: path)
        let issued = IssuedCredentials.generate()
        let account = try await store.createAccount(
            name: AccountName("acme"), apiKey: issued.key, hashDigest: issued.hashDigest, createdAt: Date())
        _ = try await store.addAll(
            (0..<2_000).map { try PhoneNumberParser().parse("90532\(String(format: "%07d", $0))") }, for: account.id,
            at: Date())
        await store.close()
        // Cancelled at different points of the opening: each either opens, or fails having closed
        // every connection it made.
        var cancelledPartWay = 0
        for round in 0..<40 {
            let opening = Task { try await SQLiteStore.open(path: path) }
            try await Task.sleep(for: .microseconds(250 * (round % 20)))
            opening.cancel()
            switch await opening.result {
            case .success(let opened): await opened.close()
            case .failure: cancelledPartWay += 1
            }
        }
        let reopened = try await SQLiteStore.open(path: path)
        #expect(try await reopened.page(for: account.id, filter: .none, page: .first).count == 2_000)
        await reopened.close()
        #expect(cancelledPartWay > 0, "no opening was cancelled part-way: the test proves nothing")
    }
}
