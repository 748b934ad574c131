import ArgumentParser
import EngelServer
import EngelStores
import Foundation
import Logging
import Synchronization

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy a running server's SQLite database, consistently, to a new file.",
        discussion: """
            The copy holds every write the server acknowledged before the backup began; the server
            keeps serving and writing meanwhile. The file is readable by its owner only (0600). To
            restore, stop the server, move the database's file, -wal and -shm aside, put the backup
            in its place, and start the server (see the README, "Backups").

            On PostgreSQL use pg_dump or the database's own backups instead.

            Examples:
              engel backup /var/backups/engel/engel-$(date +%F).sqlite
              engel backup ./copy.sqlite --database ./engel.sqlite
            """)

    @Argument(help: ArgumentHelp("The new file to write; it must not exist, or be empty.", valueName: "dest"))
    var destination: String

    @OptionGroup var store: DatabaseOptions

    func run() async throws {
        let configuration = try store.resolve()
        guard case .sqlite(let path) = configuration.database else {
            throw ValidationError(
                "engel backup copies SQLite databases; for PostgreSQL use pg_dump (see the README, \"Backups\")")
        }
        let style: ProgressStyle = StandardError.isTerminal ? .bar : .lines(every: .seconds(5))
        let reporter = Mutex<(ProgressReporter, Int)?>(nil)
        let size = try await SQLiteBackup.copy(
            path, to: destination,
            progress: { progress in
                let expected = Int(max(progress.expected, 1) / 1024)
                let written = Int(progress.written / 1024)
                reporter.withLock { state in
                    if state == nil {
                        let shown = ProgressReporter(
                            label: "copying (KiB)", total: expected, style: style, output: StandardError())
                        shown.begin()
                        state = (shown, 0)
                    }
                    guard let (shown, before) = state else { return }
                    // The last report is the copy whole: free pages left out, it may be smaller
                    // than the database was.
                    let now = progress.written == progress.expected ? shown.total : written
                    shown.advance(by: now - before)
                    state = (shown, now)
                }
            }, logger: Logger(label: "engel.backup"))
        reporter.withLock { $0?.0.finish() }
        StandardOutput().write("Backed up \(path) to \(destination) (\(size) bytes).\n")
    }
}
