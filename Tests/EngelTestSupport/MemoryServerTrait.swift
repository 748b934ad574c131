import EngelStores
public import Testing

/// Starts one ``TestServer`` over a ``MemoryStore`` before a suite's first test and stops it after
/// its last: for the provenance and change-feed tests while the SQLite store's change log is being
/// written (issue 17); ``SharedServerTrait`` serves them once it is.
public struct SharedMemoryServerTrait: SuiteTrait, TestScoping {
    /// Once for the whole suite, not once per test.
    public var isRecursive: Bool { false }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await TestServer.run(over: MemoryStore()) { server in
            try await TestServer.$shared.withValue(server) { try await function() }
        }
    }
}

extension Trait where Self == SharedMemoryServerTrait {
    /// One Engel server over a memory store for the whole suite, reached through
    /// ``TestServer/current``.
    public static var sharedMemoryServer: Self { Self() }
}
