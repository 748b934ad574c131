public import EngelCore
import EngelStores
public import Logging
public import ServiceLifecycle

extension DatabaseLocation {
    /// Opens the store this location names, applying pending migrations.
    public func open(logger: Logger) async throws -> any EngelStore {
        switch self {
        case .sqlite(let path):
            try await SQLiteStore.open(path: path, logger: logger)
        case .postgres(let location):
            try await PostgresStore.open(location, logger: logger)
        }
    }
}

extension DatabaseLocation {
    /// Brings the database's schema to the newest version and closes it again: what
    /// `engel migrate` does. Servers starting at the same time are safe: each migration runs once.
    public func migrate(logger: Logger) async throws -> SchemaMigration {
        switch self {
        case .sqlite(let path):
            let store = try await SQLiteStore.open(path: path, readerCount: 1, logger: logger)
            await store.close()
            return store.schemaMigration
        case .postgres(let location):
            let store = try await PostgresStore.open(location, maximumConnections: 2, logger: logger)
            await store.close()
            return store.schemaMigration
        }
    }
}

/// Keeps a store open while the application runs and closes it after the server has stopped.
public struct StoreLifecycleService: Service {
    let store: any EngelStore

    /// Creates the service for `store`.
    public init(store: any EngelStore) {
        self.store = store
    }

    public func run() async throws {
        // Returns when shutdown begins; the server listed after this service has stopped by then.
        try? await gracefulShutdown()
        await store.close()
    }
}
