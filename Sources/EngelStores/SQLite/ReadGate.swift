import EngelCore
import Synchronization

/// The reads in flight on the reader connections, so that closing the store waits for them before
/// it closes their connections: a statement started on a connection being closed, or closed, is
/// undefined behaviour in SQLite, where a crash on a pool thread is the likely outcome. Reads that
/// come after closing began throw ``StoreError/closed``, as writes do.
final class ReadGate: Sendable {
    private struct State {
        var closed = false
        var inFlight = 0
        var drained: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Runs `read` unless the store is closing.
    func pass<Value>(_ read: () async throws -> Value) async throws -> Value {
        try state.withLock { state throws(StoreError) in
            guard !state.closed else { throw StoreError.closed }
            state.inFlight += 1
        }
        defer { leave() }
        return try await read()
    }

    private func leave() {
        let drained = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.inFlight -= 1
            guard state.closed, state.inFlight == 0 else { return nil }
            defer { state.drained = nil }
            return state.drained
        }
        drained?.resume()
    }

    /// Refuses new reads and returns once the last one in flight has finished.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state -> Bool in
                state.closed = true
                if state.inFlight == 0 { return true }
                state.drained = continuation
                return false
            }
            if idle { continuation.resume() }
        }
    }
}
