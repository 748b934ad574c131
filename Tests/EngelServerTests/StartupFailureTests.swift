import EngelCore
import EngelServer
import EngelStores
import EngelTestSupport
import Foundation
import Logging
import NIOPosix
import SQLiteNIO
import Testing

/// Each way `engel serve` can fail to start is one sentence with the cause and the next step, and a
/// sysexits.h status (the README's table).
@Suite("Start-up failures")
struct StartupFailureTests {
    /// What starting a server on `database` (and `port`) fails with, as the operator is told it.
    func failure(_ database: String, port: Int = 0) async throws -> StartupFailure? {
        let configuration = ServerConfiguration(port: port, database: try DatabaseLocation(parsing: database))
        return try await withThrowingTaskGroup(of: StartupFailure?.self) { group in
            group.addTask {
                do {
                    try await ServerRunner.run(configuration, logger: Logger(label: "test")) { _ in }
                    Issue.record("the server started and stopped")
                    return nil
                } catch {
                    let failure = StartupFailure(explaining: error, configuration: configuration)
                    #expect(failure != nil, "\(error) is not explained")
                    return failure
                }
            }
            group.addTask {
                // Only a bound for a server that did start: a loaded clean-clone run once took over
                // 30 s to open its store and fail to bind.
                try await Task.sleep(for: .seconds(120))
                Issue.record("the server started")
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    /// A new folder for one test's files.
    func folder() throws -> URL {
        let folder = URL(fileURLWithPath: TestDatabases.temporarySQLitePath()).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("the port is in use")
    func portInUse() async throws {
        try await Harness.make(.live).withServer { server in
            let found = try await failure(
                "sqlite:" + (try folder().appendingPathComponent("e.sqlite").path), port: server.port)
            #expect(found?.status == StartupFailure.unavailable)
            #expect(found?.sentence.contains("127.0.0.1:\(server.port)") == true)
            #expect(found?.sentence.contains("--port") == true)
        }
    }

    @Test("a folder cannot be made")
    func folderCannotBeMade() async throws {
        let blocker = try folder().appendingPathComponent("a-file")
        try Data("x".utf8).write(to: blocker)
        let found = try await failure("sqlite:" + blocker.appendingPathComponent("sub/engel.sqlite").path)
        #expect(found?.status == StartupFailure.cannotCreate)
        #expect(found?.sentence.contains(blocker.path) == true)
        #expect(found?.sentence.contains("Error Domain") == false)
    }

    @Test("a file that is not an SQLite database, and an SQLite database of another program, are refused untouched")
    func notEngels() async throws {
        let text = try folder().appendingPathComponent("notes.txt")
        try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: text)
        let notSQLite = try await failure("sqlite:" + text.path)
        #expect(notSQLite?.status == StartupFailure.dataError)
        #expect(notSQLite?.sentence.contains("not Engel's") == true)

        let other = try folder().appendingPathComponent("other.sqlite").path
        try await withConnection(to: other) { connection in
            _ = try await connection.query("CREATE TABLE invoices (id INTEGER)")
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: other))
        let foreign = try await failure("sqlite:" + other)
        #expect(foreign?.status == StartupFailure.dataError)
        #expect(foreign?.sentence.contains("invoices") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: other)) == before)
    }

    @Test("a damaged database points to the backup")
    func damaged() async throws {
        let path = try folder().appendingPathComponent("engel.sqlite").path
        let store = try await SQLiteStore.open(path: path)
        let account = try await store.createAccount(
            name: AccountName("acme"), apiKey: "k", hashDigest: HashDigest(of: "h"), createdAt: Date())
        let parser = PhoneNumberParser()
        _ = try await store.addAll(
            try (0..<20_000).map { try parser.parse("53\(String(format: "%08d", $0))") }, for: account.id, at: Date())
        await store.close()
        // Garbage inside the pages past the first two (the header and the schema stay readable).
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        let size = try handle.seekToEnd()
        var generator = SeededGenerator(seed: 7)
        for offset in stride(from: UInt64(8192), to: size, by: 4096 * 3) {
            try handle.seek(toOffset: offset + 100)
            try handle.write(contentsOf: Data((0..<200).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        }
        try handle.close()
        let found = try await failure("sqlite:" + path)
        #expect(found?.status == StartupFailure.dataError)
        #expect(found?.sentence.contains("damaged") == true)
        #expect(found?.sentence.contains("backup") == true)
    }

    @Test("a schema newer than this binary is a downgrade")
    func newerSchema() async throws {
        let path = try folder().appendingPathComponent("engel.sqlite").path
        await (try await SQLiteStore.open(path: path)).close()
        try await withConnection(to: path) { connection in _ = try await connection.query("PRAGMA user_version = 99") }
        let found = try await failure("sqlite:" + path)
        #expect(found?.status == StartupFailure.configuration)
        #expect(found?.sentence.contains("newer Engel (schema 99") == true)
    }

    @Test("PostgreSQL is unreachable, or refuses the credentials")
    func postgres() async throws {
        let unreachable = try await failure("postgres://engel@127.0.0.1:1/engel?sslmode=disable")
        #expect(unreachable?.status == StartupFailure.unavailable)
        #expect(unreachable?.sentence.contains("127.0.0.1:1") == true)
        guard let server = TestDatabases.postgresServer else { return }
        let found = try await failure(
            "postgres://nobody_at_all@\(server.host):\(server.port)/\(server.database)?sslmode=disable")
        #expect(found?.status == StartupFailure.noPermission)
        #expect(found?.sentence.contains("nobody_at_all") == true)
    }

    func withConnection(to path: String, _ body: (SQLiteConnection) async throws -> Void) async throws {
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threadPool, logger: Logger(label: "test"),
            on: MultiThreadedEventLoopGroup.singleton.any())
        try await body(connection)
        try await connection.close()
        try await threadPool.shutdownGracefully()
    }
}
