import SQLiteNIO
import Synchronization

extension SQLiteConnection {
    /// Runs `sql` with `binds` and returns its rows, with one trip to the connection's thread and
    /// one back. SQLiteNIO's `query(_:_:)` returning rows takes a longer way: each row is handed to
    /// an event loop, and the caller resumes from there, a third thread to wake per statement.
    ///
    /// Unlike that way, a statement not yet started when the calling task is cancelled does not
    /// run (it throws CancellationError): for tasks that are never cancelled, as the writer's.
    func rows(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        let collected = Mutex<[SQLiteRow]>([])
        // The class's own method, which runs on the pool and calls back there.
        try await query(sql, binds) { row in collected.withLock { $0.append(row) } }
        return collected.withLock { $0 }
    }
}
