import Foundation

/// Runs the jobs of the tasks that prefer it on one thread of its own, in the order they arrive.
///
/// The SQLite writer's task runs here rather than on the shared pool, where every step of a write
/// group (its start, each statement's result, the answers) waits for a pool thread to wake. It
/// does not raise throughput (Benchmarks/RESULTS.md, "2026-11-23 (later)"), but it takes about 5%
/// off the server's CPU per write, at the edge of the noise: scripts/bench-adds measured 57.5 and
/// 64.1 us per add of a new number with it, 67.4 and 61.5 without (Benchmarks/RESULTS.md,
/// "2026-11-30 (session 7)").
final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
    // `jobs` and `stopping` are guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false

    /// Starts the thread, named `name` (as tools like `top -H` show it; Linux keeps 15 bytes).
    init(name: String) {
        // Named from inside: on Linux a name given before the start does not reach the thread.
        Thread { [self] in
            Thread.current.name = name
            run()
        }.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the thread end once no job is left; call it when no task prefers this executor any more.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        var running: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            swap(&running, &jobs)
            condition.unlock()
            for job in running { job.runSynchronously(on: asUnownedTaskExecutor()) }
            running.removeAll(keepingCapacity: true)
        }
    }
}
