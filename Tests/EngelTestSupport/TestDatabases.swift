public import EngelStores
import Foundation
import Logging
public import PostgresNIO
public import Testing

/// Fresh databases for tests.
public enum TestDatabases {
    /// A path in a fresh temporary folder.
    public static func temporarySQLitePath() -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("engel-tests-\(UUID().uuidString)")
            .appendingPathComponent("engel.sqlite").path
    }

    /// Removes the folder of a ``temporarySQLitePath()`` once its store is closed.
    public static func removeTemporarySQLite(at path: String) {
        try? FileManager.default.removeItem(at: URL(fileURLWithPath: path).deletingLastPathComponent())
    }

    /// The throwaway PostgreSQL cluster `scripts/test` started, from `ENGEL_TEST_POSTGRES_URL`
    /// (`postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable`); `nil` when there is none.
    public static let postgresServer: PostgresLocation? = {
        guard let text = ProcessInfo.processInfo.environment["ENGEL_TEST_POSTGRES_URL"], !text.isEmpty else {
            return nil
        }
        return try? PostgresLocation(url: text)
    }()

    /// Why PostgreSQL tests are skipped, printed by the test runner.
    public static let postgresSkipReason: Comment =
        "ENGEL_TEST_POSTGRES_URL is not set: run scripts/test, which starts a throwaway PostgreSQL cluster"

    /// Creates an empty database on `server` and returns its location.
    public static func makePostgresDatabase(on server: PostgresLocation) async throws -> PostgresLocation {
        let name = "engel_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        let connection = try await connect(to: server)
        do {
            // Names cannot be bound as parameters; this one is made of hex digits only.
            try await connection.query(
                PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Logger(label: "engel-tests"))
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        return server.with(database: name)
    }

    /// A plain connection to `database`, for what a test reads or writes past the store.
    public static func connect(to database: PostgresLocation) async throws -> PostgresConnection {
        try await PostgresConnection.connect(
            configuration: .init(
                host: database.host, port: database.port, username: database.username, password: database.password,
                database: database.database, tls: .disable),
            id: 1, logger: Logger(label: "engel-tests"))
    }

    /// Opens a `PostgresStore` on a fresh database of the test cluster.
    /// The deadline is long: tests run many at once on two cores, and only the outage test is about
    /// how soon a call gives up. Small chunks, balanced often, make small lists take the paths a
    /// million-entry list takes.
    public static func makePostgresStore(
        operationTimeout: Duration = .seconds(60), chunkTarget: Int = PostgresStore.defaultChunkTarget,
        balanceInterval: Duration = .seconds(1)
    ) async throws -> PostgresStore {
        guard let server = postgresServer else { throw TestDatabaseUnavailable() }
        return try await PostgresStore.open(
            makePostgresDatabase(on: server), operationTimeout: operationTimeout, chunkTarget: chunkTarget,
            balanceInterval: balanceInterval)
    }
}

/// No PostgreSQL cluster was given to the tests.
public struct TestDatabaseUnavailable: Error {}
