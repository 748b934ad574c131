import EngelCore
import EngelStores
import Foundation
import Testing

/// A way to make a fresh, empty store: the contract suite runs once per factory.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () async throws -> any EngelStore

    var testDescription: String { name }

    static let memory = StoreFactory(name: "memory") { MemoryStore() }

    static let sqlite = StoreFactory(name: "sqlite") {
        try await SQLiteStore.open(path: temporaryDatabasePath())
    }

    static let all: [StoreFactory] = [.memory, .sqlite]
}

/// A path in a fresh temporary folder.
func temporaryDatabasePath() -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("engel-tests-\(UUID().uuidString)")
    return folder.appendingPathComponent("engel.sqlite").path
}
