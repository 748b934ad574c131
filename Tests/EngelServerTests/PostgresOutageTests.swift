import EngelCore
import EngelServer
import EngelStores
import EngelTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Stops and restarts a PostgreSQL cluster of its own (not the shared one other tests use).
@Suite(
    "PostgreSQL outage",
    .enabled(if: TestDatabases.postgresServer != nil, TestDatabases.postgresSkipReason))
struct PostgresOutageTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/postgres-cluster").path

    /// Runs scripts/postgres-cluster on a thread of its own (``runChildProcess``): `init` and
    /// `start` take seconds, which on the concurrency pool's two threads stalled every other test.
    func cluster(_ arguments: String...) async throws {
        let result = try await runChildProcess("/bin/bash", [Self.script] + arguments)
        guard result.status == 0 else {
            throw ClusterCommandFailed(arguments: arguments, status: result.status)
        }
    }

    struct ClusterCommandFailed: Error {
        let arguments: [String]
        let status: Int32
    }

    @Test("503 while the database is down, and recovery without a restart when it returns")
    func outageAndRecovery() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("engel-pg-\(UUID().uuidString)").path
        let port = String(Int.random(in: 56_000..<59_000))
        try await cluster("init", folder, port)
        do {
            try await runOutage(folder: folder, port: port)
        } catch {
            try? await cluster("remove", folder)
            throw error
        }
        try await cluster("remove", folder)
    }

    private func runOutage(folder: String, port: String) async throws {
        try await cluster("start", folder, port)

        let server = try PostgresLocation(url: "postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable")
        // Migrate with time to spare on a loaded machine; the store under test then opens at once.
        try await PostgresStore.open(server, operationTimeout: .seconds(60)).close()
        let store = try await PostgresStore.open(server, operationTimeout: .seconds(3))
        let harness = try await Harness.make(store: store)
        try await harness.withClient { client in
            #expect(try await client.add(harness, "905321234567").status == 200)

            try await cluster("stop", folder)
            let started = ContinuousClock.now
            let down = try await client.add(harness, "905331234567")
            #expect(down.status == 503)
            #expect(down.body == statusBody(503, "Sunucu geçici olarak servis dışı"))
            #expect(ContinuousClock.now - started < .seconds(10))
            let health = try await client.post("/healthz", "", method: .get)
            #expect(health.status == 503)

            try await cluster("start", folder, port)
            var recovered = false
            for _ in 0..<60 where !recovered {
                recovered = try await client.list(harness).status == 200
                if !recovered { try await Task.sleep(for: .milliseconds(250)) }
            }
            #expect(recovered)
            #expect(try await client.post("/healthz", "", method: .get).status == 200)
            #expect(try await client.list(harness).numbers == ["+905321234567"])
        }
        await store.close()
    }
}
