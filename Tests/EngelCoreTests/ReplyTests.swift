import EngelCore
import Synchronization
import Testing

@Suite("Reply")
struct ReplyTests {
    /// What a handler was called with, and how often.
    final class Calls: Sendable {
        let values = Mutex<[Int]>([])
        func record(_ value: Int) { values.withLock { $0.append(value) } }
        var recorded: [Int] { values.withLock { $0 } }
    }

    @Test("a reply at hand calls its handler before returning, through map and flatMap too")
    func now() {
        let calls = Calls()
        Reply.now(2).map { $0 * 10 }.flatMap { .now($0 + 1) }.whenReady { calls.record($0) }
        #expect(calls.recorded == [21])
    }

    @Test("a later reply calls its handler once, when fulfilled, whether registered before or after")
    func later() {
        let before = PendingReply<Int>()
        let calls = Calls()
        Reply.later(before).map { $0 + 1 }.whenReady { calls.record($0) }
        #expect(calls.recorded.isEmpty)
        before.fulfil(1)
        before.fulfil(5)
        #expect(calls.recorded == [2])

        let after = PendingReply<Int>()
        after.fulfil(7)
        Reply.later(after).whenReady { calls.record($0) }
        #expect(calls.recorded == [2, 7])
    }

    @Test("a reply chained on a later one is later, and at hand once both are")
    func chained() {
        let first = PendingReply<Int>()
        let second = PendingReply<Int>()
        let chained = Reply.later(first).flatMap { value in Reply.later(second).map { $0 * value } }
        guard case .later = chained else {
            Issue.record("a reply chained on a later one was at hand")
            return
        }
        let calls = Calls()
        chained.whenReady { calls.record($0) }
        first.fulfil(3)
        #expect(calls.recorded.isEmpty)
        second.fulfil(4)
        #expect(calls.recorded == [12])
    }

    @Test("cancelling reaches the work of the reply a chain started from; a fulfilled one ignores it")
    func cancel() {
        let pending = PendingReply<Int>()
        let cancelled = Calls()
        pending.onCancel { cancelled.record(1) }
        Reply.later(pending).map { $0 }.cancel()
        #expect(cancelled.recorded == [1])
        pending.fulfil(0)
        Reply.later(pending).cancel()
        #expect(cancelled.recorded == [1])
    }

    @Test("a suspending reply runs its work in a task, which a cancellation reaches")
    func suspending() async {
        let reply = Reply<Bool>.suspending {
            // Ends early only when cancelled.
            (try? await Task.sleep(for: .seconds(60))) == nil
        }
        reply.cancel()
        let cancelled = await withCheckedContinuation { continuation in
            reply.whenReady { continuation.resume(returning: $0) }
        }
        #expect(cancelled)
        let value = await withCheckedContinuation { continuation in
            Reply<Int>.suspending { 42 }.whenReady { continuation.resume(returning: $0) }
        }
        #expect(value == 42)
    }
}
