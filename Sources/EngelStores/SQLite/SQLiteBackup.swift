import EngelCore
import Foundation
public import Logging
import SQLiteNIO

/// A consistent copy of an SQLite database that a server may be writing to.
///
/// sqlite-nio has no call for SQLite's online-backup API, so the copy is made with `VACUUM INTO`
/// on a connection of its own: one statement, so one read transaction, which sees the database as
/// it was when the statement began. In WAL mode the server keeps committing meanwhile; the copy
/// holds every write committed before it began and none after.
public enum SQLiteBackup {
    /// How far a copy has come.
    public struct Progress: Sendable {
        /// Bytes written to the copy so far.
        public let written: Int64
        /// The database's size when the copy began: the copy's size, give or take the free pages
        /// `VACUUM` leaves out.
        public let expected: Int64
    }

    /// Copies the database at `source` to `destination`, which must not exist or be empty; the
    /// copy, and any folder made for it, is the owner's alone (0600, 0700). `progress` is called
    /// about every `interval` while the copy is written.
    ///
    /// - Returns: The copy's size in bytes.
    public static func copy(
        _ source: String, to destination: String, every interval: Duration = .milliseconds(500),
        progress: @escaping @Sendable (Progress) -> Void = { _ in }, logger: Logger = Logger(label: "engel.backup")
    ) async throws -> Int64 {
        guard FileManager.default.fileExists(atPath: source) else {
            throw StoreError.invalidLocation("there is no database at \(source)")
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: destination)
        if let size = attributes?[.size] as? Int64, size > 0 {
            throw StoreError.invalidLocation("\(destination) exists already: give a new file for the backup")
        }
        try PrivateFiles.makeFolder(URL(fileURLWithPath: destination).deletingLastPathComponent())
        // VACUUM INTO writes into an empty file as it finds it: made first, it keeps its 0600.
        try PrivateFiles.makeFile(destination)
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        defer { threadPool.shutdownGracefully { _ in } }
        var opened: SQLiteConnection?
        do {
            let connection = try await SQLiteConnection.open(
                storage: .file(path: source), threadPool: threadPool, logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.any())
            opened = connection
            _ = try await connection.query("PRAGMA busy_timeout = 10000")
            let pages = try await connection.query("PRAGMA page_count").first?.column("page_count")?.int64 ?? 0
            let pageSize = try await connection.query("PRAGMA page_size").first?.column("page_size")?.int64 ?? 0
            let expected = pages * pageSize
            let watcher = Task {
                while (try? await Task.sleep(for: interval)) != nil {
                    progress(Progress(written: fileSize(destination), expected: expected))
                }
            }
            defer { watcher.cancel() }
            _ = try await connection.query("VACUUM INTO ?", [.text(destination)])
            watcher.cancel()
            try await connection.closeEvenIfCancelled()
            let written = fileSize(destination)
            progress(Progress(written: written, expected: written))
            return written
        } catch {
            try? await opened?.closeEvenIfCancelled()
            // A half-written copy must not be mistaken for a backup.
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        }
    }

    private static func fileSize(_ path: String) -> Int64 {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
    }
}
