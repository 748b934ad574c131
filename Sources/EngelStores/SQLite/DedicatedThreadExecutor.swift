import Foundation

/// Runs the jobs of the tasks that prefer it on one thread of its own, in the order they arrive.
///
/// The SQLite writer's task runs here. On the shared pool, every step of a write group (start,
/// each statement's result, the answers) waited in line behind the requests' jobs, so with the
/// cores busy serving HTTP a group took milliseconds longer to commit and answer; here it waits
/// for nobody.
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
