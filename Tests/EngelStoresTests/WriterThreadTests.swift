import Foundation
import Synchronization
import Testing

@testable import EngelStores

/// Values recorded by tasks.
private final class Recorded: Sendable {
    let values = Mutex<[Int]>([])
}

@Suite("The SQLite writer's own thread")
struct WriterThreadTests {
    @Test("a task preferring it runs on its thread, across suspensions resumed from elsewhere")
    func runsTasksOnItsThread() async throws {
        let executor = WriterThread(name: "test-writer")
        // Threads are told apart by identity: a name read back under load has come back as the
        // name of the thread that started this one.
        let executorThread = await Task(executorPreference: executor) { currentThread() }.value
        let threads = Mutex<Set<UInt>>([])
        let total = await Task(executorPreference: executor) {
            var total = 0
            for step in 1...200 {
                threads.withLock { _ = $0.insert(currentThread()) }
                // A suspension that resumes from another thread, as a statement's result does.
                await withCheckedContinuation { continuation in
                    DispatchQueue.global().async { continuation.resume() }
                }
                total += step
            }
            return total
        }.value
        #expect(total == 200 * 201 / 2)
        #expect(threads.withLock { $0 } == [executorThread])
        #expect(executorThread != currentThread())
        await executor.shutdown()
    }

    @Test("jobs run one at a time, in the order they arrive")
    func runsJobsInOrder() async throws {
        let executor = WriterThread(name: "test-order")
        let order = Recorded()
        let tasks = (0..<100).map { index in
            Task(executorPreference: executor) { order.values.withLock { $0.append(index) } }
        }
        for task in tasks { await task.value }
        #expect(order.values.withLock { $0 } == Array(0..<100))
        await executor.shutdown()
    }
}

/// The identity of the thread running the caller.
private func currentThread() -> UInt {
    UInt(pthread_self())
}
