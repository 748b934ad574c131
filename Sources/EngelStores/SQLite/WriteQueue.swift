import EngelCore
import SQLiteNIO
import Synchronization

/// One write waiting for the writer connection: its statements, and the caller to answer once
/// the transaction holding it is committed.
protocol PendingWrite: Sendable {
    /// What the write may change in the store's memory caches.
    var effect: CacheEffect { get }
    /// Runs the write's statements inside the open transaction; returns whether they succeeded.
    func execute(on connection: WriterConnection) -> Bool
    /// Answers the caller: with the write's own outcome when `commitError` is nil.
    func complete(commitError: (any Error)?)
}

/// A write returning `Value`.
final class Write<Value: Sendable>: PendingWrite, @unchecked Sendable {
    private let body: @Sendable (WriterConnection) throws -> Value
    private let continuation: CheckedContinuation<Value, any Error>
    let effect: CacheEffect
    // Touched only by the single writer task, between `execute` and `complete`.
    private var outcome: Result<Value, any Error>?

    init(
        effect: CacheEffect, _ body: @escaping @Sendable (WriterConnection) throws -> Value,
        continuation: CheckedContinuation<Value, any Error>
    ) {
        self.effect = effect
        self.body = body
        self.continuation = continuation
    }

    func execute(on connection: WriterConnection) -> Bool {
        do {
            outcome = .success(try body(connection))
            return true
        } catch {
            outcome = .failure(error)
            return false
        }
    }

    func complete(commitError: (any Error)?) {
        if let commitError, case .success = outcome {
            continuation.resume(throwing: commitError)
        } else if let outcome {
            continuation.resume(with: outcome)
        } else {
            continuation.resume(throwing: commitError ?? StoreError.closed)
        }
    }
}

/// The jobs waiting for the writer, handed over in batches.
///
/// Whatever arrives while a transaction commits joins the next one: that is the group commit. An
/// add that waits for a commit of its own (one connection) costs the server 177 to 198 us of CPU,
/// at about 3,500 a second; 64 connections sharing commits run about 21,000 adds a second at 58 to
/// 63 us each (scripts/bench's two add rows, Benchmarks/RESULTS.md, "2026-11-30 (session 7)").
final class WriteQueue<Job: Sendable>: Sendable {
    private struct State {
        var pending: [Job] = []
        var waiter: CheckedContinuation<[Job]?, Never>?
        var closed = false
    }

    private let state = Mutex(State())
    private let maximumBatch: Int

    init(maximumBatch: Int) {
        self.maximumBatch = maximumBatch
    }

    /// Queues `write`; throws ``StoreError/closed`` after ``close()``.
    func submit(_ write: Job) throws {
        let waiter = try state.withLock { state throws -> CheckedContinuation<[Job]?, Never>? in
            guard !state.closed else { throw StoreError.closed }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending.append(write)
            return nil
        }
        waiter?.resume(returning: [write])
    }

    /// The next batch, waiting for one; `nil` once closed and drained.
    func nextBatch() async -> [Job]? {
        await withCheckedContinuation { continuation in
            let batch = state.withLock { state -> [Job]?? in
                if !state.pending.isEmpty {
                    let count = min(state.pending.count, maximumBatch)
                    let batch = Array(state.pending.prefix(count))
                    state.pending.removeFirst(count)
                    return .some(batch)
                }
                if state.closed { return .some(nil) }
                state.waiter = continuation
                return nil
            }
            if let batch { continuation.resume(returning: batch) }
        }
    }

    /// Refuses new writes; queued ones are still handed out.
    func close() {
        let waiter = state.withLock { state -> CheckedContinuation<[Job]?, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }
}
