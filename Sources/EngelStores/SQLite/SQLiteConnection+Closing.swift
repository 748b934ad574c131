import SQLiteNIO

extension SQLiteConnection {
    /// Closes the connection, also from a cancelled task: there SQLiteNIO's `close()` throws
    /// CancellationError without closing, and a connection released unclosed stops a debug build
    /// (a server stopped while opening its store stopped a clean-clone test run that way).
    func closeEvenIfCancelled() async throws {
        try await Task { try await self.close() }.value
    }
}
