import EngelCore
import EngelStores
import EngelTestSupport
import Testing

/// A way to make a fresh, empty store: the contract suite runs once per factory.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () async throws -> any EngelStore

    var testDescription: String { name }

    static let memory = StoreFactory(name: "memory") { MemoryStore() }

    static let sqlite = StoreFactory(name: "sqlite") {
        try await SQLiteStore.open(path: TestDatabases.temporarySQLitePath())
    }

    /// Chunks of 4 entries, balanced every 20 ms, so the contract's pages cross chunks that split
    /// and merge while the tests write.
    static let postgres = StoreFactory(name: "postgres") {
        try await TestDatabases.makePostgresStore(chunkTarget: 4, balanceInterval: .milliseconds(20))
    }

    /// Every store this run can reach; PostgreSQL joins when `scripts/test` started a cluster
    /// (`PostgresAvailabilityTests` reports it as skipped otherwise).
    static let all: [StoreFactory] = [.memory, .sqlite] + (TestDatabases.postgresServer == nil ? [] : [.postgres])
}

extension NumberedEntries {
    /// Runs `body` with a fresh store of `factory` and its account `acme`, created at ``base``;
    /// closes the store whatever `body` does.
    func withStore(_ factory: StoreFactory, _ body: (any EngelStore, Account) async throws -> Void) async throws {
        let store = try await factory.make()
        let issued = IssuedCredentials.generate()
        let account = try await store.createAccount(
            name: AccountName("acme"), apiKey: issued.key, hashDigest: issued.hashDigest, createdAt: base)
        do {
            try await body(store, account)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}

func temporaryDatabasePath() -> String {
    TestDatabases.temporarySQLitePath()
}

@Suite("PostgreSQL availability")
struct PostgresAvailabilityTests {
    @Test(
        "the store contract suite includes PostgreSQL",
        .enabled(if: TestDatabases.postgresServer != nil, TestDatabases.postgresSkipReason))
    func included() {
        #expect(StoreFactory.all.map(\.name).contains("postgres"))
    }
}
