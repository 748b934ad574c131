import Foundation
import SQLiteNIO

/// The SQLite writer's one thread: the writer's task prefers this executor, and its connection
/// (``WriterConnection``) runs each statement in place, on this thread, without waking another.
///
/// With the statements on a shared pool, each one (four for a group of deletes) cost two wake-ups
/// and two context switches: deletes at 64 connections made 0.88 futex calls and 0.72 context
/// switches per request, and made 0.07 and 0.42 on a thread of the writer's own, at 1.13x the
/// deletes a second (Benchmarks/RESULTS.md, "session 17").
final class WriterThread: TaskExecutor, Sendable {
    /// The pool of one thread that runs the writer's task.
    private let pool: NIOThreadPool

    /// Starts the thread, named `name` (as tools like `top -H` show it; Linux keeps 15 bytes).
    init(name: String) {
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        // Named from inside, by the first job: on Linux a name given from outside does not reach it.
        pool.submit { _ in Thread.current.name = name }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        // A job submitted after `shutdown` runs at once on the caller's thread; none comes then,
        // since the writer's task has ended and its connection is closed before.
        pool.submit { _ in job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// Ends the thread; call it once the writer's task has ended and its connection is closed.
    func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
