import Foundation
import SQLiteNIO

/// The SQLite writer's one thread, shared by the writer's task and its connection's statements.
///
/// The writer's task prefers this executor, and the writer's connection runs its statements on
/// ``pool``, the same single thread. A statement and the code awaiting it take turns there, in
/// the order they arrive, without waking another thread. With the statements on a shared pool,
/// each one (four for a group of deletes) cost two wake-ups and two context switches: deletes at
/// 64 connections made 0.88 futex calls and 0.72 context switches per request, and make 0.07 and
/// 0.42 here, at 1.13x the deletes a second (Benchmarks/RESULTS.md, "session 17").
final class WriterThread: TaskExecutor, Sendable {
    /// The pool of one thread the writer's connection runs its statements on.
    let pool: NIOThreadPool

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
